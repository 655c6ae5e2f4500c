"""The OpenID Connect provider over HTTP: discovery, keys, the hosted sign-in and consent pages, tokens.

These endpoints speak OAuth 2.0 (form posts, RFC 6749 error bodies) rather than the JSON API, so
they live outside ``/api/v1``; the hosted pages are localized HTML.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from authlib.oauth2.rfc6749 import OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, session
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core import uow
from app.core.api import credential_failure_limit
from app.core.errors import (
    AppError,
    BadRequest,
    Unauthenticated,
    ValidationFailed,
    from_http_exception,
    problem_response,
)
from app.core.i18n import normalize_locale, select_locale
from app.core.pii import InvalidPII, mask_phone, normalize_phone
from app.core.validation import text_problem
from app.extensions import db, limiter
from app.identity import keys, oauth, services
from app.identity.models import Person

web = Blueprint("oidc", __name__, template_folder="templates")

SCOPE_DESCRIPTIONS = {
    "openid": _l("Know that it is you (your account identifier)"),
    "profile": _l("Your display name and language"),
    "phone": _l("Your phone number"),
    "offline_access": _l("Stay signed in while you are not using the app"),
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _address_limit() -> str:
    return current_app.config["SIGN_IN_ADDRESS_RATE_LIMIT"]


@web.before_request
def _refuse_unstorable_parameters():
    """A NUL (or text that is not Unicode) in any OAuth parameter is a bad request, never a server error."""
    values = [*request.args.values(), *request.form.values()]
    if not any(text_problem(value) for value in values):
        return None
    if request.path in ("/oauth/token", "/oauth/revoke"):
        response = jsonify({"error": "invalid_request", "error_description": "malformed parameter"})
        response.status_code = 400
        return response
    body = render_template(
        "identity/error.html",
        error="invalid_request",
        description=gettext("The request contains characters that are not allowed."),
        locale=select_locale(),
    )
    return body, 400


@web.after_request
def _protect_pages(response):
    if response.mimetype == "text/html":
        response.headers.update(SECURITY_HEADERS)
    return response


# --- discovery and keys ---------------------------------------------------------------------------


@web.route("/.well-known/openid-configuration")
@web.route("/.well-known/oauth-authorization-server")
def discovery():
    """OpenID Provider Metadata."""
    response = jsonify(oauth.discovery_document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@web.route("/.well-known/jwks.json")
def jwks():
    """Keys that verify access tokens (EdDSA) and ID tokens (RS256): active, next and lately retired."""
    response = jsonify(keys.jwks(*keys.OIDC_PURPOSES))
    response.headers["Cache-Control"] = f"public, max-age={keys.JWKS_MAX_AGE}"
    return response


# --- token, revocation, userinfo ------------------------------------------------------------------


def _wrong_client_credentials(response) -> bool:
    """The answer refused the client's credentials (``invalid_client``): it counts towards the throttle."""
    body = response.get_json(silent=True) if response.is_json else None
    return isinstance(body, dict) and body.get("error") == "invalid_client"


throttle_wrong_credentials = limiter.shared_limit(
    credential_failure_limit, scope="client-credentials", deduct_when=_wrong_client_credentials
)


@web.route("/oauth/token", methods=["POST"])
@throttle_wrong_credentials
@uow.records_refusals  # a refused exchange ends the code; a reused refresh token revokes its family
def token():
    """Token endpoint: authorization_code (PKCE), refresh_token (rotating), client_credentials."""
    return _explained(oauth.server().create_token_response())


@web.route("/oauth/revoke", methods=["POST"])
@throttle_wrong_credentials
@uow.records_refusals
def revoke():
    """RFC 7009 revocation of an access or refresh token."""
    return _explained(oauth.server().create_endpoint_response("revocation"))


def _explained(response):
    """An error from the token or revocation endpoint, in plain words and the reader's language."""
    if response.status_code < 400 or not response.is_json:
        return response
    payload = response.get_json(silent=True)
    if not isinstance(payload, dict):
        return response
    explained = oauth.explain_token_error(payload)
    response.set_data(json.dumps(explained, ensure_ascii=False))
    challenge = response.headers.get("WWW-Authenticate")
    if challenge and "error_description" in explained:
        described = f'error_description="{explained["error_description"]}"'
        response.headers["WWW-Authenticate"] = re.sub(r'error_description="[^"]*"', described, challenge)
    return response


@web.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo():
    """The claims the access token's scopes release about its person."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated()
        person, scope = oauth.person_for_userinfo(token.strip())
    except Unauthenticated:
        response = jsonify({"error": "invalid_token"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    response = jsonify(oauth.userinfo_claims(person, scope))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the authorization endpoint and its pages -----------------------------------------------------


@web.route("/oauth/authorize", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@uow.records_refusals  # a wrong sign-in code counts towards the lock-out
def authorize():
    """Sign in on the hosted page (phone + SMS code), consent if the app is a third party, get a code."""
    _apply_ui_locales()
    server = oauth.server()
    end_user = _session_user()
    try:
        grant = server.get_consent_grant(end_user=end_user)
    except OAuth2Error as error:
        return _authorization_error(server, error)
    if request.method == "POST":
        if not _csrf_ok():
            return _login_page(grant, error=BadRequest(gettext("The form expired. Please try again.")))
        action = request.form.get("action")
        if action == "send_code":
            return _send_code(grant)
        if action == "sign_in":
            return _sign_in(grant)
        if action == "switch_account":
            session.clear()
            return redirect(request.url, code=303)
        if end_user is not None and action in ("allow", "deny"):
            return _decide(server, grant, end_user, allowed=action == "allow")
    if end_user is None or grant.prompt == "login":
        return _login_page(grant)
    prompts = (request.args.get("prompt") or "").split()
    scope = grant.request.scope or ""
    if "consent" in prompts or oauth.consent_needed(end_user.person, grant.client, scope):
        if "none" in prompts:
            return _authorization_error(
                server, ConsentRequiredError(redirect_uri=grant.redirect_uri, state=request.args.get("state"))
            )
        return _consent_page(grant, end_user)
    return _issue_code(server, grant, end_user)


@web.errorhandler(429)
def _too_many_sign_in_attempts(exc):
    """The hosted page answers its address limit as itself, with the message in the reader's language."""
    error = from_http_exception(exc)
    if request.endpoint != "oidc.authorize" or _wants_json():
        return problem_response(error)
    _apply_ui_locales()
    server = oauth.server()
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as oauth_error:
        return _authorization_error(server, oauth_error)
    return _login_page(grant, error=error)


