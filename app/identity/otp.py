"""Sign-in codes by SMS: six digits, five minutes, single use, a few tries, sent sparingly.

The limits stop abuse without handing anyone a way to lock a person out:

* **Per requester and phone** (the requester is the client address): one code a minute and five an
  hour, and five wrong codes for the newest code. A requester that spends its allowance is refused,
  and only that requester: the phone's owner, asking from their own phone, is not.
* **Per phone, all requesters together**: no ceiling, a slow-down. The first five codes in an hour
  may be a minute apart; after that the wait doubles (2, 4, 8 minutes) up to 15 minutes. Every code
  reaches the owner's phone, so an attacker asking for codes only sends the owner fresh ones.
* **Per code**: ten wrong attempts in all (from any requesters) spend it; a new code can be asked.
* **The owner hears of it**: when the slow-down starts or a requester is stopped for wrong codes,
  the person with that phone number gets a notice (inbox and SMS, at most one an hour).

Every limit holds across processes because it lives in the database and changes only through
conditional ``UPDATE`` statements. Codes and requester addresses are stored as keyed hashes.
"""

from __future__ import annotations

import hmac
import math
import secrets
from contextlib import nullcontext
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import and_, bindparam, case, not_, or_, true, update

from app.core.errors import RateLimited, ServiceUnavailable
from app.core.ids import new_id
from app.core.models import UTCDateTime, upsert_insert, utcnow
from app.core.pii import lookup_hash
from app.core.sms import SmsError, sms_provider
from app.extensions import db
from app.identity import notices
from app.identity.errors import CodeRejected
from app.identity.models import OtpChallenge, OtpRequesterThrottle, OtpThrottle, Person

CODE_TTL = timedelta(minutes=5)
RESEND_INTERVAL = timedelta(seconds=60)
SEND_WINDOW = timedelta(hours=1)
SENDS_PER_WINDOW = 5  # per requester and phone
ATTEMPTS_PER_REQUESTER = 5  # wrong codes per requester, for the newest code
MAX_ATTEMPTS = 10  # wrong codes per code, all requesters together
SLOW_DOWN_AFTER = 5  # codes per phone and hour at the plain interval
SLOW_DOWN_LONGEST = timedelta(minutes=15)


def _hash(challenge_id, code: str) -> str:
    return lookup_hash(f"otp:{challenge_id}:{code}")


def _requester_key(requester: str | None) -> str:
    return lookup_hash("otp-requester:" + (requester or "-"))


def send_code(phone: str, locale: str | None = None, requester: str | None = None) -> OtpChallenge:
    """Text a fresh code to ``phone`` for ``requester`` (429 when a limit says wait)."""
    now = utcnow()
    requester_key = _requester_key(requester)
    _reserve_requester_send(phone, requester_key, now)
    _reserve_phone_send(phone, requester_key, now)
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


def check_code(phone: str, code: str, requester: str | None = None) -> None:
    """Accept the newest code sent to ``phone`` once; count and refuse anything else.

    A refused attempt is written in the session: the caller commits it even though it fails.
    """
    now = utcnow()
    challenge = db.session.scalar(
        db.select(OtpChallenge).where(OtpChallenge.phone == phone).order_by(OtpChallenge.id.desc()).limit(1)
    )
    if challenge is None or challenge.consumed_at is not None or challenge.expires_at <= now:
        raise CodeRejected(gettext("This code has expired or was already used. Ask for a new one."))
    requester_key = _requester_key(requester)
    mine = _requester_row(phone, requester_key)
    failures = mine.failures if mine.challenge_id == challenge.id else 0
    if challenge.attempts >= MAX_ATTEMPTS or failures >= ATTEMPTS_PER_REQUESTER:
        raise _locked(phone, requester_key, now)
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
    _count_wrong_attempt(challenge, mine, now)


