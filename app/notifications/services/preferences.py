"""Channel choices per topic and quiet hours: the one store delivery reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Uuid, bindparam

from app.core.actors import Actor
from app.core.errors import ValidationFailed
from app.core.policy import own_person
from app.extensions import db
from app.notifications.channels import PERSON_CHANNELS
from app.notifications.models import (
    NotificationPreference,
)
from app.notifications.templates import (
    TOPICS,
)


@dataclass
class Preferences:
    """A person's channels per topic and quiet hours (Asia/Shanghai)."""

    topics: dict[str, list[str]]
    quiet_hours_enabled: bool
    quiet_start: time
    quiet_end: time
    timezone: str


# Read on every /me and every delivery: built once.
# Columns of the table, not the entity: a plain row costs a fraction of an ORM object to load.
_PREFERENCES = NotificationPreference.__table__.c
_STORED = db.select(
    _PREFERENCES.channels,
    _PREFERENCES.quiet_hours_enabled,
    _PREFERENCES.quiet_start,
    _PREFERENCES.quiet_end,
).where(_PREFERENCES.person_id == bindparam("person_id", type_=Uuid))


def preferences_of(person_id: uuid.UUID | None) -> Preferences:
    """The person's choices, defaults filled in for topics they never changed (all defaults: no person)."""
    stored = db.session.execute(_STORED, {"person_id": person_id}).first() if person_id is not None else None
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
