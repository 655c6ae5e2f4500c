"""One way to run work in the background: after commit, on RQ, or inline without Redis.

Every domain calls ``enqueue`` / ``enqueue_at`` / ``enqueue_in`` with a module-level function (or its
dotted path) and JSON arguments (ids as strings), and registers recurring work with ``@periodic``.
Nothing leaves before the caller's transaction commits: requests wait in the session and are
handed over in SQLAlchemy's ``after_commit`` event; a rollback discards them. With ``REDIS_URL``
they go to RQ (named queues, JSON serializer, job ids for dedupe, retries with backoff, failure
TTL); without it (``JOBS_INLINE``) each job runs right after the commit, in its own app context,
through the same ``execute`` a worker uses, and a job that fails waits in the database for its
retry, as RQ would retry it, or is kept there as failed. ``flask rq worker`` runs the workers;
``flask rq tick`` runs periodic and deferred work on a machine without Redis.
"""

from __future__ import annotations

from app.core.jobs._shared import (  # noqa: F401
    ALIVE_STATES,
    DEFAULT,
    JOB_ID,
    MAX_INLINE_CHAIN,
    NOTIFICATIONS,
    PERIODIC,
    QUEUES,
    SCHEDULED,
    WORKER_START,
    DeferredJob,
    JobRequest,
    Periodic,
    RetryPolicy,
    is_inline,
)
from app.core.jobs.api import (  # noqa: F401
    enqueue,
    enqueue_at,
    enqueue_in,
    job_alive,
    job_status,
    on_worker_start,
    periodic,
)
from app.core.jobs.failed import (  # noqa: F401
    FailedJob,
    failed_jobs,
    purge_failed,
    retry_failed,
)
from app.core.jobs.handover import (  # noqa: F401
    submit,
)
from app.core.jobs.running import (  # noqa: F401
    bind_process_app,
    execute,
    set_app_factory,
)
from app.core.jobs.worker import (  # noqa: F401
    DueRun,
    WorkerOptions,
    periodic_job_id,
    run_due,
    run_periodic,
    run_worker,
    schedule_periodic,
)