def _count_wrong_attempt(challenge: OtpChallenge, mine: OtpRequesterThrottle, now: datetime) -> None:
    counted = db.session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge.id, OtpChallenge.attempts < MAX_ATTEMPTS)
        .values(attempts=OtpChallenge.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    same_code = OtpRequesterThrottle.challenge_id == challenge.id
    db.session.execute(
        update(OtpRequesterThrottle)
        .where(
            OtpRequesterThrottle.phone == mine.phone,
            OtpRequesterThrottle.requester == mine.requester,
            not_(and_(same_code, OtpRequesterThrottle.failures >= ATTEMPTS_PER_REQUESTER)),
        )
        .values(
            failures=case((same_code, OtpRequesterThrottle.failures + 1), else_=1),
            challenge_id=challenge.id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(challenge)
    db.session.refresh(mine)
    if counted.rowcount == 0 or challenge.attempts >= MAX_ATTEMPTS or mine.failures >= ATTEMPTS_PER_REQUESTER:
        _warn_owner(challenge.phone, now)
        raise _locked(challenge.phone, mine.requester, now)
    left = min(MAX_ATTEMPTS - challenge.attempts, ATTEMPTS_PER_REQUESTER - mine.failures)
    message = ngettext(
        "The code is wrong. %(num)d attempt left.", "The code is wrong. %(num)d attempts left.", left
    )
    raise CodeRejected(message, attempts_left=left)


def _locked(phone: str, requester_key: str, now: datetime) -> RateLimited:
    wait = max(
        _requester_wait(db.session.get(OtpRequesterThrottle, (phone, requester_key)), now),
        _phone_wait(db.session.get(OtpThrottle, phone), now),
    )
    return RateLimited(
        wait, gettext("Too many wrong codes. This code is locked; ask for a new one when allowed.")
    )


# --- sending allowances ---------------------------------------------------------------------------


def _reserve_requester_send(phone: str, requester_key: str, now: datetime) -> None:
    """Take one send from this requester's allowance for the phone in one conditional UPDATE, or 429."""
    _requester_row(phone, requester_key)
    table = OtpRequesterThrottle
    window_open = table.window_started_at > bindparam("window_floor", now - SEND_WINDOW, UTCDateTime())
    now_param = bindparam("now", now, UTCDateTime())
    reserved = db.session.execute(
        update(table)
        .where(
            table.phone == phone,
            table.requester == requester_key,
            or_(table.last_sent_at.is_(None), table.last_sent_at <= now - RESEND_INTERVAL),
            or_(
                table.window_started_at.is_(None),
                table.window_started_at <= now - SEND_WINDOW,
                table.window_count < SENDS_PER_WINDOW,
            ),
        )
        .values(
            last_sent_at=now_param,
            window_started_at=case((window_open, table.window_started_at), else_=now_param),
            window_count=case((window_open, table.window_count + 1), else_=1),
        )
        .execution_options(synchronize_session=False)
    )
    if reserved.rowcount == 1:
        return
    row = db.session.get(OtpRequesterThrottle, (phone, requester_key), populate_existing=True)
    raise RateLimited(
        _requester_wait(row, now),
        gettext("A code was sent to this number recently. Please wait before asking again."),
    )


def _reserve_phone_send(phone: str, requester_key: str, now: datetime) -> None:
    """Take one send from the phone's slowing allowance (every requester together), or 429."""
    _ensure_row(OtpThrottle, phone=phone, window_count=0)
    window_open = OtpThrottle.window_started_at > bindparam("window_floor", now - SEND_WINDOW, UTCDateTime())
    now_param = bindparam("now", now, UTCDateTime())
    reserved = db.session.execute(
        update(OtpThrottle)
        .where(OtpThrottle.phone == phone, _phone_may_send(now, window_open))
        .values(
            last_sent_at=now_param,
            window_started_at=case((window_open, OtpThrottle.window_started_at), else_=now_param),
            window_count=case((window_open, OtpThrottle.window_count + 1), else_=1),
        )
        .execution_options(synchronize_session=False)
    )
    throttle = db.session.get(OtpThrottle, phone, populate_existing=True)
    if reserved.rowcount != 1:
        raise RateLimited(
            _phone_wait(throttle, now),
            gettext("Codes for this number were asked for many times. Please wait a few minutes."),
        )
    if throttle.window_count == SLOW_DOWN_AFTER + 1:
        _warn_owner(phone, now)


def _phone_may_send(now: datetime, window_open):
    """SQL: the phone's last send is older than the interval its count this hour calls for."""
    last = OtpThrottle.last_sent_at
    steps = [
        (or_(last.is_(None), not_(window_open)), true()),
        *(
            (OtpThrottle.window_count == count, last <= now - _interval(count))
            for count in range(SLOW_DOWN_AFTER, SLOW_DOWN_AFTER + 4)
        ),
        (OtpThrottle.window_count < SLOW_DOWN_AFTER, last <= now - RESEND_INTERVAL),
    ]
    return case(*steps, else_=last <= now - SLOW_DOWN_LONGEST)


def _interval(sent_this_hour: int) -> timedelta:
    """The wait before the next code for a phone that had ``sent_this_hour`` codes this hour."""
    if sent_this_hour < SLOW_DOWN_AFTER:
        return RESEND_INTERVAL
    return min(RESEND_INTERVAL * 2 ** (sent_this_hour - SLOW_DOWN_AFTER + 1), SLOW_DOWN_LONGEST)


def _requester_wait(row: OtpRequesterThrottle | None, now: datetime) -> int:
    waits = [0.0]
    if row is not None and row.last_sent_at is not None:
        waits.append((row.last_sent_at + RESEND_INTERVAL - now).total_seconds())
    if row is not None and row.window_started_at is not None and row.window_count >= SENDS_PER_WINDOW:
        waits.append((row.window_started_at + SEND_WINDOW - now).total_seconds())
    return max(1, math.ceil(max(waits)))


def _phone_wait(throttle: OtpThrottle | None, now: datetime) -> int:
    if throttle is None or throttle.last_sent_at is None:
        return 1
    in_window = throttle.window_started_at is not None and throttle.window_started_at > now - SEND_WINDOW
    interval = _interval(throttle.window_count) if in_window else RESEND_INTERVAL
    return max(1, math.ceil((throttle.last_sent_at + interval - now).total_seconds()))


def _requester_row(phone: str, requester_key: str) -> OtpRequesterThrottle:
    _ensure_row(OtpRequesterThrottle, phone=phone, requester=requester_key, window_count=0, failures=0)
    return db.session.get(OtpRequesterThrottle, (phone, requester_key), populate_existing=True)


def _ensure_row(model, **values) -> None:
    """Create a counter row unless it exists (safe when two processes race)."""
    db.session.execute(upsert_insert(model).values(**values).on_conflict_do_nothing())


def _warn_owner(phone: str, now: datetime) -> None:
    """Tell the person with this number that someone is at their sign-in (at most once an hour)."""
    person_id = db.session.scalar(db.select(Person.id).where(Person.phone == phone))
    if person_id is None:
        return
    notices.sign_in_guard(person_id, int(now.timestamp()) // 3600)


def prune(now: datetime | None = None) -> int:
    """Delete codes that expired more than a day ago (returns how many), and requester counters as idle."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    idle = or_(OtpRequesterThrottle.last_sent_at.is_(None), OtpRequesterThrottle.last_sent_at < cutoff)
    db.session.execute(db.delete(OtpRequesterThrottle).where(idle))
    result = db.session.execute(db.delete(OtpChallenge).where(OtpChallenge.expires_at < cutoff))
    return result.rowcount or 0
