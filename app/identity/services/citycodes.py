"""The city code for residents and scanners, and housekeeping of expired codes and records."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.actors import Actor
from app.core.models import utcnow
from app.core.pagination import Page
from app.core.policy import require_person
from app.extensions import db
from app.identity import citycode, notices, oauth, otp, revocation, scanlog
from app.identity.models import (
    AccountLinkCode,
)
from app.identity.scanlog import Scanner  # noqa: F401 - who scans at work, for other domains
from app.identity.services.people import my_profile, my_profile_as_read


def my_city_code(actor: Actor, images: frozenset[str] = citycode.QR_IMAGES) -> citycode.IssuedCode:
    """A fresh city code for the signed-in person, with the QR images asked for (both by default)."""
    person = my_profile_as_read(actor)
    if not citycode.has_subject(person):
        person = my_profile(actor)  # a row made outside the model: it gets its key now
    return citycode.issue_code(person, images=images)


def report_lost_phone(actor: Actor) -> tuple[datetime, int]:
    """Refuse every city code issued until now and sign out other devices; returns (moment, sign-outs).

    The person is told urgently (their Telegram chat, else SMS, else whoever holds their mandate),
    so a revoke they did not make is noticed even when the phone is gone.
    """
    person = my_profile(actor)
    moment = citycode.revoke_codes(person)
    ended = oauth.revoke_sessions_of(person.id, keep_family_id=actor.session_id, reason="lost_phone")
    notices.lost_phone_reported(person.id, moment, ended)
    return moment, ended


def my_city_code_scans(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every online verification of the signed-in person's codes."""
    return citycode.scans_of(require_person(actor), cursor=cursor, limit=limit)


def verify_city_code(
    actor: Actor,
    code: str,
    purpose: str,
    *,
    at: datetime | None = None,
    scanner: scanlog.Scanner | None = None,
) -> citycode.Verification:
    """A scanner checks a code online (scope ``citycode:verify``); ``at``: when a gate read it offline.

    ``scanner``: a person at work scans (a merchant's staff, for a purpose admitting their role); the
    holder's scan log names the business it says.
    """
    return citycode.verify_code(actor, code, purpose, now=at, scanner=scanner)


def flush_scan_buffer(*, follow_ms: int | None = None, claim_idle_seconds: int | None = None) -> int:
    """Write the buffered city-code scans into the scan log (at least once, one row each); how many."""
    return scanlog.flush(block_ms=follow_ms, claim_idle_seconds=claim_idle_seconds)


def prune_expired() -> dict[str, int]:
    """Delete expired sign-in, link and authorization codes, refresh tokens, revocations, replay records."""
    now = utcnow()
    link_codes = db.session.execute(
        db.delete(AccountLinkCode).where(AccountLinkCode.expires_at < now - timedelta(days=1))
    ).rowcount
    return {
        "sign_in_codes": otp.prune(now),
        "oauth_codes_and_refresh_tokens": oauth.prune(now),
        "link_codes": link_codes or 0,
        "revocations": revocation.prune(now),
        "city_codes_seen": citycode.prune(now),
    }
