"""What every part of the 12345 domain shares: states, limits, names for notices."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from app.city import services as city
from app.complaints.errors import InvalidTransition  # noqa: F401 - where the services raise it from
from app.complaints.models import OPEN_STATES, Complaint, ComplaintStatus  # noqa: F401
from app.core.actors import MandateScope, Role
from app.notifications.services import Localized

CATEGORIES_FILE = Path(__file__).resolve().parent.parent / "data" / "categories.json"


MANDATE_SCOPE = MandateScope.COMPLAINTS


SUBMITTED, DISPATCHED = ComplaintStatus.SUBMITTED, ComplaintStatus.DISPATCHED
ACCEPTED, IN_PROGRESS = ComplaintStatus.ACCEPTED, ComplaintStatus.IN_PROGRESS
RESOLVED, CLOSED, MERGED, SPLIT = (
    ComplaintStatus.RESOLVED,
    ComplaintStatus.CLOSED,
    ComplaintStatus.MERGED,
    ComplaintStatus.SPLIT,
)


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


_rule_cache: dict[str, object] = {}


def _department_name(department_id: uuid.UUID | None) -> Localized:
    department = city.get_department(department_id)
    return Localized(department.names)


def _category_name(complaint: Complaint) -> Localized:
    return Localized(complaint.category.names)
