"""The outbox: messages written in the caller's transaction, relayed after commit, swept and retried."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from redis.exceptions import RedisError
from sqlalchemy import update

from app.core import audit, jobs
from app.core.actors import Actor, Role
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.ids import new_id
from app.core.models import upsert_insert, utcnow
from app.core.pagination import Page, paginate
from app.core.policy import require_role
from app.extensions import db, get_redis
from app.notifications.models import (
    Delivery,
    MessageStatus,
    OutboxMessage,
)
from app.notifications.templates import (
    TOPICS,
    URGENCIES,
    encode_params,
    get_template,
)

DELIVER_JOB = "app.notifications.jobs.deliver_message"


WEBHOOK_EVENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


PING_EVENT = "ping"  # sent to a new endpoint only, so its owner can check their receiver


def notify(
    recipient_id: uuid.UUID,
    template: str,
    params: dict,
    *,
    topic: str,
    dedupe_key: str,
    urgency: str = "normal",
) -> OutboxMessage:
    """Tell a person something: an outbox row in the caller's transaction, sent after it commits."""
    values = {"recipient_id": recipient_id, **_checked(template, params, topic, urgency)}
    return _write_outbox(dedupe_key, values)


def notify_phone(
    phone: str,
    template: str,
    params: dict,
    *,
    locale: str,
    topic: str,
    dedupe_key: str,
    urgency: str = "normal",
) -> OutboxMessage:
    """Text someone without an account (an invitation, a neighbour): SMS only, in ``locale``, after commit."""
    values = {"recipient_phone": phone, "locale": locale, **_checked(template, params, topic, urgency)}
    return _write_outbox(dedupe_key, values)


def _checked(template: str, params: dict, topic: str, urgency: str) -> dict:
    chosen = get_template(template)
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; one of {', '.join(sorted(TOPICS))}")
    if chosen.topic != topic:
        raise ValueError(f"template {template!r} belongs to topic {chosen.topic!r}, not {topic!r}")
    if urgency not in URGENCIES:
        raise ValueError(f"urgency is one of {', '.join(URGENCIES)}")
    return {"template": template, "topic": topic, "params": encode_params(chosen, params), "urgency": urgency}


def notify_client(client_id: str, event: str, payload: dict, *, dedupe_key: str) -> OutboxMessage:
    """Tell an institution about an event: a signed webhook to each of its endpoints, after commit."""
    if not event or set(event) - WEBHOOK_EVENT_CHARS or len(event) > 60:
        raise ValueError("webhook events are short lower-case names such as 'bill.paid'")
    json.dumps(payload)  # a payload that is not JSON fails here, in the caller
    values = {"client_id": client_id, "template": event, "topic": "webhook", "params": dict(payload)}
    return _write_outbox(dedupe_key, values)


def _write_outbox(dedupe_key: str, values: dict) -> OutboxMessage:
    """Insert unless the dedupe key exists (then return the existing message); relay after commit."""
    if not dedupe_key or len(dedupe_key) > 200:
        raise ValueError("a dedupe_key of 1 to 200 characters is required")
    message_id = new_id()
    now = utcnow()
    row = {
        "id": message_id,
        "created_at": now,
        "due_at": now,
        "dedupe_key": dedupe_key,
        "status": MessageStatus.PENDING,
        "attempts": 0,
        "job_seq": 0,
        **values,
    }
    db.session.flush()  # the caller's pending rows (the recipient, the change reported) go first
    stmt = (
        upsert_insert(OutboxMessage)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage)
    )
    message = db.session.scalar(stmt)  # the new message as inserted (one round trip), or None
    if message is not None:
        _relay(message)
        return message
    return db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))


def _relay(message: OutboxMessage) -> None:
    jobs.enqueue(
        DELIVER_JOB,
        str(message.id),
        queue=jobs.NOTIFICATIONS,
        job_id=message.job_id,
        retry=retry_policy(message.attempts),
        timeout=current_app.config["NOTIFY_JOB_TIMEOUT"],
    )


def retry_policy(attempts_made: int = 0) -> jobs.RetryPolicy | None:
    """RQ's retries for a relay of a message that has had ``attempts_made`` attempts."""
    remaining = current_app.config["NOTIFY_MAX_ATTEMPTS"] - attempts_made - 1
    if remaining < 1:
        return None
    return jobs.RetryPolicy(remaining, tuple(backoff(attempts_made + n) for n in range(1, remaining + 1)))


