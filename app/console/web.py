"""The console's frame: sessions, sign-in and sign-out, language, CSRF, problem messages, headers.

Every page of the console lives on a blueprint registered under ``console`` (see
``docs/console.md``), so the hooks here hold for all of them: the signed-in person becomes the
``Actor`` the services receive (their current roles and departments, read on every request), every
POST must carry the session's CSRF token, and every problem a service raises is shown as a message
on the page in the reader's language.
"""

from __future__ import annotations

import functools
import logging
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import session as hosted_sign_in
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app.console import sessions, signin
from app.core import uow
from app.core.actors import Actor
from app.core.errors import (
    AppError,
    BadRequest,
    Forbidden,
    StaleVersion,
    Unauthenticated,
    from_http_exception,
)
from app.core.i18n import SUPPORTED_LOCALES, normalize_locale, select_locale
from app.extensions import db
from app.identity import services as identity

log = logging.getLogger(__name__)
console = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

LANG_COOKIE = "ymt_console_lang"
LANGUAGES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Vary": "Cookie, Accept-Language",
}


class FormExpired(BadRequest):
    """A form came without the session's CSRF token (or from another site)."""

    code = "form-expired"
    title = _l("The form expired")
    default_detail = _l("The form expired or did not come from this page. Please try again.")


# --- navigation: each page registers its entry --------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """An entry of the console's menu, shown to those holding any of ``roles``."""

    endpoint: str
    label: object  # a lazy string
    roles: tuple[str, ...]


NAV: list[NavItem] = []


def register_nav(endpoint: str, label, roles: tuple[str, ...]) -> None:
    """Add a menu entry (once per endpoint), in the order pages register."""
    if all(item.endpoint != endpoint for item in NAV):
        NAV.append(NavItem(endpoint, label, tuple(roles)))


def menu_for(actor: Actor | None) -> list[NavItem]:
    """The menu entries the actor may open."""
    if actor is None:
        return []
    return [item for item in NAV if actor.has_role(*item.roles)]


# --- who is signed in -----------------------------------------------------------------------------


def console_actor() -> Actor:
    """The signed-in person as the services' Actor (401 when nobody is signed in)."""
    actor = g.get("console_actor")
    if actor is None:
        raise Unauthenticated()
    return actor


def signed_in(*roles: str):
    """A page for signed-in people (holding any of ``roles``, if given); others go to sign-in first."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = g.get("console_actor")
            if actor is None:
                if request.method != "GET":
                    raise FormExpired()
                return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
            if roles and not actor.has_role(*roles):
                raise Forbidden(gettext("Your roles do not include this page."))
            return view(*args, **kwargs)

        return wrapper

    return decorator


@console.before_request
def _load_session():
    g.console_session = session = sessions.current()
    g.console_actor = g.console_person = None
    if session is not None and session.person_id is not None:
        person = _person(session)
        if person is None:
            sessions.end(session)
            g.console_session = session = None
        else:
            g.console_person = person
            g.console_actor = identity.person_actor(person, signin.client_id())
    _choose_locale()
    if request.method == "POST" and not _csrf_ok(session):
        raise FormExpired()


def _person(session):
    try:
        person = identity.get_person(session.person_id)
    except AppError:
        return None
    if person.sign_in_generation != session.sign_in_generation:
        return None  # signed out everywhere since (a lost phone)
    return person


def _choose_locale() -> None:
    asked = request.args.get("lang")
    chosen = asked if asked in SUPPORTED_LOCALES else None
    g.console_new_lang = chosen
    saved = request.cookies.get(LANG_COOKIE)
    person = g.get("console_person")
    preferred = (
        chosen or (saved if saved in SUPPORTED_LOCALES else None) or (person.locale if person else None)
    )
    if preferred:
        g.preferred_locale = normalize_locale(preferred)


def _csrf_ok(session) -> bool:
    given = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    return session is not None and bool(given) and secrets.compare_digest(session.csrf_token, given)


@console.after_request
def _headers(response):
    if response.mimetype == "text/html":
        response.headers.update(SECURITY_HEADERS)
    if g.get("console_new_lang"):
        response.set_cookie(
            LANG_COOKIE, g.console_new_lang, path=sessions.COOKIE_PATH, max_age=365 * 86400, samesite="Lax"
        )
    return response


@console.app_template_global()
def csrf_token() -> str:
    """The session's CSRF token, for the hidden field every form carries."""
    session = g.get("console_session")
    return session.csrf_token if session is not None else ""


