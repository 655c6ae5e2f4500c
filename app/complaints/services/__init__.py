"""12345 complaints: intake from every channel, routing, the lifecycle, deadlines and duplicates."""

from __future__ import annotations

from app.complaints.services._shared import (  # noqa: F401
    ACCEPTED,
    CATEGORIES_FILE,
    CLOSED,
    DISPATCHED,
    DUPLICATE_CANDIDATES,
    DUPLICATE_MIN_SIMILARITY,
    DUPLICATE_RADIUS_M,
    DUPLICATE_SCAN_LIMIT,
    DUPLICATE_WINDOW,
    EVENT_SUMMARIES,
    IN_PROGRESS,
    MANDATE_SCOPE,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    MERGED,
    OPEN_STATES,
    RATING_WINDOW,
    RESOLVED,
    SATISFIED_FROM,
    STAFF_READERS,
    SUBMITTED,
    InvalidTransition,
    event_summary,
)
from app.complaints.services.announce import announce  # noqa: F401
from app.complaints.services.categories import (  # noqa: F401
    category_by_code,
    category_name,
    list_categories,
    seed_categories,
)
from app.complaints.services.deadlines import (  # noqa: F401
    Breach,
    breaches_of,
    decide_extension,
    due_soon,
    escalate_breaches,
    pending_extensions,
    record_breaches,
    remind_due_soon,
    request_extension,
)
from app.complaints.services.intake import (  # noqa: F401
    Intake,
    add_photo,
    find_duplicates,
    photo_bytes,
    record_call,
    submit_complaint,
    submit_open311,
)
from app.complaints.services.reading import (  # noqa: F401
    can_staff_see,
    deadline_clock,
    followers_of,
    may_see_reporter,
    my_complaints,
    reporter_contact,
    resident_complaint,
    resident_complaint_by_number,
    staff_complaint,
    staff_queue,
)
from app.complaints.services.rules import current_rules, deactivate_rule, list_rules, save_rule  # noqa: F401
from app.complaints.services.workflow import (  # noqa: F401
    SPLIT,
    accept,
    close_unrated,
    dispatch,
    dispatch_to_district,
    merge,
    rate,
    resolve,
    send_back,
    split,
    start_work,
)
