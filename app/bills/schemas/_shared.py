"""What the bills schemas share: the reader's language."""

from __future__ import annotations

from flask_babel import get_locale


def _locale() -> str:
    return str(get_locale() or "zh_Hans")
