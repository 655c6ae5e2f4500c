"""What parking tells drivers (outbox notifications), each exactly once; operators read the gate's answer.

Every function writes outbox rows in the caller's transaction with a dedupe key naming what happened
to what, so a replayed gate event, a repeated sweep or a second callback sends nothing twice.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l

from app.notifications import services as notifications
from app.notifications.services import Localized
from app.parking.models import DisputeStatus, ParkingDispute, ParkingSession, Violation, ViolationDispute

TOPIC = "parking"

notifications.register_topic(TOPIC, label=_l("Parking and traffic"), default_channels=("sms", "telegram"))
notifications.register_template(
    "parking_entered",
    topic=TOPIC,
    title=_l("Parked"),
    body=_l("%(plate)s entered %(lot)s at %(at)s."),
)
notifications.register_template(
    "parking_exited",
    topic=TOPIC,
    title=_l("Left the car park"),
    body=_l("%(plate)s left %(lot)s after %(minutes)s minutes. Fee: %(fee)s."),
)
notifications.register_template(
    "parking_payment_failed",
    topic=TOPIC,
    title=_l("Parking payment failed"),
    body=_l("We could not charge %(fee)s for %(plate)s at %(lot)s. Please pay it in the app."),
)
notifications.register_template(
    "parking_debt_reminder",
    topic=TOPIC,
    title=_l("Unpaid parking"),
    body=_l("Your stay of %(plate)s at %(lot)s on %(day)s (%(fee)s) is still unpaid. Please pay it soon."),
)
notifications.register_template(
    "violation_filed",
    topic=TOPIC,
    title=_l("New traffic violation"),
    body=_l(
        "%(plate)s: %(offence)s at %(place)s on %(at)s. Fine %(fine)s, %(points)s points. "
        "You can pay it in the app."
    ),
)

notifications.register_template(
    "parking_dispute_answered",
    topic=TOPIC,
    title=_l("Your parking dispute was answered"),
    body=_l("%(lot)s answered your dispute about %(plate)s: %(answer)s The stay now costs %(fee)s."),
)
notifications.register_template(
    "parking_dispute_unanswered",
    topic=TOPIC,
    title=_l("No answer to your parking dispute"),
    body=_l(
        "%(lot)s did not answer your dispute about %(plate)s by %(deadline)s. "
        "You can take it to 12345 in the app."
    ),
)


def entered(session: ParkingSession) -> None:
    """A bound plate entered a lot."""
    notifications.notify(
        session.person_id,
        "parking_entered",
        {"plate": session.plate, "lot": Localized(session.lot.names), "at": session.entered_at},
        topic=TOPIC,
        dedupe_key=f"parking:entered:{session.id}",
    )


def exited(session: ParkingSession) -> None:
    """A bound plate left a lot; what the stay cost."""
    notifications.notify(
        session.person_id,
        "parking_exited",
        {
            "plate": session.plate,
            "lot": Localized(session.lot.names),
            "minutes": session.minutes,
            "fee": session.fee,
        },
        topic=TOPIC,
        dedupe_key=f"parking:exited:{session.id}",
    )


def payment_failed(session: ParkingSession, intent_id: uuid.UUID) -> None:
    """Frictionless payment of a stay failed: the driver pays in the app."""
    notifications.notify(
        session.person_id,
        "parking_payment_failed",
        {"plate": session.plate, "lot": Localized(session.lot.names), "fee": session.fee},
        topic=TOPIC,
        dedupe_key=f"parking:payment_failed:{intent_id}",
    )


def debt_reminder(session: ParkingSession) -> None:
    """A stay still unpaid a while after exit."""
    notifications.notify(
        session.person_id,
        "parking_debt_reminder",
        {
            "plate": session.plate,
            "lot": Localized(session.lot.names),
            "day": session.exited_at.date(),
            "fee": session.fee,
        },
        topic=TOPIC,
        dedupe_key=f"parking:debt:{session.id}",
    )


def violation_filed(violation: Violation, holder_id: uuid.UUID) -> None:
    """The police filed a violation against the holder's plate."""
    notifications.notify(
        holder_id,
        "violation_filed",
        {
            "plate": violation.plate,
            "offence": violation.offence,
            "place": violation.place,
            "at": violation.occurred_at,
            "fine": violation.fine,
            "points": violation.points,
        },
        topic=TOPIC,
        dedupe_key=f"violation:filed:{violation.id}:{holder_id}",
    )


