"""Easy mode (长辈模式): the elder's whole app on one screen — one line of status, three big choices.

A client that shows large type asks ``GET /api/v1/eldercare/easy``: short texts in the elder's
language, at most three actions (call for help, I am fine, call my first contact), each with the one
request it makes. The elder (or a guardian) turns the preference on; a client reads it from the
answer's ``enabled`` and opens in easy mode. Every act of a guardian under a mandate is in the elder's
access log (``GET /api/v1/me/access-log``), and the screen says how many there were today.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time

from flask_babel import gettext

from app.core import audit
from app.core.actors import Actor, ActorKind, MandateScope
from app.core.audit import AuditAction
from app.core.calendar import SHANGHAI
from app.core.models import AuditEntry
from app.core.policy import acting_for
from app.eldercare.models import ACTIVE_STATUSES, Alert, AlertStatus, CheckIn
from app.eldercare.services._shared import require_profile, today
from app.extensions import db

SCOPE = MandateScope.ELDERCARE


@dataclass(frozen=True)
class EasyAction:
    """One big button: what it says and the one request it makes."""

    key: str
    label: str
    method: str
    target: str
    phone: str | None = None


@dataclass
class EasyScreen:
    """Everything the easy-mode screen shows."""

    enabled: bool
    status: str
    urgent: bool
    actions: list[EasyAction] = field(default_factory=list)
    proxy_acts_today: int = 0
    text_size: str = "large"


def set_easy_mode(actor: Actor, enabled: bool) -> EasyScreen:
    """Turn easy mode on or off for the elder (the elder, or a guardian beside them)."""
    person_id = acting_for(actor, SCOPE)
    profile = require_profile(person_id)
    profile.easy_mode = enabled
    db.session.flush()
    audit.record(actor, person_id, AuditAction.CHANGE, "elder_profile", profile.id, "easy_mode")
    return easy_screen(actor)


def easy_screen(actor: Actor) -> EasyScreen:
    """The elder's one screen: the status in a few words and at most three choices."""
    person_id = acting_for(actor, SCOPE)
    profile = require_profile(person_id)
    alert = db.session.scalar(
        db.select(Alert)
        .where(Alert.person_id == person_id, Alert.status.in_([str(s) for s in ACTIVE_STATUSES]))
        .order_by(Alert.id.desc())
        .limit(1)
    )
    checked_in = db.session.scalar(
        db.select(CheckIn.checked_in_at).where(CheckIn.person_id == person_id, CheckIn.day == today())
    )
    screen = EasyScreen(enabled=profile.easy_mode, status="", urgent=alert is not None)
    screen.status = _status(alert, checked_in is not None)
    screen.actions = _actions(alert, checked_in is not None, profile)
    screen.proxy_acts_today = _proxy_acts_today(person_id)
    return screen


def _status(alert: Alert | None, checked_in: bool) -> str:
    if alert is not None and alert.status == AlertStatus.OPEN:
        return gettext("Calling for help now.")
    if alert is not None:
        return gettext("%(name)s is coming.", name=alert.responder_name or "")
    return gettext("Checked in today. All is well.") if checked_in else gettext("Good day! Tap “I am fine”.")


def _actions(alert: Alert | None, checked_in: bool, profile) -> list[EasyAction]:
    actions = [] if alert is not None else [
        EasyAction("sos", gettext("Call for help"), "POST", "/api/v1/eldercare/alerts")
    ]  # fmt: skip
    if not checked_in:
        actions.append(EasyAction("checkin", gettext("I am fine"), "POST", "/api/v1/eldercare/checkins"))
    if profile.contacts:
        first = profile.contacts[0]
        actions.append(
            EasyAction(
                "call", gettext("Call %(name)s", name=first.name), "TEL", f"tel:{first.phone}", first.phone
            )
        )
    return actions[:3]


def _proxy_acts_today(person_id: uuid.UUID) -> int:
    """How many acts family members made today under the elder's mandates (the access log has each)."""
    since = datetime.combine(today(), time(), SHANGHAI)
    stmt = (
        db.select(db.func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.subject_person_id == person_id,
            AuditEntry.created_at >= since,
            AuditEntry.actor_kind == ActorKind.PROXY.value,
        )
    )
    return db.session.scalar(stmt) or 0
