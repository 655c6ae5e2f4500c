"""Alerts: an SOS, a fall, no activity or a missed check-in, climbing the ladder until someone answers.

Raising an alert calls its first rung at once (urgent notices: quiet hours never hold them) and asks
for a job at the minute the next rung is due; that job (``climb``) calls every rung the clock has
reached and asks for the next. Acknowledging locks the alert row, so of two people answering at once
exactly one is recorded; the other is told who is coming (409). The climb takes the same lock, so a
rung is never called after someone answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flask_babel import gettext

from app.core import audit, jobs
from app.core.access import list_owner, load_private
from app.core.actors import Actor, ActorKind, MandateScope, Role
from app.core.audit import AuditAction
from app.core.errors import Forbidden
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_for, require_role
from app.eldercare import ladder as ladders
from app.eldercare import notices, policies
from app.eldercare.errors import (
    AlertClosed,
    AlertNotAcknowledged,
    AlreadyAcknowledged,
    NotTheResponder,
    UnknownDevice,
)
from app.eldercare.models import (  # noqa: F401 (ETA_CHOICES: offered through services)
    ACTIVE_STATUSES,
    ETA_CHOICES,
    Alert,
    AlertEvent,
    AlertKind,
    AlertStatus,
    CareDevice,
    DeviceEvent,
    ElderProfile,
)
from app.eldercare.services._shared import name_of, require_profile, setting
from app.extensions import db
from app.identity import services as identity

SCOPE = MandateScope.ELDERCARE
CLIMB_JOB = "app.eldercare.jobs.climb_ladder"
MAX_CENTRE_STAFF = 50  # the centre's rung calls at most this many community workers


def ladder_of(alert: Alert) -> ladders.Ladder:
    """The alert's ladder on the clock."""
    every = timedelta(minutes=setting("STEP_MINUTES"))
    return ladders.Ladder(len(alert.ladder), alert.raised_at, every)


def raise_sos(actor: Actor, *, source: str = "app", note: str = "") -> Alert:
    """The elder (or a guardian beside them) calls for help; a second press joins the open call."""
    person_id = acting_for(actor, SCOPE)
    profile = _locked_profile(person_id)
    alert = _active_alert(person_id, AlertKind.SOS) or start_alert(
        profile, AlertKind.SOS, source, raised_by=actor.person_id, note=note
    )
    audit.record(actor, person_id, AuditAction.CREATE, "elder_alert", alert.id)
    return alert


def _locked_profile(person_id: uuid.UUID) -> ElderProfile:
    """The profile, locked: raising an alert for one elder happens one at a time."""
    profile = require_profile(person_id)
    return db.session.get(ElderProfile, profile.id, with_for_update=True, populate_existing=True)


def _active_alert(person_id: uuid.UUID, kind: AlertKind) -> Alert | None:
    return db.session.scalar(
        db.select(Alert)
        .where(Alert.person_id == person_id, Alert.kind == kind, Alert.status.in_(ACTIVE_STATUSES))
        .order_by(Alert.id.desc())
        .limit(1)
    )


def start_alert(
    profile: ElderProfile,
    kind: AlertKind,
    source: str,
    *,
    raised_by: uuid.UUID | None = None,
    device_id: uuid.UUID | None = None,
    note: str = "",
) -> Alert:
    """A new alert of the elder: its ladder fixed now, its first rung called at once."""
    now = utcnow()
    alert = Alert(
        person_id=profile.person_id,
        kind=kind,
        source=source,
        status=AlertStatus.OPEN,
        raised_at=now,
        raised_by_id=raised_by,
        device_id=device_id,
        note=note,
        step=-1,
        ladder=_rungs_for(profile),
        called=[],
    )
    db.session.add(alert)
    db.session.flush()
    alert.events.append(AlertEvent(kind="raised", at=now, actor_person_id=raised_by))
    _climb(alert, profile, now)
    return alert


def _rungs_for(profile: ElderProfile) -> list[dict]:
    guardians = bool(identity.guardians_of(profile.person_id, SCOPE)) or profile.worker_id is not None
    centre = bool(identity.people_with_role(Role.COMMUNITY_WORKER))
    return ladders.rungs(
        guardians=guardians, contact_ids=[str(c.id) for c in profile.contacts], centre=centre
    )