def dispute_raised(dispute: ParkingDispute) -> None:
    """Tell the operator's system of a new dispute to answer (signed webhook)."""
    notifications.notify_client(
        dispute.operator_client_id,
        "parking.dispute_raised",
        {
            "dispute_id": str(dispute.id),
            "session_id": str(dispute.session_id),
            "kind": dispute.kind,
            "answer_due_at": dispute.answer_due_at.isoformat(),
        },
        dedupe_key=f"parking:dispute_raised:{dispute.id}",
    )


def dispute_answered(dispute: ParkingDispute) -> None:
    """The operator answered the driver's dispute."""
    session = dispute.session
    notifications.notify(
        dispute.person_id,
        "parking_dispute_answered",
        {
            "lot": Localized(session.lot.names),
            "plate": session.plate,
            "answer": dispute.answer,
            "fee": session.fee,
        },
        topic=TOPIC,
        dedupe_key=f"parking:dispute_answered:{dispute.id}",
    )


def dispute_unanswered(dispute: ParkingDispute) -> None:
    """The deadline passed without an answer: the driver may go to 12345."""
    session = dispute.session
    notifications.notify(
        dispute.person_id,
        "parking_dispute_unanswered",
        {"lot": Localized(session.lot.names), "plate": session.plate, "deadline": dispute.answer_due_at},
        topic=TOPIC,
        dedupe_key=f"parking:dispute_unanswered:{dispute.id}",
    )


notifications.register_template(
    "violation_due_soon",
    topic=TOPIC,
    title=_l("Traffic fine due soon"),
    body=_l(
        "%(plate)s: the fine of %(fine)s for %(offence)s is due by %(day)s. "
        "From the day after, 3%% of the fine is added each day (at most the fine)."
    ),
)
notifications.register_template(
    "violation_appeal_decided",
    topic=TOPIC,
    title=_l("Your appeal was decided"),
    body=_l("%(plate)s, %(offence)s on %(at)s: %(outcome)s %(answer)s"),
)

APPEAL_ACCEPTED = _l("The appeal was accepted and the violation withdrawn.")
APPEAL_REJECTED = _l("The appeal was rejected; please pay the fine by %(day)s to avoid a late fee.")


def violation_due_soon(violation: Violation, holder_id: uuid.UUID) -> None:
    """A fine is near its last day without a late fee."""
    notifications.notify(
        holder_id,
        "violation_due_soon",
        {
            "plate": violation.plate,
            "offence": violation.offence,
            "fine": violation.fine,
            "day": violation.last_free_day,
        },
        topic=TOPIC,
        dedupe_key=f"violation:due:{violation.id}:{violation.last_free_day.isoformat()}:{holder_id}",
    )


def violation_appeal_raised(dispute: ViolationDispute) -> None:
    """Tell the police client's system of an appeal to review (signed webhook)."""
    notifications.notify_client(
        dispute.police_client_id,
        "violations.appeal_raised",
        {
            "dispute_id": str(dispute.id),
            "reference": dispute.violation.reference,
            "kind": dispute.kind,
            "answer_due_at": dispute.answer_due_at.isoformat(),
        },
        dedupe_key=f"violation:appeal_raised:{dispute.id}",
    )


def violation_appeal_decided(dispute: ViolationDispute) -> None:
    """The police decided the driver's appeal: accepted (withdrawn) or rejected (pay by a day)."""
    from flask_babel import format_date

    from app.core.i18n import in_every_locale

    violation = dispute.violation
    if dispute.status == DisputeStatus.ACCEPTED:
        outcome = Localized(in_every_locale(APPEAL_ACCEPTED))
    else:
        day = violation.last_free_day
        outcome = Localized(in_every_locale(lambda: str(APPEAL_REJECTED) % {"day": format_date(day)}))
    notifications.notify(
        dispute.person_id,
        "violation_appeal_decided",
        {
            "plate": violation.plate,
            "offence": violation.offence,
            "at": violation.occurred_at,
            "outcome": outcome,
            "answer": dispute.answer,
        },
        topic=TOPIC,
        dedupe_key=f"violation:appeal_decided:{dispute.id}",
    )
