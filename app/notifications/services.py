"""Notifications: the outbox other domains write to, the inbox, preferences, webhook endpoints, the sweep.

Other domains call ``notify`` (a person) or ``notify_client`` (an institution's webhooks) inside
the transaction of the change they report; the message leaves only if that transaction commits,
and a second call with the same ``dedupe_key`` changes nothing.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite

from app.core import audit, jobs, outbound
from app.core.actors import Actor, ActorKind, Role
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.ids import new_id
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import own_person, require_role
from app.extensions import db
from app.notifications.channels import PERSON_CHANNELS, Recipient
from app.notifications.models import (
    Delivery,
    InboxItem,
    MessageStatus,
    NotificationPreference,
    OutboxMessage,
    WebhookEndpoint,
)
from app.notifications.templates import (
    TOPICS,
    URGENCIES,
    Localized,
    Template,
    Topic,
    encode_params,
    get_template,
    register_template,
    register_topic,
)

__all__ = [
    "TOPICS",
    "Localized",
    "Recipient",
    "Template",
    "Topic",
    "get_template",
    "notify",
    "notify_client",
    "notify_phone",
    "register_template",
    "register_topic",
    "set_recipient_directory",
]


# ---------------------------------------------------------------- recipients


class RecipientDirectory(Protocol):
    """Looks people up for delivery; identity installs one (notifications import no domain)."""

    def recipient(self, person_id: uuid.UUID) -> Recipient | None:
        """The person's contact details, or None if there is no such person."""
        ...

    def person_id_by_phone(self, phone: str) -> uuid.UUID | None:
        """The person with this phone number (E.164), if any."""
        ...


_directory: dict[str, RecipientDirectory] = {}


def set_recipient_directory(directory: RecipientDirectory) -> None:
    """Install how recipients are looked up (identity does this in its ``init_app``)."""
    _directory["people"] = directory


def recipient(person_id: uuid.UUID) -> Recipient | None:
    """The person's contact details for a delivery."""
    return _directory["people"].recipient(person_id)


def person_id_by_phone(phone: str) -> uuid.UUID | None:
    """The person with this phone number, for support commands."""
    return _directory["people"].person_id_by_phone(phone)


DELIVER_JOB = "app.notifications.jobs.deliver_message"
WEBHOOK_EVENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
PING_EVENT = "ping"  # sent to a new endpoint only, so its owner can check their receiver


# ---------------------------------------------------------------- the outbox


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
    phone: str, template: str, params: dict, *, locale: str, topic: str, dedupe_key: str
) -> OutboxMessage:
    """Text someone who has no account yet (an invitation): SMS only, rendered in ``locale``, after commit."""
    values = {"recipient_phone": phone, "locale": locale, **_checked(template, params, topic, "normal")}
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
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(OutboxMessage.__table__)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.__table__.c.id)
    )
    inserted = db.session.execute(stmt).first() is not None
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if inserted:
        _relay(message)
    return message


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
    sweeps can run at once; a message whose RQ job is still queued, scheduled or running is left
    alone, so running the sweep twice queues nothing twice. Returns how many it handed over.
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
    handed = 0
    for message in db.session.scalars(stmt).all():
        if message.status == MessageStatus.PENDING and jobs.job_status(message.job_id) in jobs.ALIVE_STATES:
            continue
        message.job_seq += 1
        _relay(message)
        handed += 1
    db.session.commit()
    return handed


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


# ---------------------------------------------------------------- the inbox


@dataclass
class InboxPage:
    """A page of inbox items and how many of the person's items are unread."""

    items: list[InboxItem]
    next_cursor: str | None
    limit: int
    unread_count: int


def my_inbox(actor: Actor, *, cursor: str | None, limit: int, unread_only: bool = False) -> InboxPage:
    """The signed-in person's inbox, newest first, with the unread count."""
    person_id = own_person(actor)
    stmt = db.select(InboxItem).where(InboxItem.person_id == person_id)
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    page = paginate(stmt, InboxItem.id, cursor=cursor, limit=limit)
    return InboxPage(page.items, page.next_cursor, page.limit, unread_count(person_id))


