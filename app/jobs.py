"""Every domain's jobs, imported once so every process (web, worker, ``flask rq tick``) knows them."""

from app.notifications import jobs as notifications_jobs  # noqa: F401
