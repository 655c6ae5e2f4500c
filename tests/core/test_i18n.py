"""Locale choice and the completeness of the catalogs."""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.core import i18n
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


def _extracted_ids(catalog: str) -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for source in i18n.catalog_sources(catalog, ROOT):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(source), method_map=method_map, keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


CATALOGS = i18n.catalog_names(ROOT / "locales")


def test_every_domain_with_messages_has_its_catalog():
    packages = [p.name for p in (ROOT / "app").iterdir() if (p / "__init__.py").exists()]
    needing = {name for name in packages if _extracted_ids(name)} | {"bots"}
    assert needing <= set(CATALOGS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("catalog", CATALOGS)
def test_catalog_is_complete(catalog, locale):
    path = ROOT / "locales" / catalog / locale / "LC_MESSAGES" / "messages.po"
    catalog_file = read_po(io.BytesIO(path.read_bytes()), locale=locale)
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog_file if m.id}
    untranslated = sorted(
        k for k, m in entries.items() if not m.string or (isinstance(m.string, tuple) and not all(m.string))
    )
    fuzzy = sorted(k for k, m in entries.items() if m.fuzzy)
    missing = sorted(_extracted_ids(catalog) - set(entries))
    where = f"{catalog}/{locale}"
    assert not untranslated, f"untranslated in {where}: {untranslated}"
    assert not fuzzy, f"fuzzy in {where}: {fuzzy}"
    assert not missing, f"not in the {where} catalog (run `flask translate update`): {missing}"


def test_a_request_s_messages_follow_a_forced_locale_and_come_back(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(headers={"Accept-Language": "zh-TW"}):
        assert gettext("Conflict") == "衝突"
        with force_locale("en"):
            assert gettext("Conflict") == "Conflict"
            with force_locale("zh_Hans"):
                assert gettext("Conflict") == "冲突"
            assert gettext("Conflict") == "Conflict"
        assert gettext("Conflict") == "衝突"