@console.app_context_processor
def _frame():
    if not request.blueprint or not request.blueprint.startswith("console"):
        return {}
    actor = g.get("console_actor")
    return {
        "locale": select_locale(),
        "languages": LANGUAGES,
        "person": g.get("console_person"),
        "menu": menu_for(actor),
        "actor": actor,
    }


# --- problems as messages -------------------------------------------------------------------------


def problem_message(error: AppError) -> dict:
    """A problem document as the page shows it: a title, the detail and each field's messages."""
    problem = error.to_problem()
    fields = []
    for messages in (problem.get("errors") or {}).values():
        fields.extend(messages if isinstance(messages, list) else [str(messages)])
    detail = problem.get("detail", "")
    return {"title": problem["title"], "detail": detail, "fields": [m for m in fields if m != detail]}


def render_page(template: str, *, error: AppError | None = None, status: int | None = None, **context):
    """Render a console page; with ``error`` its problem shows as a message, with the problem's status."""
    if error is not None:
        uow.rollback()  # nothing of a refused action is kept (the request ends in 4xx anyway)
    body = render_template(template, problem=problem_message(error) if error else None, **context)
    return body, status or (error.status if error else 200), (error.headers if error else {})


def _problem_page(error: AppError):
    uow.rollback()
    if request.headers.get("HX-Request"):
        body = render_template("console/_problem.html", problem=problem_message(error))
        return body, error.status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
    headers = {k: v for k, v in error.headers.items() if k.lower() != "www-authenticate"}
    return render_template("console/problem.html", problem=problem_message(error)), error.status, headers


@console.errorhandler(AppError)
def _app_error(error: AppError):
    return _problem_page(error)


@console.errorhandler(StaleDataError)
def _stale(error):
    return _problem_page(StaleVersion())


@console.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _problem_page(from_http_exception(error))


@console.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _problem_page(AppError())


# --- sign-in, sign-out, home ----------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    """Only a path inside the console (never another site) is a place to return to."""
    value = value or ""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/console") or "\\" in value:
        return url_for("console.home")
    return value


@console.route("/sign-in")
def sign_in():
    """Start signing in at the app's OpenID provider (code + PKCE)."""
    session, token = sessions.begin_sign_in(_safe_next(request.args.get("next")))
    response = redirect(signin.authorize_url(session), code=302)
    sessions.set_cookie(response, token)
    return response


@console.route("/callback")
def callback():
    """The provider sends the browser back here with a code; exchange it and open the session."""
    session = g.get("console_session")
    state = request.args.get("state", "")
    if (
        session is None
        or session.oauth_state is None
        or not secrets.compare_digest(session.oauth_state, state)
    ):
        raise FormExpired(gettext("This sign-in link expired. Please sign in again."))
    if request.args.get("error") or not request.args.get("code"):
        raise Unauthenticated(gettext("Sign-in was cancelled or refused."))
    session_id, verifier, nonce = session.id, session.code_verifier, session.oauth_nonce
    uow.end_reading()  # the provider's exchange runs in its own unit of work; hold no lock meanwhile
    person_id, refresh_token = signin.exchange_code(request.args["code"], verifier, nonce)
    session = db.session.get(sessions.ConsoleSession, session_id)
    person = identity.get_person(uuid.UUID(person_id))
    token = sessions.complete_sign_in(session, person.id, person.sign_in_generation, refresh_token)
    response = redirect(_safe_next(session.next_path), code=303)
    sessions.set_cookie(response, token)
    return response


@console.route("/sign-out", methods=["POST"])
def sign_out():
    """End the console session and the sign-in behind it."""
    session = g.get("console_session")
    if session is not None:
        session_id, refresh_token = session.id, session.refresh_token
        uow.end_reading()  # the provider's revocation runs in its own unit of work
        signin.revoke(refresh_token)
        sessions.end(db.session.get(sessions.ConsoleSession, session_id))
    response = redirect(url_for("console.signed_out"), code=303)
    sessions.clear_cookie(response)
    # The hosted sign-in page remembers this browser too (its own cookie): forget it, or the next
    # sign-in would be silent.
    hosted_sign_in.clear()
    return response


@console.route("/signed-out")
def signed_out():
    """Where sign-out lands."""
    return render_template("console/signed_out.html")


@console.route("/")
@signed_in()
def home():
    """What the signed-in person can do here, by role."""
    return render_template("console/home.html")