def backoff(attempts: int) -> int:
    """Seconds to wait after failed attempt number ``attempts`` (the last interval repeats)."""
    intervals = current_app.config["NOTIFY_RETRY_BACKOFF"] or (60,)
    return int(intervals[min(attempts, len(intervals)) - 1])


def sweep_outbox(now: datetime | None = None, limit: int = 500) -> int:
    """Hand over messages that were committed but never queued, lost, held until now or whose worker died.

    Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (on PostgreSQL), so any number of
    sweeps can run at once; a message whose RQ job is still queued, scheduled or running, or that
    another sweep has just relayed (:data:`HAND_OVER_PREFIX`), is left alone, so running the sweep
    twice queues nothing twice. A job RQ still calls started that left its message pending for longer
    than a lease died before its claim (a killed worker's, which RQ reports as started for a minute or
    more) and is relayed; were it alive after all, the claim's lease keeps the two from both sending.
    Returns how many it handed over.
    """
    moment = now or utcnow()
    grace = timedelta(seconds=current_app.config["NOTIFY_SWEEP_GRACE_SECONDS"])
    stmt = (
        db.select(OutboxMessage)
        .where(OutboxMessage.status.in_(MessageStatus.OPEN), OutboxMessage.due_at <= moment - grace)
        .order_by(OutboxMessage.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)  # the locked rows as they are now, not as once loaded
    )
    # A delivery claims its message as it starts: a job started longer ago than a lease that left
    # the message pending died with its worker before its claim.
    claims_within = timedelta(seconds=current_app.config["NOTIFY_LEASE_SECONDS"])
    handed = 0
    for message in db.session.scalars(stmt).all():
        pending = message.status == MessageStatus.PENDING
        if pending and jobs.job_alive(message.job_id, started_within=claims_within):
            continue
        if not _take_hand_over(message.id):
            continue  # another sweep relayed it and committed, and its job is on its way to Redis
        message.job_seq += 1
        _relay(message)
        handed += 1
    db.session.commit()
    return handed


# The row lock ends at a sweep's commit and its jobs reach Redis just after: another sweep reading the
# row in between would find no live job and relay it again. A sweep marks each message it relays for
# a few seconds, far longer than that hand-over takes; a relay that never arrives is swept again after.
HAND_OVER_PREFIX = "ymt:outbox:handing-over:"
HAND_OVER_SECONDS = 5


def _take_hand_over(message_id: uuid.UUID) -> bool:
    redis = None if jobs.is_inline() else get_redis()
    if redis is None:
        return True  # jobs run inline: the relay is done before the row is let go
    try:
        return bool(redis.set(f"{HAND_OVER_PREFIX}{message_id}", "1", nx=True, ex=HAND_OVER_SECONDS))
    except RedisError:
        return True  # Redis unreachable: the relay waits in the table for a later sweep, as before


def retry_message(actor: Actor, message_id: uuid.UUID) -> OutboxMessage:
    """Give a failed message a fresh set of attempts (administrators)."""
    require_role(actor, Role.ADMIN)
    message = _message(message_id)
    if message.status != MessageStatus.FAILED:
        raise ValidationFailed({"status": [gettext("Only a failed message can be retried.")]})
    db.session.execute(
        update(Delivery)
        .where(Delivery.message_id == message.id, Delivery.status == "failed")
        .values(status="pending", error=None)
    )
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.due_at = utcnow()
    message.finished_at = None
    message.job_seq += 1
    _relay(message)
    return message


def message_detail(actor: Actor, message_id: uuid.UUID) -> OutboxMessage:
    """One outbox message and its deliveries (administrators; the read is audited)."""
    require_role(actor, Role.ADMIN)
    message = _message(message_id)
    if message.recipient_id is not None:
        audit.record(actor, message.recipient_id, AuditAction.READ, "notification", message.id)
    return message


def list_messages(actor: Actor, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """Outbox messages, newest first, optionally only those in one status (administrators)."""
    require_role(actor, Role.ADMIN)
    stmt = db.select(OutboxMessage)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return paginate(stmt, OutboxMessage.id, cursor=cursor, limit=limit)


def message_for_support(message_id: uuid.UUID) -> OutboxMessage | None:
    """One outbox message for the operator's command line (no actor: the shell is trusted)."""
    return db.session.get(OutboxMessage, message_id)


def _message(message_id: uuid.UUID) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    return message
