"""Prometheus metrics (prometheus-client): what every request costs, and gauges read at each scrape.

Two kinds of figures:

* **Counted in the process**: requests by route template (``/api/v1/bills/<uuid:bill_id>``, never
  the raw path), method and status, and their latency. Under gunicorn each worker process counts
  its own; with ``PROMETHEUS_MULTIPROC_DIR`` set (``deploy/gunicorn.conf.py`` sets it) they write
  to files there and a scrape of any worker adds up every worker of the node.
* **Read at scrape time** from the shared state, so any node gives the same figures: queue depth
  and the age of the oldest waiting job per RQ queue, deferred jobs, and what the domains register
  with :func:`register_sampler` (outbox lag, payment states, overdue complaints).

``/metrics`` answers in the text exposition format; with ``METRICS_TOKEN`` set it wants
``Authorization: Bearer <token>`` (Prometheus' ``authorization`` setting). Production serves it
only with a token set.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # requests no route matched share one label (a scanner cannot mint series)

REQUESTS = Counter(
    "yimatong_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "yimatong_http_request_duration_seconds",
    "Time from the request reaching the application to its answer, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

Sample = tuple[tuple[str, ...], float]


@dataclass(frozen=True)
class Sampler:
    """A gauge read at scrape time: ``read()`` yields (label values, value) pairs."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[Sample]]


SAMPLERS: dict[str, Sampler] = {}


def register_sampler(
    name: str, documentation: str, read: Callable[[], Iterable[Sample]], labels: tuple[str, ...] = ()
) -> None:
    """Export the gauge ``name`` read by ``read()`` at each scrape (in an app context, read only)."""
    SAMPLERS[name] = Sampler(name, documentation, tuple(labels), read)


_series: dict[tuple[str, str, int], tuple] = {}  # (route, method, status) -> its counter and histogram


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    key = (route or UNMATCHED, method if method in METHODS else "OTHER", status)
    series = _series.get(key)
    if series is None:  # labels() validates and locks each time: once per series is enough
        series = _series[key] = (REQUESTS.labels(key[0], key[1], str(status)), LATENCY.labels(key[0], key[1]))
    series[0].inc()
    series[1].observe(seconds)


class _ScrapeCollector:
    """Runs every sampler; one that fails is reported as down instead of failing the scrape."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from app.extensions import db

        up = GaugeMetricFamily(
            "yimatong_metric_sampler_up", "1 when the sampler could read its figure.", labels=["sampler"]
        )
        for sampler in list(SAMPLERS.values()):
            family = GaugeMetricFamily(sampler.name, sampler.documentation, labels=list(sampler.labels))
            try:
                for labels, value in sampler.read():
                    family.add_metric(list(labels), float(value))
            except Exception:  # noqa: BLE001 - a scrape reports what it can
                log.warning("metric sampler %s failed", sampler.name, exc_info=True)
                db.session.rollback()
                up.add_metric([sampler.name], 0)
                continue
            finally:
                db.session.rollback()  # end the read: a scrape holds no transaction
            up.add_metric([sampler.name], 1)
            yield family
        yield up


def exposition(app: Flask) -> bytes:
    """The text exposition of this node: every worker's counters, then the scrape-time gauges."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=directory)
    else:
        counted = REGISTRY
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(_ScrapeCollector(app))
    return generate_latest(counted) + generate_latest(gauges)


def metrics_view():
    """``GET /metrics``: Prometheus' text format (a bearer token when METRICS_TOKEN is set).

    In production without METRICS_TOKEN there is no ``/metrics`` (404): figures are never public.
    """
    from app.core.errors import NotFound, Unauthenticated

    token = current_app.config.get("METRICS_TOKEN")
    if not token and current_app.config.get("ENV_NAME") == "production":
        raise NotFound()
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise Unauthenticated()
    return Response(exposition(current_app._get_current_object()), mimetype=CONTENT_TYPE_LATEST)


def _queue_samples() -> Iterable[Sample]:
    """Jobs waiting per queue, and how long the oldest has waited (0 when none)."""
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from app.core.jobs import QUEUES, is_inline
    from app.extensions import get_redis

    connection = get_redis()
    if connection is None or is_inline():
        return
    # Redis down: the first call raises and the sampler is reported down after one connect timeout.
    now = time.time()
    for name in QUEUES:
        queue = Queue(name, connection=connection, serializer=JSONSerializer)
        depth = queue.count
        age = 0.0
        oldest = queue.get_job_ids(0, 0) if depth else []
        try:
            job = Job.fetch(oldest[0], connection=connection, serializer=JSONSerializer) if oldest else None
        except NoSuchJobError:  # taken (or expired) between the two reads
            job = None
        if job is not None and job.enqueued_at is not None:
            age = max(0.0, now - job.enqueued_at.timestamp())
        yield ("depth", name), depth
        yield ("oldest_age_seconds", name), age
        yield ("scheduled", name), queue.scheduled_job_registry.count
        yield ("failed", name), queue.failed_job_registry.count


def _deferred_samples() -> Iterable[Sample]:
    """Jobs kept in the database (no Redis), how many are due to run, and how many failed for good."""
    from app.core.jobs import DeferredJob
    from app.core.models import utcnow
    from app.extensions import db

    count = db.select(db.func.count()).select_from(DeferredJob)
    total = db.session.scalar(count)
    waiting = count.where(DeferredJob.failed_at.is_(None))
    due = db.session.scalar(waiting.where(DeferredJob.run_at <= utcnow()))
    failed = db.session.scalar(count.where(DeferredJob.failed_at.is_not(None)))
    yield ("total",), total
    yield ("due",), due
    yield ("failed",), failed


def init_app(app: Flask) -> None:
    """Register the kernel's own gauges (queues) and the ``/metrics`` route."""
    register_sampler(
        "yimatong_job_queue",
        "RQ queues: depth, oldest_age_seconds, scheduled and failed jobs, per queue.",
        _queue_samples,
        ("figure", "queue"),
    )
    register_sampler(
        "yimatong_deferred_jobs",
        "Jobs kept in the database without Redis (total, due, failed).",
        _deferred_samples,
        ("figure",),
    )
    from app.core.api import skip_bearer_authentication

    skip_bearer_authentication("/metrics")  # its bearer token is METRICS_TOKEN, not a person's
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
