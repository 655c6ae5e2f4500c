"""The daily check-in (平安打卡): a tap a day; a gentle reminder at the set time; then the ladder.

The sweep (every few minutes) looks at elders whose check-in time has passed today in Asia/Shanghai:
one not checked in is reminded once; one still not checked in when the grace after it has passed
gets a ``missed_checkin`` alert, which climbs the same ladder as an SOS. Checking in later calls
off that alert if nobody has answered it yet.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.core import audit
from app.core.access import list_owner
from app.core.actors import Actor, MandateScope
from app.core.audit import AuditAction
from app.core.ids import new_id
from app.core.models import upsert_insert, utcnow
from app.core.pagination import Page, paginate
from app.core.policy import acting_for
from app.eldercare import notices
from app.eldercare.models import Alert, AlertKind, AlertStatus, CheckIn, ElderProfile
from app.eldercare.services._shared import local_now, require_profile, setting, today
from app.eldercare.services.alerts import close_alert, start_alert
from app.extensions import db

SCOPE = MandateScope.ELDERCARE
SOURCES = ("app", "bot", "device")
SWEEP_BATCH = 500


def _day_row(person_id: uuid.UUID, now: datetime) -> CheckIn:
    """Today's row of the elder (made if missing; two writers at once settle on one)."""
    day = today(now)
    stmt = upsert_insert(CheckIn.__table__).values(id=new_id(), created_at=now, person_id=person_id, day=day)
    db.session.execute(stmt.on_conflict_do_nothing(index_elements=["person_id", "day"]))
    return db.session.scalar(
        db.select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.day == day).with_for_update()
    )


def check_in(actor: Actor, *, source: str = "app") -> CheckIn:
    """I am fine today; a missed-check-in alert nobody answered yet is called off."""
    person_id = acting_for(actor, SCOPE)
    require_profile(person_id)
    now = utcnow()
    row = _day_row(person_id, now)
    if row.checked_in_at is None:
        row.checked_in_at, row.source = now, source
        audit.record(actor, person_id, AuditAction.CREATE, "elder_checkin", row.id)
    if row.alert_id is not None:
        alert = db.session.get(Alert, row.alert_id, with_for_update=True, populate_existing=True)
        if alert is not None and alert.status == AlertStatus.OPEN:
            close_alert(alert, "checked_in", "", actor.person_id)
    return row


def list_checkins(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The elder's days, newest first: checked in, reminded, alerted."""
    person_id = list_owner(actor, SCOPE, "elder_checkin")
    stmt = db.select(CheckIn).where(CheckIn.person_id == person_id)
    return paginate(stmt, CheckIn.id, cursor=cursor, limit=limit)


def sweep_checkins(now: datetime | None = None) -> dict[str, int]:
    """Remind elders who have not checked in by their time; raise an alert after the grace (idempotent)."""
    moment = now or utcnow()
    local = local_now(moment)
    grace = timedelta(minutes=setting("CHECKIN_GRACE_MINUTES"))
    reminded = alerted = 0
    for profile, row in _late_elders(moment):
        row = row or _day_row(profile.person_id, moment)
        if row.checked_in_at is not None:
            continue
        if row.reminded_at is None:
            row.reminded_at = moment
            notices.checkin_reminder(profile.person_id, row.id)
            reminded += 1
        due = datetime.combine(local.date(), profile.checkin_by, tzinfo=local.tzinfo) + grace
        if row.alert_id is None and local >= due:
            row.alert_id = start_alert(profile, AlertKind.MISSED_CHECKIN, "checkin").id
            alerted += 1
    return {"reminded": reminded, "alerted": alerted}


def _late_elders(now: datetime) -> list[tuple[ElderProfile, CheckIn | None]]:
    """Elders past today's check-in time not yet checked in, reminded and alerted (one query)."""
    local = local_now(now)
    stmt = (
        db.select(ElderProfile, CheckIn)
        .outerjoin(CheckIn, (CheckIn.person_id == ElderProfile.person_id) & (CheckIn.day == local.date()))
        .where(
            ElderProfile.checkin_by.is_not(None),
            ElderProfile.checkin_by <= local.time().replace(tzinfo=None),
            CheckIn.checked_in_at.is_(None),
            CheckIn.alert_id.is_(None),
        )
        .order_by(ElderProfile.id)
        .limit(SWEEP_BATCH)
    )
    return [(profile, row) for profile, row in db.session.execute(stmt).all()]
