"""The directory's fixed parts: where its catalogue lives, its categories, how long a query may be."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

CATALOGUE = Path(__file__).resolve().parent / "data" / "services.json"
# Each Chinese text of the catalogue in pinyin, worked out ahead (``write_pinyin_table`` in the directory)
# so that no worker loads pypinyin's dictionaries (about 57 MB) to search the directory.
PINYIN = Path(__file__).resolve().parent / "data" / "pinyin.json"
MAX_QUERY_TERMS = 5

CATEGORIES = {
    "account": _l("My account"),
    "living": _l("Daily life"),
    "mobility": _l("Getting around"),
    "health": _l("Health"),
    "social": _l("Social security"),
    "government": _l("Government services"),
    "community": _l("Community and elder care"),
}
