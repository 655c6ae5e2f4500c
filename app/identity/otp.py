"""Sign-in codes by SMS: six digits, five minutes, single use, a few tries, sent sparingly.

Every limit holds across processes because it lives in the database and changes only through
conditional ``UPDATE`` statements: one send per phone per minute, five per hour, five wrong
attempts lock a code. Codes are stored as keyed hashes, never in clear.
"""

from __future__ import annotations

import hmac
import math
import secrets
from contextlib import nullcontext
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, or_, update

from app.core.errors import AppError, RateLimited, ServiceUnavailable
from app.core.ids import new_id
from app.core.models import UTCDateTime, utcnow
from app.core.pii import lookup_hash
from app.core.sms import SmsError, sms_provider
from app.extensions import db
from app.identity.models import OtpChallenge, OtpThrottle

CODE_TTL = timedelta(minutes=5)
RESEND_INTERVAL = timedelta(seconds=60)
SEND_WINDOW = timedelta(hours=1)
SENDS_PER_WINDOW = 5
MAX_ATTEMPTS = 5


class CodeRejected(AppError):
    """The sign-in code is wrong, used, or expired; the attempt is counted."""

    status, code = 400, "otp-rejected"
    title = _l("Sign-in code not accepted")
    default_detail = _l("The code is wrong or has expired. Check it or ask for a new one.")


def _hash(challenge_id, code: str) -> str:
    return lookup_hash(f"otp:{challenge_id}:{code}")


def send_code(phone: str, locale: str | None = None) -> OtpChallenge:
    """Text a fresh code to ``phone`` (429 when the phone's limits are spent)."""
    now = utcnow()
    _reserve_send(phone, now)
    code = f"{secrets.randbelow(10**6):06d}"
    challenge_id = new_id()
    challenge = OtpChallenge(
        id=challenge_id, phone=phone, code_hash=_hash(challenge_id, code), expires_at=now + CODE_TTL
    )
    db.session.add(challenge)
    with force_locale(locale) if locale else nullcontext():
        body = gettext(
            "[Yimatong] Your sign-in code is %(code)s. It is valid for 5 minutes. "
            "Never share it with anyone.",
            code=code,
        )
    try:
        sms_provider().send(phone, body)
    except SmsError as exc:
        raise ServiceUnavailable(
            gettext("The text message could not be sent. Please try again later.")
        ) from exc
    db.session.flush()
    return challenge


def check_code(phone: str, code: str) -> None:
    """Accept the newest code sent to ``phone`` once; count and refuse anything else.

    A refused attempt is written in the session: the caller commits it even though it fails.
    """
    now = utcnow()
    challenge = db.session.scalar(
        db.select(OtpChallenge).where(OtpChallenge.phone == phone).order_by(OtpChallenge.id.desc()).limit(1)
    )
    if challenge is None or challenge.consumed_at is not None or challenge.expires_at <= now:
        raise CodeRejected(gettext("This code has expired or was already used. Ask for a new one."))
    if challenge.attempts >= MAX_ATTEMPTS:
        raise _locked(phone, now)
    if hmac.compare_digest(_hash(challenge.id, code.strip()), challenge.code_hash):
        claimed = db.session.execute(
            update(OtpChallenge)
            .where(
                OtpChallenge.id == challenge.id,
                OtpChallenge.consumed_at.is_(None),
                OtpChallenge.attempts < MAX_ATTEMPTS,
            )
            .values(consumed_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            return
        raise CodeRejected(gettext("This code has expired or was already used. Ask for a new one."))
    _count_wrong_attempt(challenge, phone, now)


def _count_wrong_attempt(challenge: OtpChallenge, phone: str, now: datetime) -> None:
    counted = db.session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.attempts < MAX_ATTEMPTS)
        .values(attempts=OtpChallenge.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(challenge)
    if counted.rowcount == 0 or challenge.attempts >= MAX_ATTEMPTS:
        raise _locked(phone, now)
    left = MAX_ATTEMPTS - challenge.attempts
    message = ngettext(
        "The code is wrong. %(num)d attempt left.", "The code is wrong. %(num)d attempts left.", left
    )
    raise CodeRejected(message, attempts_left=left)


def _locked(phone: str, now: datetime) -> RateLimited:
    throttle = db.session.get(OtpThrottle, phone)
    wait = _seconds_until_next_send(throttle, now) if throttle is not None else 1
    return RateLimited(
        wait, gettext("Too many wrong codes. This code is locked; ask for a new one when allowed.")
    )


def _reserve_send(phone: str, now: datetime) -> None:
    """Take one send from the phone's allowance in a single conditional UPDATE, or raise 429."""
    _ensure_throttle_row(phone)
    window_open = OtpThrottle.window_started_at > bindparam("window_floor", now - SEND_WINDOW, UTCDateTime())
    now_param = bindparam("now", now, UTCDateTime())
    reserved = db.session.execute(
        update(OtpThrottle)
        .where(
            OtpThrottle.phone == phone,
            or_(OtpThrottle.last_sent_at.is_(None), OtpThrottle.last_sent_at <= now - RESEND_INTERVAL),
            or_(
                OtpThrottle.window_started_at.is_(None),
                OtpThrottle.window_started_at <= now - SEND_WINDOW,
                OtpThrottle.window_count < SENDS_PER_WINDOW,
            ),
        )
        .values(
            last_sent_at=now_param,
            window_started_at=case((window_open, OtpThrottle.window_started_at), else_=now_param),
            window_count=case((window_open, OtpThrottle.window_count + 1), else_=1),
        )
        .execution_options(synchronize_session=False)
    )
    if reserved.rowcount == 1:
        return
    throttle = db.session.get(OtpThrottle, phone, populate_existing=True)
    raise RateLimited(
        _seconds_until_next_send(throttle, now),
        gettext("A code was sent to this number recently. Please wait before asking again."),
    )


def _seconds_until_next_send(throttle: OtpThrottle, now: datetime) -> int:
    waits = [0.0]
    if throttle.last_sent_at is not None:
        waits.append((throttle.last_sent_at + RESEND_INTERVAL - now).total_seconds())
    if throttle.window_started_at is not None and throttle.window_count >= SENDS_PER_WINDOW:
        waits.append((throttle.window_started_at + SEND_WINDOW - now).total_seconds())
    return max(1, math.ceil(max(waits)))


def _ensure_throttle_row(phone: str) -> None:
    """Create the phone's counter row unless it exists (safe when two processes race)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(OtpThrottle).values(phone=phone, window_count=0).on_conflict_do_nothing())


def prune(now: datetime | None = None) -> int:
    """Delete codes that expired more than a day ago; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    result = db.session.execute(db.delete(OtpChallenge).where(OtpChallenge.expires_at < cutoff))
    return result.rowcount or 0
