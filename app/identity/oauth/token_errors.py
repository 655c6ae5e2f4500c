"""Token-endpoint errors in plain words: an ASCII description, and a localized message beside it."""

from __future__ import annotations

import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# RFC 6749 §5.2: ``error_description`` is ASCII for developers; ``message`` is for the person, localized.
TOKEN_ERRORS = {
    "invalid_request": (
        "The request is missing a parameter or has a wrong one.",
        _l("The request is missing a parameter or has a wrong one."),
    ),
    "invalid_client": (
        "Client authentication failed: unknown client, wrong secret, or a method this client may not use.",
        _l("The app or institution could not be authenticated."),
    ),
    "invalid_grant": (
        "The authorization code or refresh token is invalid, expired, already used, "
        "or was issued to another client or redirect URI.",
        _l("This sign-in has expired or was already used. Please sign in again."),
    ),
    "unauthorized_client": (
        "This client may not use this grant type.",
        _l("This app may not sign in this way."),
    ),
    "unsupported_grant_type": (
        "Unsupported grant_type: use authorization_code, refresh_token or client_credentials.",
        _l("This way of signing in is not supported."),
    ),
    "invalid_scope": (
        "The requested scope is unknown or not registered for this client.",
        _l("The app asked for access it may not have."),
    ),
    "unsupported_token_type": (
        "Unsupported token_type_hint: use access_token or refresh_token.",
        _l("This kind of token cannot be revoked here."),
    ),
}


_MISSING_PARAMETER = re.compile(r"Missing '([a-z_]+)' in request")


def explain_token_error(payload: dict) -> dict:
    """An RFC 6749 error in plain words: an ASCII ``error_description`` and a localized ``message``."""
    code = payload.get("error")
    if code not in TOKEN_ERRORS:
        return payload
    description, message = TOKEN_ERRORS[code]
    missing = _MISSING_PARAMETER.search(payload.get("error_description") or "")
    if code == "invalid_request" and missing:
        name = missing.group(1)
        description = f"The request is missing the parameter {name}."
        return {
            **payload,
            "error_description": description,
            "message": gettext("The request is missing the parameter %(name)s.", name=name),
        }
    return {**payload, "error_description": description, "message": str(message)}
