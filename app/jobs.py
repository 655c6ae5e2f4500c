"""Every domain's jobs, imported once so every process (web, worker, ``flask rq tick``) knows them."""

from app.bills import jobs as bills_jobs  # noqa: F401
from app.complaints import jobs as complaints_jobs  # noqa: F401
from app.identity import jobs as identity_jobs  # noqa: F401
from app.notifications import jobs as notifications_jobs  # noqa: F401
from app.payments import jobs as payments_jobs  # noqa: F401