def climb(alert_id: uuid.UUID) -> int:
    """Call every rung the clock has reached for an unanswered alert; how many were called (a job)."""
    alert = db.session.get(Alert, alert_id, with_for_update=True, populate_existing=True)
    if alert is None or alert.status != AlertStatus.OPEN:
        return 0
    before = alert.step
    _climb(alert, require_profile(alert.person_id), utcnow())
    return alert.step - before


def _climb(alert: Alert, profile: ElderProfile, now: datetime) -> None:
    ladder = ladder_of(alert)
    for rung in ladder.due(alert.step, now):
        _call(alert, profile, rung, now)
        alert.step = rung
    alert.next_step_at = ladder.next_at(alert.step)
    if alert.next_step_at is not None:
        job_id = f"eldercare-ladder-{alert.id}-{alert.step + 1}"
        jobs.enqueue_at(alert.next_step_at, CLIMB_JOB, str(alert.id), job_id=job_id)


def _call(alert: Alert, profile: ElderProfile, rung: int, now: datetime) -> None:
    """Tell everyone on one rung (urgent, once each); the rung is an event of the alert."""
    spec = alert.ladder[rung]
    elder = name_of(alert.person_id)
    people: list[uuid.UUID] = []
    texted = 0
    if spec["kind"] == ladders.GUARDIANS:
        people = identity.guardians_of(alert.person_id, SCOPE) + (
            [profile.worker_id] if profile.worker_id else []
        )
    elif spec["kind"] == ladders.CONTACT:
        contact = next((c for c in profile.contacts if str(c.id) == spec["contact_id"]), None)
        holder = identity.person_by_phone(contact.phone) if contact is not None else None
        if holder is not None:
            people = [holder.id]
        elif contact is not None:
            notices.alert_to_phone(contact.phone, alert, elder, rung, contact.id)
            texted = 1
    else:
        people = identity.people_with_role(Role.COMMUNITY_WORKER)[:MAX_CENTRE_STAFF]
    people = [p for p in dict.fromkeys(people) if p != alert.person_id]
    for person_id in people:
        notices.alert_to_person(person_id, alert, elder, rung)
    alert.called = sorted({*alert.called, *(str(p) for p in people)})
    alert.events.append(AlertEvent(kind="step", at=now, step=rung, notified=len(people) + texted))


# --- answering ------------------------------------------------------------------------------------


def get_alert(actor: Actor, alert_id: uuid.UUID, *, lock: bool = False, action=AuditAction.READ) -> Alert:
    """An alert: the elder, their guardians, anyone its ladder called, the centre's staff (404 otherwise)."""
    return load_private(
        actor, Alert, alert_id, scope=SCOPE, also=policies.may_respond, lock=lock, action=action,
        resource="elder_alert",
    )  # fmt: skip


def acknowledge(actor: Actor, alert_id: uuid.UUID, *, eta_minutes: int) -> Alert:
    """Answer an alert: I am coming, in about ``eta_minutes``. Exactly one answer is kept (409 after)."""
    alert = get_alert(actor, alert_id, lock=True, action=AuditAction.CHANGE)
    if actor.kind is ActorKind.PERSON and actor.person_id == alert.person_id:
        raise Forbidden(gettext("You raised this alert; resolve it if you are fine."))
    if not alert.active:
        raise AlertClosed()
    if alert.status != AlertStatus.OPEN:
        raise AlreadyAcknowledged(responder=alert.responder_name, eta_minutes=alert.eta_minutes)
    now = utcnow()
    alert.status, alert.acknowledged_at, alert.acknowledged_by_id = (
        AlertStatus.ACKNOWLEDGED,
        now,
        actor.person_id,
    )
    alert.responder_name, alert.eta_minutes, alert.next_step_at = name_of(actor.person_id), eta_minutes, None
    alert.events.append(
        AlertEvent(kind="acknowledged", at=now, step=alert.step, actor_person_id=actor.person_id)
    )
    notices.answered(alert)
    return alert


