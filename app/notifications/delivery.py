"""Delivering one outbox message: claim it, plan its deliveries, send each channel once, record the outcome.

At least once, never twice: a worker first claims the message with a lease (an atomic UPDATE), so
two relays of the same message never work at once; each channel's delivery is a unique row that
is marked delivered in the same transaction as what the channel wrote (the inbox item, the sandbox
SMS), and delivered rows are never sent again. A worker that dies loses its lease and the sweep
hands the message to another worker, which sends only what was not yet delivered.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, or_, update

from app.core import jobs
from app.core.errors import NotFound
from app.core.i18n import DEFAULT_LOCALE, normalize_locale
from app.core.models import utcnow
from app.extensions import db
from app.notifications import fallback, services
from app.notifications.channels import (
    CHANNELS,
    HELD_IN_QUIET_HOURS,
    ChannelFailed,
    Outgoing,
    Recipient,
    Skipped,
)
from app.notifications.models import (
    Delivery,
    DeliveryStatus,
    InboxItem,
    MessageStatus,
    OutboxMessage,
    WebhookEndpoint,
)
from app.notifications.templates import render

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Some channel failed; raised so RQ retries the job with backoff (or records it as failed)."""


def clock() -> datetime:
    """The time deliveries are decided at (quiet hours, leases, backoff)."""
    return utcnow()


def deliver(message_id: uuid.UUID) -> None:
    """Deliver a message on every planned channel that has not delivered it yet."""
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False  # holding the lease, nobody else changes these rows: no reloads
    try:
        _deliver(message_id, clock())
    finally:
        session.expire_on_commit = expiring


def _deliver(message_id: uuid.UUID, now: datetime) -> None:
    message = _claim(message_id, now)
    if message is None:
        return
    if message.attempts > current_app.config["NOTIFY_MAX_ATTEMPTS"] + 1:  # workers keep dying on it
        _finish(message, now, failed=[f"gave up after {message.attempts - 1} attempts that never finished"])
        return
    try:
        outgoing = _outgoing(message, now)
    except NotFound:
        _finish(message, now, failed=["recipient: no such person"])
        return
    except (KeyError, ValueError, TypeError) as exc:  # a template or translation that cannot render
        log.exception("message %s cannot be rendered", message.id)
        _finish(message, now, failed=[f"template {message.template}: {exc.__class__.__name__}: {exc}"])
        return
    deliveries = _plan(message, outgoing)
    due = _start_attempts(message, outgoing, deliveries, now)
    chained = fallback.applies(message)
    for delivery in fallback.in_order(due) if chained else due:
        reached = fallback.reached_by(deliveries, delivery.channel) if chained else None
        if reached:  # an earlier step of the urgent chain delivered it
            delivery.status, delivery.error = DeliveryStatus.SKIPPED, f"reached by {reached}"
            db.session.commit()
            continue
        _send(message, outgoing, delivery, now)
    _conclude(message, deliveries, now)


def warm_up() -> None:
    """Run the delivery's queries once, on an id that exists nowhere, so work horses find them compiled.

    Read-only (the claim matches no row); the connection is given back before the worker forks.
    """
    nobody = uuid.uuid4()
    now = clock()
    _claim(nobody, now)
    db.session.scalars(
        db.select(Delivery).where(Delivery.message_id == nobody).order_by(Delivery.channel)
    ).all()
    services.recipient(nobody)
    services.quiet_hours_end(nobody, now)
    services.channels_for(nobody, "account")
    db.session.scalar(db.select(InboxItem.id).where(InboxItem.message_id == nobody))
    db.session.rollback()
    db.session.remove()
    db.engine.dispose()


