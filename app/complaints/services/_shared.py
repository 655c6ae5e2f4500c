"""What every part of the 12345 domain shares: states, limits, the localized event summaries."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.city import services as city
from app.complaints.models import (
    Complaint,
    ComplaintEvent,
)
from app.core.actors import MandateScope, Role
from app.core.errors import Conflict
from app.core.i18n import pick
from app.notifications.services import Localized

CATEGORIES_FILE = Path(__file__).resolve().parent.parent / "data" / "categories.json"


MANDATE_SCOPE = MandateScope.COMPLAINTS


SUBMITTED, DISPATCHED, ACCEPTED, IN_PROGRESS = "submitted", "dispatched", "accepted", "in_progress"


RESOLVED, CLOSED, MERGED = "resolved", "closed", "merged"


OPEN_STATES = (SUBMITTED, DISPATCHED, ACCEPTED, IN_PROGRESS)


STAFF_READERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


DUPLICATE_RADIUS_M = 200


DUPLICATE_WINDOW = timedelta(hours=72)


DUPLICATE_MIN_SIMILARITY = 0.3


DUPLICATE_SCAN_LIMIT = 50  # the newest nearby complaints compared


DUPLICATE_CANDIDATES = 5  # the most alike shown to the dispatcher


RATING_WINDOW = timedelta(days=7)


SATISFIED_FROM = 3  # ratings 3-5 satisfied (满意/基本满意), 1-2 unsatisfied


MAX_PHOTOS = 6


MAX_PHOTO_BYTES = 5 * 1024 * 1024


class InvalidTransition(Conflict):
    """The complaint is not in a state that allows this step."""

    code = "invalid-transition"
    title = _l("Not possible in the complaint's current state")
    default_detail = _l("This step is not possible in the complaint's current state.")


EVENT_SUMMARIES = {
    "submitted": _l("Your request was received."),
    "dispatched": _l("Your request was passed to %(department)s."),
    "accepted": _l("The department has taken on your request."),
    "in_progress": _l("Work on your request has started."),
    "resolved": _l("The department has answered your request."),
    "rated": _l("Thank you for your rating. The request is closed."),
    "reopened": _l("Your request was reopened for rework."),
    "closed": _l("Closed after 7 days without a rating."),
    "merged": _l("Your request is handled together with %(number)s."),
    "duplicate_merged": _l("A similar request was merged into this one."),
    "split": _l("Your request was split into %(count)s parts."),
    "sent_back": _l("The department returned the request to the hotline for re-dispatch."),
    "extension_requested": _l("The department asked for more time."),
    "extension_approved": _l("The deadline was extended."),
    "extension_refused": _l("An extension was refused."),
    "dispatch_overdue": _l("The dispatch deadline was missed."),
    "feedback_overdue": _l("The reply deadline was missed."),
}


def event_summary(event: ComplaintEvent, locale: str) -> str:
    """The event in the reader's language."""
    template = EVENT_SUMMARIES.get(event.kind)
    if template is None:
        return event.kind
    params = dict(event.params or {})
    if isinstance(params.get("department"), dict):  # the department's name in every language
        params["department"] = pick(params["department"], locale)
    elif "department_zh" in params:  # events written before names were kept in three languages
        params["department"] = params["department_en"] if locale == "en" else params["department_zh"]
    return str(template) % params if "%(" in str(template) else str(template)


_rule_cache: dict[str, object] = {}


def _department_name(department_id: uuid.UUID | None) -> Localized:
    department = city.get_department(department_id)
    return Localized(department.names)


def _category_name(complaint: Complaint) -> Localized:
    return Localized(complaint.category.names)
