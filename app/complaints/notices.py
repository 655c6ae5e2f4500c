"""What the 12345 hotline tells residents, handlers and supervisors (outbox notifications, once each).

The services decide who is told (the followers of a complaint, a department's handlers) and call
these with the recipients; each message carries a dedupe key naming the step and the recipient.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.notifications import services as notifications

TOPIC = "complaints"

notifications.register_topic(TOPIC, label=_l("12345 hotline"), default_channels=("sms", "telegram"))
notifications.register_template(
    "complaint_received",
    topic=TOPIC,
    title=_l("Report received"),
    body=_l("Your report %(reference)s was received. You will be told at every step."),
)
notifications.register_template(
    "complaint_dispatched",
    topic=TOPIC,
    title=_l("Report dispatched"),
    body=_l("Your report %(reference)s was passed to %(department)s."),
)
notifications.register_template(
    "complaint_resolved",
    topic=TOPIC,
    title=_l("Report resolved"),
    body=_l("Your report %(reference)s was resolved. Please rate how it was handled."),
)
notifications.register_template(
    "complaint_reopened",
    topic=TOPIC,
    title=_l("Report reopened"),
    body=_l("Your report %(reference)s was reopened for rework; a new reply is due by %(deadline)s."),
)
notifications.register_template(
    "complaint_closed",
    topic=TOPIC,
    title=_l("Report closed"),
    body=_l("Your report %(reference)s is closed. Thank you."),
)
notifications.register_template(
    "complaint_merged",
    topic=TOPIC,
    title=_l("Report merged"),
    body=_l(
        "Your report %(reference)s is handled together with %(original)s; you will be told of its progress."
    ),
)
notifications.register_template(
    "complaint_new_work",
    topic=TOPIC,
    title=_l("New report for your department"),
    body=_l("Report %(reference)s (%(category)s) is yours; the reply is due by %(deadline)s."),
)
notifications.register_template(
    "complaint_deadline_near",
    topic=TOPIC,
    title=_l("Reply due soon"),
    body=_l("The reply to report %(reference)s is due by %(deadline)s."),
)
notifications.register_template(
    "complaint_escalated",
    topic=TOPIC,
    title=_l("Report escalated"),
    body=_l("Report %(reference)s passed its deadline of %(deadline)s and was escalated to you."),
)


def tell(people: Iterable[uuid.UUID], template: str, key: str, params: dict) -> None:
    """Send ``template`` to each of ``people`` once for the step ``key``."""
    for person_id in people:
        notifications.notify(
            person_id, template, params, topic=TOPIC, dedupe_key=f"complaint-{key}-{person_id}"
        )
