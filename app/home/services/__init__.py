"""The home's services: the directory (search, order, visits) and the resident's home."""

from __future__ import annotations

from app.home.services.directory import (  # noqa: F401
    MIN_INFIX,
    Service,
    catalogue,
    category_names,
    installed,
    list_services,
    query_terms,
    record_visit,
    relevance,
    service_by_code,
    shortcuts_from,
)
from app.home.services.home import (  # noqa: F401
    GLANCE,
    MAX_PRINCIPALS,
    Section,
    cards_of,
    home_of,
)
