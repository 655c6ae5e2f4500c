"""Server-side console sessions: a random token in an HttpOnly cookie, the rest in ``console_sessions``.

A session begins when sign-in starts (it holds the OAuth state, nonce and PKCE verifier), gets a
new token when the person has signed in (no fixation), ends on sign-out, after
``CONSOLE_IDLE_SECONDS`` without a request, or ``SIGN_IN_SESSION_SECONDS`` after sign-in, and when
the person is signed out everywhere (their sign-in generation moved on).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, request

from app.console.models import ConsoleSession
from app.core.clock import utcnow
from app.extensions import db

COOKIE = "ymt_console"
COOKIE_PATH = "/console"
PENDING_TTL = timedelta(minutes=10)
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("CONSOLE_IDLE_SECONDS", 2 * 3600)))


def _absolute() -> timedelta:
    return timedelta(seconds=int(current_app.config["SIGN_IN_SESSION_SECONDS"]))


def begin_sign_in(next_path: str) -> tuple[ConsoleSession, str]:
    """A new session for a sign-in under way; returns it and the cookie's token."""
    end(current())
    token, now = secrets.token_urlsafe(32), utcnow()
    session = ConsoleSession(
        token_hash=_digest(token),
        csrf_token=secrets.token_urlsafe(24),
        oauth_state=secrets.token_urlsafe(24),
        oauth_nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(48),
        next_path=next_path,
        last_seen_at=now,
        expires_at=now + PENDING_TTL,
    )
    db.session.add(session)
    db.session.flush()
    return session, token


def complete_sign_in(session: ConsoleSession, person_id, generation: int, refresh_token: str | None) -> str:
    """The person signed in: a fresh token (the pre-sign-in one stops working); returns it."""
    token, now = secrets.token_urlsafe(32), utcnow()
    session.token_hash = _digest(token)
    session.csrf_token = secrets.token_urlsafe(24)
    session.person_id, session.sign_in_generation = person_id, generation
    session.refresh_token = refresh_token
    session.oauth_state = session.oauth_nonce = session.code_verifier = None
    session.signed_in_at = session.last_seen_at = now
    session.expires_at = now + _absolute()
    db.session.flush()
    return token


def current() -> ConsoleSession | None:
    """The live session of this request's cookie, if any (an expired one is deleted)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    session = db.session.scalar(db.select(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))
    if session is None:
        return None
    now = utcnow()
    idle_over = session.person_id is not None and now - session.last_seen_at > _idle()
    if session.expires_at <= now or idle_over:
        end(session)
        return None
    if now - session.last_seen_at > TOUCH_EVERY:
        session.last_seen_at = now
    return session


def end(session: ConsoleSession | None) -> None:
    """Forget the session."""
    if session is not None:
        db.session.delete(session)
        db.session.flush()


def set_cookie(response, token: str) -> None:
    """Give the browser its session token: HttpOnly, SameSite=Lax, Secure in production, /console only."""
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        max_age=int(_absolute().total_seconds()),
    )


def clear_cookie(response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Lax")


def prune() -> int:
    """Delete expired sessions; returns how many."""
    result = db.session.execute(db.delete(ConsoleSession).where(ConsoleSession.expires_at <= utcnow()))
    return result.rowcount or 0
