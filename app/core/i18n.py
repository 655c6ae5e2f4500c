"""Locale choice, catalog compilation and localized validation messages."""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Domain, _get_current_context
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

SUPPORTED_LOCALES = ("zh_Hans", "zh_Hant", "en")
DEFAULT_LOCALE = "zh_Hans"

_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding a request's translations once for all its messages.

    Flask-Babel's own looks the locale and then its cache up again at every ``gettext`` (a home writes
    some forty messages). This one keeps the translations in the slot Flask-Babel resets whenever
    the locale changes (``force_locale``, ``refresh``): ``babel_translations`` of the context.
    """

    def get_translations(self):
        """The context's translations, looked up at its first message and after a locale change."""
        ctx = _get_current_context()
        if ctx is None:
            return NullTranslations()
        translations = getattr(ctx, "babel_translations", None)
        if translations is None:
            translations = super().get_translations()
            ctx.babel_translations = translations
        return translations


def install_request_domain(babel, app) -> None:
    """Serve every message of the app through :class:`RequestDomain` (after ``babel.init_app``)."""
    babel.domain_instance = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))


def normalize_locale(tag: str | None) -> str | None:
    """Map a BCP 47 or POSIX tag (zh-CN, zh_TW, zh-Hant-HK, en-US) to a supported locale."""
    if not tag:
        return None
    parts = [p.lower() for p in tag.replace("_", "-").split("-") if p]
    if not parts:
        return None
    if parts[0] == "en":
        return "en"
    if parts[0] != "zh":
        return None
    if "hant" in parts or _TRADITIONAL_REGIONS.intersection(parts[1:]):
        return "zh_Hant"
    return "zh_Hans"


def current_locale() -> str:
    """The locale being rendered now: the request's, or the one a job or bot forced."""
    from flask_babel import get_locale

    locale = get_locale() if has_app_context() else None
    return normalize_locale(str(locale)) if locale else DEFAULT_LOCALE


def in_every_locale(render) -> dict[str, str]:
    """``render()`` (a gettext call, a lazy string) in each supported locale: text kept for any reader."""
    from flask_babel import force_locale

    texts = {}
    for locale in SUPPORTED_LOCALES:
        with force_locale(locale):
            texts[locale] = str(render() if callable(render) else render)
    return texts


def pick(texts: dict[str, str], locale: str | None = None) -> str:
    """The text for ``locale`` (default: the current one), else Simplified Chinese, else English."""
    for candidate in (locale or current_locale(), DEFAULT_LOCALE, "en"):
        if texts.get(candidate):
            return texts[candidate]
    return next(iter(texts.values()), "")


def locale_from_accept_language() -> str | None:
    """Return the best supported locale the client's Accept-Language asks for."""
    for tag, _quality in request.accept_languages:
        locale = normalize_locale(tag)
        if locale:
            return locale
    return None


def select_locale() -> str:
    """Signed-in user's preference, then Accept-Language, then zh_Hans."""
    if not has_request_context():
        return DEFAULT_LOCALE
    preferred = normalize_locale(getattr(g, "preferred_locale", None))
    return preferred or locale_from_accept_language() or DEFAULT_LOCALE


CORE_CATALOG = "core"
BOT_CATALOG = "bots"


def catalog_sources(name: str, root: Path) -> list[Path]:
    """The source folders whose messages go into catalog ``name`` (each domain owns its own)."""
    if name == CORE_CATALOG:
        return [root / "app" / "core"]
    if name == BOT_CATALOG:
        return [root / "bots"]
    return [root / "app" / name]


def catalog_names(locales_dir: Path) -> list[str]:
    """The catalogs under ``locales_dir`` (one folder each), the kernel's first."""
    names = sorted(p.name for p in locales_dir.iterdir() if p.is_dir() and any(p.glob("*/LC_MESSAGES")))
    return sorted(names, key=lambda name: name != CORE_CATALOG)


def catalog_directories(locales_dir: Path) -> str:
    """Flask-Babel's ``BABEL_TRANSLATION_DIRECTORIES``: every catalog folder, ``;``-separated."""
    return ";".join(str(locales_dir / name) for name in catalog_names(locales_dir))


def translation_memory(locales_dir: Path) -> dict[str, dict]:
    """Every translation the catalogs hold now, per locale (taken before an update drops moved ones)."""
    memory: dict[str, dict] = {}
    for locale in SUPPORTED_LOCALES:
        known = memory.setdefault(locale, {})
        for catalog in _catalogs_of(locales_dir, locale).values():
            known.update({m.id: m.string for m in catalog if m.id and _translated(m.string)})
    return memory


def _catalogs_of(locales_dir: Path, locale: str) -> dict:
    catalogs = {}
    for path in sorted(locales_dir.glob(f"*/{locale}/LC_MESSAGES/messages.po")):
        with path.open("rb") as po_file:
            catalogs[path] = read_po(po_file, locale=locale)
    return catalogs


