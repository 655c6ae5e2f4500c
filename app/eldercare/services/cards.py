"""The elder's home cards (and so their guardians'): an alert nobody has answered, a missed check-in."""

from __future__ import annotations

import uuid

from flask_babel import gettext
from sqlalchemy import bindparam

from app.core.cards import Card, Urgency
from app.core.models import utcnow
from app.eldercare.models import ACTIVE_STATUSES, Alert, AlertStatus, CheckIn, ElderProfile
from app.eldercare.services._shared import local_now
from app.extensions import db

# Built once: the home runs them on every visit (see docs/adding-a-domain.md, "hot statements").
_ACTIVE_ALERT = (
    db.select(Alert.id, Alert.kind, Alert.status, Alert.raised_at, Alert.responder_name, Alert.eta_minutes)
    .where(Alert.person_id == bindparam("person_id"), Alert.status.in_([str(s) for s in ACTIVE_STATUSES]))
    .order_by(Alert.id.desc())
    .limit(1)
)
_CHECKIN_TODAY = (
    db.select(ElderProfile.checkin_by, CheckIn.checked_in_at)
    .outerjoin(CheckIn, (CheckIn.person_id == ElderProfile.person_id) & (CheckIn.day == bindparam("day")))
    .where(ElderProfile.person_id == bindparam("person_id"))
)


def home_cards(person_id: uuid.UUID) -> list[Card]:
    """An open alert (urgent, first on the home) and today's check-in once its time passed (two queries)."""
    cards = []
    alert = db.session.execute(_ACTIVE_ALERT, {"person_id": person_id}).first()
    if alert is not None:
        cards.append(_alert_card(alert))
    local = local_now(utcnow())
    checkin = db.session.execute(_CHECKIN_TODAY, {"person_id": person_id, "day": local.date()}).first()
    if _missed(checkin, local.time()):
        cards.append(
            Card(
                "eldercare",
                "checkin_missed",
                Urgency.TODAY,
                gettext("Daily check-in not done"),
                gettext(
                    "No check-in yet today (due by %(time)s).", time=checkin.checkin_by.strftime("%H:%M")
                ),
                target="/api/v1/eldercare/checkins",
            )
        )
    return cards


def _missed(checkin, now) -> bool:
    """Today's check-in time has passed and the elder has not checked in."""
    if checkin is None or checkin.checkin_by is None or checkin.checked_in_at is not None:
        return False
    return checkin.checkin_by <= now


def _alert_card(alert) -> Card:
    if alert.status == AlertStatus.OPEN:
        title, body = gettext("Call for help: nobody has answered"), gettext("Answer it if you can go now.")
    else:
        title = gettext("%(name)s is coming", name=alert.responder_name or "")
        body = gettext("Someone answered the call for help and is on the way.")
    return Card(
        "eldercare",
        "alert_open" if alert.status == AlertStatus.OPEN else "alert_answered",
        Urgency.NOW,
        title,
        body,
        due_at=alert.raised_at,
        target=f"/api/v1/eldercare/alerts/{alert.id}",
    )
