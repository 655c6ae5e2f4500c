"""Text similarity for duplicate detection: character bigrams, so Chinese needs no tokenizer."""

from __future__ import annotations

import re
import unicodedata

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def _normalize(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def bigrams(text: str) -> frozenset[str]:
    """Overlapping two-character grams of the text with spaces and punctuation removed."""
    cleaned = _normalize(text)
    if len(cleaned) < 2:
        return frozenset({cleaned}) if cleaned else frozenset()
    return frozenset(cleaned[i : i + 2] for i in range(len(cleaned) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the two texts' bigram sets (0 unrelated .. 1 identical)."""
    grams_a, grams_b = bigrams(a), bigrams(b)
    if not grams_a or not grams_b:
        return 0.0
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))