def _apply_ui_locales() -> None:
    for tag in (request.values.get("ui_locales") or "").split():
        locale = normalize_locale(tag)
        if locale:
            g.preferred_locale = locale
            return


def _session_user() -> oauth.EndUser | None:
    person_id, auth_time = session.get("person_id"), session.get("auth_time")
    if not person_id or not isinstance(auth_time, int):
        return None
    age = time.time() - auth_time
    max_age = request.args.get("max_age", "")
    if age > current_app.config["SIGN_IN_SESSION_SECONDS"] or (max_age.isdigit() and age > int(max_age)):
        return None
    person = db.session.get(Person, uuid.UUID(person_id))
    if person is None or session.get("generation") != person.sign_in_generation:
        return None  # signed out everywhere since (a lost phone): this session is over
    return oauth.EndUser(person, datetime.fromtimestamp(auth_time, UTC))


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _csrf_ok() -> bool:
    expected, given = session.get("csrf"), request.form.get("csrf_token", "")
    return bool(expected) and secrets.compare_digest(expected, given)


def _form_phone() -> str:
    try:
        return normalize_phone(request.form.get("phone", ""))
    except InvalidPII:
        raise ValidationFailed({"phone": [gettext("Not a valid phone number.")]}) from None


def _send_code(grant):
    try:
        phone = _form_phone()
        services.send_sign_in_code(phone, select_locale(), requester=request.remote_addr)
    except AppError as error:
        uow.rollback()  # nothing of a refused request is kept
        return _login_page(grant, error=error)
    return _login_page(grant, info=gettext("A code was sent to %(phone)s.", phone=mask_phone(phone)))


def _sign_in(grant):
    try:
        person = services.sign_in_with_otp(
            _form_phone(), request.form.get("code", ""), requester=request.remote_addr
        )
    except AppError as error:
        return _login_page(grant, error=error)  # the wrong code is counted (records_refusals)
    session.clear()
    session.permanent = True
    session["person_id"] = str(person.id)
    session["auth_time"] = int(time.time())
    session["generation"] = person.sign_in_generation
    # Continue the same authorization request; the sign-in just done satisfies prompt and max_age.
    args = {k: v for k, v in request.args.items(multi=True) if k not in ("prompt", "max_age")}
    return redirect(f"{request.path}?{urlencode(args)}", code=303)


def _decide(server, grant, end_user: oauth.EndUser, *, allowed: bool):
    if allowed:
        oauth.record_consent(end_user.person, grant.client, grant.request.scope or "")
        return _issue_code(server, grant, end_user)
    return server.create_authorization_response(grant_user=None, grant=grant)


def _issue_code(server, grant, end_user: oauth.EndUser):
    return server.create_authorization_response(grant_user=end_user, grant=grant)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def _login_page(grant, *, error: AppError | None = None, info: str | None = None):
    if error is not None and _wants_json():
        return problem_response(error)
    body = render_template(
        "identity/login.html",
        client=grant.client,
        scopes=_scope_lines(grant.request.scope),
        phone=request.form.get("phone", ""),
        error=_error_text(error),
        info=info,
        csrf_token=_csrf_token(),
        locale=select_locale(),
    )
    status = error.status if error is not None else 200
    return body, status, (error.headers if error is not None else {})


def _consent_page(grant, end_user: oauth.EndUser):
    body = render_template(
        "identity/consent.html",
        client=grant.client,
        person=end_user.person,
        phone=mask_phone(end_user.person.phone),
        scopes=_scope_lines(grant.request.scope),
        csrf_token=_csrf_token(),
        locale=select_locale(),
    )
    return body


def _authorization_error(server, error: OAuth2Error):
    if error.redirect_uri:
        return server.handle_error_response(None, error)
    body = render_template(
        "identity/error.html", error=error.error, description=error.description or "", locale=select_locale()
    )
    return body, error.status_code or 400


def _scope_lines(scope: str | None) -> list[str]:
    return [str(SCOPE_DESCRIPTIONS[s]) for s in (scope or "").split() if s in SCOPE_DESCRIPTIONS]


def _error_text(error: AppError | None) -> str | None:
    if error is None:
        return None
    messages = [str(error.detail or error.default_detail)]
    for field_messages in error.extra.get("errors", {}).values():
        messages.extend(field_messages if isinstance(field_messages, list) else [str(field_messages)])
    return " ".join(dict.fromkeys(messages))
