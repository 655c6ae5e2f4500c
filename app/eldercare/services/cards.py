"""The elder's home cards (and so their guardians'): an alert nobody has answered, a missed check-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext
from sqlalchemy import bindparam

from app.core.cards import Card, Urgency, folded, joined
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


@folded(_ACTIVE_ALERT)
def _alert_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """An open alert (urgent, first on the home)."""
    alert = _Alert(*row)
    return [_alert_card(alert)] if alert.id is not None else []


@folded(_CHECKIN_TODAY, params=lambda now: {"day": local_now(now).date()})
def _checkin_cards(row: tuple, person_id: uuid.UUID, now: datetime) -> list[Card]:
    """Today's check-in once its time passed."""
    checkin = _CheckIn(*row)
    cards = []
    if _missed(checkin, local_now(now).time()):
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


# An open alert and today's check-in (two queries, folded into the home's one).
home_cards = joined(_alert_cards, _checkin_cards)


def _missed(checkin, now) -> bool:
    """Today's check-in time has passed and the elder has not checked in."""
    if checkin is None or checkin.checkin_by is None or checkin.checked_in_at is not None:
        return False
    return checkin.checkin_by <= now


class _Alert(NamedTuple):
    id: uuid.UUID | None
    kind: str | None
    status: str | None
    raised_at: datetime | None
    responder_name: str | None
    eta_minutes: int | None


class _CheckIn(NamedTuple):
    checkin_by: object
    checked_in_at: datetime | None


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