def unread_count(person_id: uuid.UUID) -> int:
    """How many inbox items the person has not read."""
    stmt = db.select(func.count()).where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
    return db.session.scalar(stmt)


def mark_read(actor: Actor, item_id: uuid.UUID) -> InboxItem:
    """Mark one of the person's inbox items read (another person's item does not exist for them)."""
    item = db.session.get(InboxItem, item_id)
    if item is None or item.person_id != own_person(actor):
        raise NotFound()
    if item.read_at is None:
        item.read_at = utcnow()
    return item


def mark_all_read(actor: Actor) -> int:
    """Mark every unread item of the person's inbox read; returns how many changed."""
    person_id = own_person(actor)
    result = db.session.execute(
        update(InboxItem)
        .where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# ---------------------------------------------------------------- preferences and quiet hours


@dataclass
class Preferences:
    """A person's channels per topic and quiet hours (Asia/Shanghai)."""

    topics: dict[str, list[str]]
    quiet_hours_enabled: bool
    quiet_start: time
    quiet_end: time
    timezone: str


def preferences_of(person_id: uuid.UUID | None) -> Preferences:
    """The person's choices, defaults filled in for topics they never changed (all defaults: no person)."""
    stored = db.session.get(NotificationPreference, person_id) if person_id is not None else None
    start, end = _default_quiet_hours()
    topics = {name: list(topic.default_channels) for name, topic in TOPICS.items()}
    if stored is not None:
        topics.update({t: _with_inbox(c) for t, c in (stored.channels or {}).items() if t in topics})
        return Preferences(
            topics, stored.quiet_hours_enabled, stored.quiet_start, stored.quiet_end, _timezone_name()
        )
    return Preferences(topics, True, start, end, _timezone_name())


def my_preferences(actor: Actor) -> Preferences:
    """The signed-in person's notification preferences."""
    return preferences_of(own_person(actor))


def update_my_preferences(
    actor: Actor, *, topics: dict[str, list[str]] | None = None, quiet_hours: dict | None = None
) -> Preferences:
    """Change channels for the given topics (others stay) and/or the quiet hours."""
    return _save_preferences(own_person(actor), topics=topics, quiet_hours=quiet_hours)


def _save_preferences(
    person_id: uuid.UUID, *, topics: dict[str, list[str]] | None = None, quiet_hours: dict | None = None
) -> Preferences:
    current = preferences_of(person_id)
    stored = db.session.get(NotificationPreference, person_id)
    if stored is None:
        stored = NotificationPreference(
            person_id=person_id,
            quiet_hours_enabled=current.quiet_hours_enabled,
            quiet_start=current.quiet_start,
            quiet_end=current.quiet_end,
            channels={},
        )
        db.session.add(stored)
    if topics:
        stored.channels = {**(stored.channels or {}), **{t: _with_inbox(c) for t, c in topics.items()}}
    if quiet_hours:
        stored.quiet_hours_enabled = quiet_hours.get("enabled", stored.quiet_hours_enabled)
        stored.quiet_start = quiet_hours.get("start", stored.quiet_start)
        stored.quiet_end = quiet_hours.get("end", stored.quiet_end)
        if stored.quiet_start == stored.quiet_end and stored.quiet_hours_enabled:
            raise ValidationFailed(
                {"quiet_hours": [gettext("Quiet hours must start and end at different times.")]}
            )
    db.session.flush()
    return preferences_of(person_id)


def channels_everywhere(person_id: uuid.UUID) -> list[str]:
    """The channels the person has on for every topic (what ``/me`` shows as their channels)."""
    chosen = [set(channels) for channels in preferences_of(person_id).topics.values()]
    common = set.intersection(*chosen) if chosen else {"inbox"}
    return [channel for channel in PERSON_CHANNELS if channel in common]


def set_channels_everywhere(person_id: uuid.UUID, channels: list[str]) -> Preferences:
    """Turn the given channels on, and the others off, for every topic (the inbox stays on)."""
    unknown = set(channels) - set(PERSON_CHANNELS)
    if unknown:
        raise ValidationFailed({"notification_channels": [gettext("Unknown channel.")]})
    return _save_preferences(person_id, topics=dict.fromkeys(TOPICS, list(channels)))


def channels_for(person_id: uuid.UUID, topic: str) -> list[str]:
    """The channels a message on ``topic`` goes to for this person (the inbox always)."""
    return preferences_of(person_id).topics.get(topic, ["inbox"])


def quiet_hours_end(person_id: uuid.UUID | None, now: datetime) -> datetime | None:
    """When the person's quiet hours end if ``now`` falls inside them, else None."""
    prefs = preferences_of(person_id)
    if not prefs.quiet_hours_enabled or prefs.quiet_start == prefs.quiet_end:
        return None
    zone = ZoneInfo(prefs.timezone)
    local = now.astimezone(zone)
    start, end, clock = prefs.quiet_start, prefs.quiet_end, local.time()
    if start < end:
        inside, day = start <= clock < end, local.date()
    else:  # overnight, e.g. 22:00-07:00
        inside = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _with_inbox(channels) -> list[str]:
    chosen = {c for c in channels if c in PERSON_CHANNELS}
    return [c for c in PERSON_CHANNELS if c in chosen or c == "inbox"]


def _default_quiet_hours() -> tuple[time, time]:
    start, end = current_app.config["NOTIFY_QUIET_HOURS"]
    return time.fromisoformat(start), time.fromisoformat(end)


def _timezone_name() -> str:
    return current_app.config["BUSINESS_TIMEZONE"]


# ---------------------------------------------------------------- webhook endpoints of institutional clients


def create_webhook_endpoint(
    actor: Actor, *, client_id: str, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    """Register where a client receives webhooks, with a new signing secret; a ``ping`` event follows."""
    _require_endpoint_admin(actor)
    _check_url(url)
    bad = [e for e in events if not e or set(e) - WEBHOOK_EVENT_CHARS]
    if bad:
        raise ValidationFailed({"events": [gettext("Events are names such as bill.paid.")]})
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        client_id=client_id, url=url, secret=secret, events=sorted(set(events)), description=description
    )
    db.session.add(endpoint)
    db.session.flush()
    notify_client(
        client_id,
        PING_EVENT,
        {"endpoint_id": str(endpoint.id), "url": url},
        dedupe_key=f"webhook-ping-{endpoint.id}",
    )
    return endpoint


def list_webhook_endpoints(actor: Actor, *, client_id: str | None, cursor: str | None, limit: int) -> Page:
    """Registered webhook endpoints, newest first (administrators)."""
    _require_endpoint_admin(actor)
    stmt = db.select(WebhookEndpoint)
    if client_id:
        stmt = stmt.where(WebhookEndpoint.client_id == client_id)
    return paginate(stmt, WebhookEndpoint.id, cursor=cursor, limit=limit)


def deactivate_webhook_endpoint(actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Stop sending to an endpoint (its deliveries stay on record)."""
    _require_endpoint_admin(actor)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    endpoint.active = False
    return endpoint


def _require_endpoint_admin(actor: Actor) -> None:
    if actor.kind is not ActorKind.SYSTEM:
        require_role(actor, Role.ADMIN)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    allowed = ("https",) if current_app.config["WEBHOOK_REQUIRE_HTTPS"] else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationFailed({"url": [gettext("Give an absolute https URL.")]})
    if current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed({"url": [gettext("Give an absolute https URL.")]}) from None
    if outbound.refusal(parts.hostname, port):
        raise ValidationFailed(
            {"url": [gettext("Webhooks go to the public internet, never to loopback or private addresses.")]}
        )