def record_arrival(actor: Actor, alert_id: uuid.UUID) -> Alert:
    """The responder is with the elder."""
    alert = get_alert(actor, alert_id, lock=True, action=AuditAction.CHANGE)
    if not alert.active:
        raise AlertClosed()
    if alert.status == AlertStatus.OPEN:
        raise AlertNotAcknowledged()
    if alert.acknowledged_by_id != actor.person_id:
        raise NotTheResponder()
    if alert.status == AlertStatus.ACKNOWLEDGED:
        now = utcnow()
        alert.status, alert.arrived_at = AlertStatus.ARRIVED, now
        alert.events.append(AlertEvent(kind="arrived", at=now, actor_person_id=actor.person_id))
    return alert


def resolve(actor: Actor, alert_id: uuid.UUID, *, outcome: str, note: str = "") -> Alert:
    """Close an alert with what happened; a false alarm while nobody had answered calls it off."""
    alert = get_alert(actor, alert_id, lock=True, action=AuditAction.CHANGE)
    return close_alert(alert, outcome, note, actor.person_id)


def close_alert(alert: Alert, outcome: str, note: str, by: uuid.UUID | None) -> Alert:
    """End an active alert (the ladder stops); 409 ``alert-closed`` if it already ended."""
    if not alert.active:
        raise AlertClosed()
    now = utcnow()
    called_off = outcome in ("false_alarm", "checked_in") and alert.status == AlertStatus.OPEN
    alert.status = AlertStatus.CANCELLED if called_off else AlertStatus.RESOLVED
    alert.resolved_at, alert.outcome, alert.next_step_at = now, outcome, None
    alert.note = (note or alert.note)[:500]
    alert.events.append(AlertEvent(kind=alert.status, at=now, actor_person_id=by))
    return alert


# --- lists ----------------------------------------------------------------------------------------


def list_alerts(actor: Actor, *, active: bool | None, cursor: str | None, limit: int) -> Page:
    """The elder's alerts, newest first (the elder, or a guardian)."""
    person_id = list_owner(actor, SCOPE, "elder_alert")
    stmt = db.select(Alert).where(Alert.person_id == person_id)
    if active is not None:
        stmt = stmt.where(
            Alert.status.in_(ACTIVE_STATUSES) if active else Alert.status.not_in(ACTIVE_STATUSES)
        )
    return paginate(stmt, Alert.id, cursor=cursor, limit=limit)


def centre_alerts(actor: Actor, *, status: str, cursor: str | None, limit: int) -> Page:
    """Every elder's alerts in one status, for the community service centre, newest first (each logged)."""
    require_role(actor, *policies.RESPONDERS)
    stmt = db.select(Alert).where(Alert.status == status)
    page = paginate(stmt, Alert.id, cursor=cursor, limit=limit)
    for alert in page.items:  # each elder's log says the centre looked
        audit.record(actor, alert.person_id, AuditAction.LIST, "elder_alert", alert.id)
    return page


# --- devices --------------------------------------------------------------------------------------


def device_event(
    actor: Actor, *, serial: str, event_id: str, kind: str, occurred_at: datetime | None
) -> Alert:
    """A platform reports a press or a sensor: the same event id again returns the same alert."""
    if not policies.is_device_platform(actor):
        raise Forbidden(gettext("Only a care-device platform reports device events."))
    device = db.session.scalar(
        db.select(CareDevice)
        .where(CareDevice.client_id == actor.client_id, CareDevice.serial == serial)
        .with_for_update()
    )
    if device is None:
        raise UnknownDevice()
    seen = db.session.scalar(
        db.select(DeviceEvent).where(DeviceEvent.device_id == device.id, DeviceEvent.event_id == event_id)
    )
    if seen is not None:
        return db.session.get(Alert, seen.alert_id)
    profile = _locked_profile(device.person_id)
    alert = _active_alert(device.person_id, AlertKind(kind)) or start_alert(
        profile, AlertKind(kind), "device", device_id=device.id
    )
    now = utcnow()
    device.last_event_at = now
    db.session.add(
        DeviceEvent(
            device_id=device.id,
            event_id=event_id,
            kind=kind,
            occurred_at=occurred_at or now,
            alert_id=alert.id,
        )
    )
    audit.record(actor, device.person_id, AuditAction.CREATE, "elder_alert", alert.id)
    return alert
