"""What transit tells riders: the decision on a disputed fare (once per dispute)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.notifications import services as notifications
from app.transit.models import FareDispute

TOPIC = "transit"

notifications.register_topic(TOPIC, label=_l("Bus and metro"), default_channels=("sms", "telegram"))
notifications.register_template(
    "transit_dispute_refunded",
    topic=TOPIC,
    title=_l("Fare dispute upheld"),
    body=_l(
        "Your dispute of the fare of %(day)s was upheld: %(amount)s is on its way back to you. %(answer)s"
    ),
)
notifications.register_template(
    "transit_dispute_rejected",
    topic=TOPIC,
    title=_l("Fare dispute rejected"),
    body=_l("Your dispute of the fare of %(day)s was rejected: %(answer)s"),
)


def dispute_decided(dispute: FareDispute) -> None:
    """The rider hears the clearing house's decision, and the refund when there is one."""
    accepted = dispute.refund_fen > 0
    notifications.notify(
        dispute.person_id,
        "transit_dispute_refunded" if accepted else "transit_dispute_rejected",
        {"day": dispute.trip.business_date, "amount": dispute.refund, "answer": dispute.answer},
        topic=TOPIC,
        dedupe_key=f"transit:dispute-decided:{dispute.id}",
    )