def fill_from_memory(locales_dir: Path, memory: dict[str, dict]) -> int:
    """Give untranslated entries the translation remembered for the same message (code that moved)."""
    from babel.messages.pofile import write_po

    filled = 0
    for locale in SUPPORTED_LOCALES:
        known = memory.get(locale, {})
        for path, catalog in _catalogs_of(locales_dir, locale).items():
            changed = 0
            for message in catalog:
                if message.id and not _translated(message.string) and message.id in known:
                    message.string, changed = known[message.id], changed + 1
            if changed:
                with path.open("wb") as po_file:
                    write_po(po_file, catalog, width=110, sort_output=False)
                filled += changed
    return filled


def _translated(string) -> bool:
    return bool(string) and (not isinstance(string, tuple) or all(string))


def compile_catalogs(directory: Path, force: bool = False) -> list[Path]:
    """Compile each ``messages.po`` under ``directory`` into ``messages.mo`` when missing or stale."""
    written = []
    for po_path in sorted(directory.glob("**/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


def add_content_language(response):
    """Tell the client which language the response is in."""
    if has_request_context():
        response.headers.setdefault("Content-Language", select_locale().replace("_", "-"))
    return response


def app_locales_dir() -> Path:
    """The folder holding every catalog of the running app."""
    return Path(current_app.config["LOCALES_DIR"])


# Marshmallow's built-in messages, wrapped so they are translated per request.
_FIELD_MESSAGES = {
    ma.fields.Field: {
        "required": _l("Missing data for required field."),
        "null": _l("Field may not be null."),
        "validator_failed": _l("Invalid value."),
    },
    ma.fields.String: {"invalid": _l("Not a valid string.")},
    ma.fields.Integer: {"invalid": _l("Not a valid integer."), "too_large": _l("Number too large.")},
    ma.fields.Number: {"invalid": _l("Not a valid number."), "too_large": _l("Number too large.")},
    ma.fields.Float: {"special": _l("Special numeric values (nan or infinity) are not permitted.")},
    ma.fields.Boolean: {"invalid": _l("Not a valid boolean.")},
    ma.fields.DateTime: {
        "invalid": _l("Not a valid datetime."),
        "invalid_awareness": _l("Not a valid datetime."),  # replaced by _AWARENESS_MESSAGES
        "format": _l('"{input}" cannot be formatted as a datetime.'),
    },
    ma.fields.Date: {
        "invalid": _l("Not a valid date."),
        "format": _l('"{input}" cannot be formatted as a date.'),
    },
    # Email and URL fields hand their message to a validator and insist it is a plain str;
    # the error handler translates it (app.core.errors).
    ma.fields.UUID: {"invalid_uuid": _l("Not a valid UUID.")},
    ma.fields.List: {"invalid": _l("Not a valid list.")},
    ma.fields.Dict: {"invalid": _l("Not a valid mapping type.")},
    ma.fields.Nested: {"type": _l("Invalid type.")},
    ma.fields.Enum: {"unknown": _l("Must be one of: {choices}.")},
}

_VALIDATOR_MESSAGES = {
    ma.validate.Length: {
        "message_min": _l("Shorter than minimum length {min}."),
        "message_max": _l("Longer than maximum length {max}."),
        "message_all": _l("Length must be between {min} and {max}."),
        "message_equal": _l("Length must be {equal}."),
    },
    ma.validate.OneOf: {"default_message": _l("Must be one of: {choices}.")},
    ma.validate.Regexp: {"default_message": _l("String does not match expected pattern.")},
    ma.validate.Email: {"default_message": _l("Not a valid email address.")},
    ma.validate.URL: {"default_message": _l("Not a valid URL.")},
}

# marshmallow's "Not a valid {awareness} datetime." would leave "aware" / "naive" in English.
_AWARENESS_MESSAGES = {
    "aware": _l("Not a valid datetime: give a time zone offset, e.g. 2026-12-01T09:30:00+08:00."),
    "naive": _l("Not a valid datetime: give it without a time zone offset."),
}

_SCHEMA_MESSAGES = {"unknown": _l("Unknown field."), "type": _l("Invalid input type.")}


_marshmallow_make_error = ma.fields.Field.make_error


def _make_error(self: ma.fields.Field, key: str, **kwargs) -> ma.ValidationError:
    """Like marshmallow's, but a lazily translated message is formatted and listed like a plain one."""
    message = self.error_messages.get(key)
    if key == "invalid_awareness" and kwargs.get("awareness") in _AWARENESS_MESSAGES:
        return ma.ValidationError(str(_AWARENESS_MESSAGES[kwargs["awareness"]]))
    if isinstance(message, LazyString):
        return ma.ValidationError(str(message).format(**kwargs))
    return _marshmallow_make_error(self, key, **kwargs)


def localize_validation_messages() -> None:
    """Make marshmallow's default messages follow the request's locale.

    Fields and validators copy their messages when they are built, so this runs when the
    ``app`` package is imported, before any schema is defined.
    """
    ma.fields.Field.make_error = _make_error
    for field_cls, messages in _FIELD_MESSAGES.items():
        field_cls.default_error_messages = {**field_cls.default_error_messages, **messages}
    for validator_cls, messages in _VALIDATOR_MESSAGES.items():
        for attr, message in messages.items():
            setattr(validator_cls, attr, message)
    ma.Schema._default_error_messages = {**ma.Schema._default_error_messages, **_SCHEMA_MESSAGES}