def _claim(message_id: uuid.UUID, now: datetime) -> OutboxMessage | None:
    """Take the message for this worker until its lease ends; None if done or held by a live worker."""
    lease = now + timedelta(seconds=current_app.config["NOTIFY_LEASE_SECONDS"])
    claimable = or_(
        OutboxMessage.status == MessageStatus.PENDING,
        and_(OutboxMessage.status == MessageStatus.PROCESSING, OutboxMessage.due_at < now),
    )
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, claimable)
        .values(status=MessageStatus.PROCESSING, due_at=lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def _outgoing(message: OutboxMessage, now: datetime) -> Outgoing:
    if message.recipient_id is None and message.recipient_phone:
        return _outgoing_to_phone(message, now)
    if message.recipient_id is None:
        return Outgoing(message=message)
    found = services.recipient(message.recipient_id)
    if found is None:
        raise NotFound()
    locale = normalize_locale(found.locale) or DEFAULT_LOCALE
    recipient = replace(found, locale=locale)
    rendered = render(message.template, message.params, locale)
    quiet_until = None if message.urgency == "urgent" else services.quiet_hours_end(found.person_id, now)
    return Outgoing(
        message, rendered.title, rendered.body, rendered.locale, recipient, quiet_until, rendered.buttons
    )


def _outgoing_to_phone(message: OutboxMessage, now: datetime) -> Outgoing:
    """A text to someone without an account: their number, the sender's locale, default quiet hours."""
    locale = normalize_locale(message.locale) or DEFAULT_LOCALE
    recipient = Recipient(person_id=None, phone=message.recipient_phone, locale=locale, telegram_chat_id=None)
    rendered = render(message.template, message.params, locale)
    quiet_until = None if message.urgency == "urgent" else services.quiet_hours_end(None, now)
    return Outgoing(message, rendered.title, rendered.body, rendered.locale, recipient, quiet_until)


def _targets(message: OutboxMessage) -> list[tuple[str, str]]:
    """Where a message goes: a person's channels, a phone's SMS, or an institution's webhooks."""
    if message.recipient_id is not None:
        chosen = services.channels_for(message.recipient_id, message.topic)
        if fallback.applies(message):
            chosen = fallback.targets(chosen)
        return [(channel, "") for channel in chosen]
    if message.recipient_phone:
        return [("sms", "")]
    return [("webhook", str(endpoint_id)) for endpoint_id in _endpoints_for(message)] or [("webhook", "")]


def _plan(message: OutboxMessage, outgoing: Outgoing) -> list[Delivery]:
    """The message's deliveries, created on its first attempt from the recipient's choices."""
    existing = list(
        db.session.scalars(
            db.select(Delivery)
            .where(Delivery.message_id == message.id)
            .order_by(Delivery.channel, Delivery.target)
        )
    )
    if existing:
        return existing
    targets = _targets(message)
    deliveries = [
        Delivery(message_id=message.id, channel=channel, target=target, attempts=0)
        for channel, target in targets
    ]
    db.session.add_all(deliveries)
    return deliveries


def _endpoints_for(message: OutboxMessage) -> list[uuid.UUID]:
    if message.template == services.PING_EVENT:
        return [uuid.UUID(message.params["endpoint_id"])]
    endpoints = db.session.scalars(
        db.select(WebhookEndpoint).where(
            WebhookEndpoint.client_id == message.client_id, WebhookEndpoint.active.is_(True)
        )
    )
    return [e.id for e in endpoints if not e.events or message.template in e.events]


def _start_attempts(
    message: OutboxMessage, outgoing: Outgoing, deliveries: list[Delivery], now: datetime
) -> list[Delivery]:
    """Hold what quiet hours hold, count an attempt for the rest; on record before anything is sent."""
    due = []
    for delivery in deliveries:
        if delivery.status in DeliveryStatus.DONE or delivery.status == DeliveryStatus.FAILED:
            continue
        if delivery.channel in HELD_IN_QUIET_HOURS and outgoing.quiet_until is not None:
            delivery.status = DeliveryStatus.HELD
            delivery.not_before = outgoing.quiet_until
            continue
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.status = DeliveryStatus.PENDING
        due.append(delivery)
    db.session.commit()  # the plan and the attempts stay on record even if this process dies while sending
    return due


def _send(message: OutboxMessage, outgoing: Outgoing, delivery: Delivery, now: datetime) -> None:
    """One channel, in a savepoint: what it writes is kept only with its ``delivered`` mark."""
    channel = fallback.CHANNEL if delivery.channel == fallback.MANDATE_HOLDERS else CHANNELS[delivery.channel]
    try:
        with db.session.begin_nested(), force_locale(outgoing.locale or DEFAULT_LOCALE):
            sent = channel.send(outgoing, delivery)
            delivery.status = DeliveryStatus.DELIVERED
            delivery.provider_message_id = sent.provider_message_id
            delivery.delivered_at = now
            delivery.error = None
    except Skipped as reason:
        delivery.status = DeliveryStatus.SKIPPED
        delivery.error = str(reason)
    except ChannelFailed as failure:
        delivery.status = DeliveryStatus.PENDING if failure.retryable else DeliveryStatus.FAILED
        delivery.error = str(failure)[:2000]
    except Exception as exc:  # noqa: BLE001 - one broken channel must not stop the others
        log.exception("channel %s failed on message %s", delivery.channel, message.id)
        delivery.status = DeliveryStatus.PENDING
        delivery.error = f"{exc.__class__.__name__}: {exc}"[:2000]
    db.session.commit()


def _conclude(message: OutboxMessage, deliveries: list[Delivery], now: datetime) -> None:
    retryable = [d for d in deliveries if d.status == DeliveryStatus.PENDING]
    held = [d for d in deliveries if d.status == DeliveryStatus.HELD]
    if retryable:
        _retry_later(message, retryable, now)
    elif held:
        _hold(message, min(d.not_before for d in held))
    else:
        _finish(message, now, failed=[_reason(d) for d in deliveries if d.status == DeliveryStatus.FAILED])


def _retry_later(message: OutboxMessage, retryable: list[Delivery], now: datetime) -> None:
    reasons = "; ".join(_reason(d) for d in retryable)
    if message.attempts >= current_app.config["NOTIFY_MAX_ATTEMPTS"]:
        for delivery in retryable:
            delivery.status = DeliveryStatus.FAILED
        _finish(message, now, failed=[_reason(d) for d in retryable])
        raise DeliveryFailed(f"gave up after {message.attempts} attempts: {reasons}")
    message.status = MessageStatus.PENDING
    message.due_at = now + timedelta(seconds=services.backoff(message.attempts))
    message.last_error = reasons
    db.session.commit()
    if not jobs.is_inline():
        raise DeliveryFailed(f"attempt {message.attempts} failed: {reasons}")


def _hold(message: OutboxMessage, until: datetime) -> None:
    message.status = MessageStatus.PENDING
    message.due_at = until
    message.job_seq += 1
    jobs.enqueue_at(
        until, services.DELIVER_JOB, str(message.id), queue=jobs.NOTIFICATIONS, job_id=message.job_id
    )
    db.session.commit()


def _finish(message: OutboxMessage, now: datetime, *, failed: list[str]) -> None:
    message.status = MessageStatus.FAILED if failed else MessageStatus.DELIVERED
    message.last_error = "; ".join(failed) or None
    message.finished_at = now
    db.session.commit()


def _reason(delivery: Delivery) -> str:
    return f"{delivery.channel}: {delivery.error or delivery.status}"
