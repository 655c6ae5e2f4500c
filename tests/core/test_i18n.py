"""Locale choice and the completeness of the catalogs."""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.core.i18n import normalize_locale

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("zh_Hans", "zh_Hant", "en")


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans-SG", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh_HK", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("en-GB", "en"),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_tags_map_to_supported_locales(tag, locale):
    assert normalize_locale(tag) == locale


def test_users_preference_beats_accept_language(client, make_person, auth):
    person = make_person(locale="en")
    response = client.get("/api/v1/nowhere", headers=auth(person, **{"Accept-Language": "zh-CN"}))
    assert response.get_json()["title"] == "Not found"
    assert response.headers["Content-Language"] == "en"


def _extracted_ids() -> set[str]:
    method_map = [("app/**.py", "python"), ("bots/**.py", "python")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete(locale):
    path = ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    catalog = read_po(io.BytesIO(path.read_bytes()), locale=locale)
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    untranslated = sorted(
        k for k, m in entries.items() if not m.string or (isinstance(m.string, tuple) and not all(m.string))
    )
    fuzzy = sorted(k for k, m in entries.items() if m.fuzzy)
    missing = sorted(_extracted_ids() - set(entries))
    assert not untranslated, f"untranslated in {locale}: {untranslated}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy}"
    assert not missing, f"not in the {locale} catalog (run `flask translate update`): {missing}"
