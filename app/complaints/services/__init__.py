"""12345 complaints: intake from every channel, routing, the lifecycle, deadlines and duplicates."""

from __future__ import annotations

from app.complaints.metrics import (  # noqa: F401 - the figures, for the console's charts
    previous_month,
)
from app.complaints.metrics import (  # noqa: F401
    series as rate_series,
)
from app.complaints.metrics import (  # noqa: F401
    series_csv as rate_series_csv,
)
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
    IN_PROGRESS,
    MANDATE_SCOPE,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    MERGED,
    RATING_WINDOW,
    RESOLVED,
    SATISFIED_FROM,
    SPLIT,
    STAFF_READERS,
    SUBMITTED,
)
from app.complaints.services.announce import (  # noqa: F401
    announce,
)
from app.complaints.services.calls import (  # noqa: F401
    Caller,
    find_caller,
    suggest_categories,
)
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
    escalated,
    pending_extensions,
    record_breaches,
    remind_due_soon,
    request_extension,
)
from app.complaints.services.disputes import (  # noqa: F401
    escalate_dispute,
)
from app.complaints.services.dryrun import (  # noqa: F401
    DryRun,
    dry_run,
)
from app.complaints.services.intake import (  # noqa: F401
    Attachment,
    Intake,
    add_photo,
    find_duplicates,
    photo_bytes,
    record_call,
    resident_photo,
    submit_complaint,
    submit_open311,
)
from app.complaints.services.reading import (  # noqa: F401
    LIST_LOADING,
    can_staff_see,
    followers_of,
    home_cards,
    may_see_reporter,
    my_complaints,
    page_of_views,
    reporter_contact,
    resident_complaint,
    resident_complaint_by_number,
    staff_complaint,
    staff_detail,
    staff_queue,
    view,
    views,
)
from app.complaints.services.rules import (  # noqa: F401
    current_rules,
    deactivate_rule,
    list_rules,
    rule_named,
    save_rule,
)
from app.complaints.services.workflow import (  # noqa: F401
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
