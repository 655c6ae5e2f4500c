"""Request ids, JSON log lines and the Prometheus metrics (the multi-node proof is tests/deploy)."""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from unittest import mock

import pytest
import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from app.core import jobs, logs, metrics
from app.core.jobs import JobRequest
from tests.core import job_probe

REDIS_URL = os.environ.get("REDIS_URL", "")


def _samples(text: str, name: str) -> dict[str, float]:
    """``{labels: value}`` of one metric in a text exposition."""
    found = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            found[key[len(name) :]] = float(value)
    return found


def test_a_plausible_request_id_is_kept_and_answered(client):
    answer = client.get("/healthz", headers={"X-Request-Id": "edge-4f1c2a9b"})
    assert answer.headers["X-Request-Id"] == "edge-4f1c2a9b"


@pytest.mark.parametrize("sent", [None, "short", "two words here", "x" * 200, "id;rm -rf /;x"])
def test_a_missing_or_implausible_request_id_is_replaced_by_a_fresh_one(client, sent):
    headers = {"X-Request-Id": sent} if sent is not None else {}
    answer = client.get("/healthz", headers=headers)
    assert answer.headers["X-Request-Id"] != sent
    assert len(answer.headers["X-Request-Id"]) == 32
    int(answer.headers["X-Request-Id"], 16)


def test_requests_are_counted_by_route_template_method_and_status(client, resident, auth):
    stranger = uuid.uuid4()
    for _ in range(2):
        client.get(f"/api/v1/bills/{stranger}", headers=auth(resident))
    client.get("/no/such/page/" + uuid.uuid4().hex)
    text = client.get("/metrics").get_data(as_text=True)
    counted = _samples(text, "yimatong_http_requests_total")
    assert counted['{method="GET",route="/api/v1/bills/<uuid:bill_id>",status="404"}'] >= 2
    assert counted['{method="GET",route="<unmatched>",status="404"}'] >= 1
    assert not any(str(stranger) in key for key in counted)  # raw paths never become series
    latency = _samples(text, "yimatong_http_request_duration_seconds_count")
    assert latency['{method="GET",route="/api/v1/bills/<uuid:bill_id>"}'] >= 2


def test_the_scrape_reads_queues_outbox_payments_and_deadlines(client):
    text = client.get("/metrics").get_data(as_text=True)
    up = _samples(text, "yimatong_metric_sampler_up")
    for name in (
        "yimatong_job_queue",
        "yimatong_outbox_lag_seconds",
        "yimatong_outbox_open_messages",
        "yimatong_payment_intents_last_day",
        "yimatong_complaints_overdue",
    ):
        assert up[f'{{sampler="{name}"}}'] == 1.0, name
    assert "yimatong_outbox_lag_seconds 0.0" in text


def test_a_failing_sampler_is_reported_down_and_the_scrape_still_answers(client):
    def broken():
        raise RuntimeError("the figure cannot be read")

    metrics.register_sampler("yimatong_test_broken", "Always fails.", broken)
    try:
        answer = client.get("/metrics")
        assert answer.status_code == 200
        down = 'yimatong_metric_sampler_up{sampler="yimatong_test_broken"} 0.0'
        assert down in answer.get_data(as_text=True)
    finally:
        metrics.SAMPLERS.pop("yimatong_test_broken")


def test_metrics_want_the_token_when_one_is_set(app, client):
    with mock.patch.dict(app.config, {"METRICS_TOKEN": "scrape-secret"}):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_production_without_a_token_serves_no_metrics(app, client):
    with mock.patch.dict(app.config, {"ENV_NAME": "production", "METRICS_TOKEN": None}):
        answer = client.get("/metrics")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"


def test_json_lines_carry_the_request_id_the_node_and_extra_fields():
    record = logging.LogRecord("app.x", logging.WARNING, __file__, 1, "paid %s", ("¥12",), None)
    record.duration_ms = 1.5
    with logs.bound(request_id="req-0123456789", job_id="notify-1"):
        logs.ContextFilter("node-a").filter(record)
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "paid ¥12" and line["level"] == "warning" and line["logger"] == "app.x"
    assert line["request_id"] == "req-0123456789" and line["job_id"] == "notify-1"
    assert line["node"] == "node-a" and line["duration_ms"] == 1.5


def test_inline_jobs_and_the_jobs_they_enqueue_carry_the_request_id(db):
    job_probe.CALLS.clear()
    with logs.bound(request_id="req-abcdef012345"):
        jobs.enqueue(job_probe.request_id, "first")
    db.session.commit()
    assert [args for args, _ in job_probe.CALLS] == [
        ("first", "req-abcdef012345"),
        ("follow-up", "req-abcdef012345"),
    ]
    job_probe.CALLS.clear()


@pytest.mark.redis
def test_a_job_handed_to_redis_carries_the_request_id(app):
    connection = redis.Redis.from_url(REDIS_URL)
    job_id = f"probe-{uuid.uuid4().hex}"
    probe = "tests.core.job_probe.request_id"
    request = JobRequest(probe, ("x",), job_id=job_id, request_id="req-0011223344")
    try:
        assert jobs.submit(connection, app.config, request)
        job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        assert job.kwargs == {"request_id": "req-0011223344"}
        assert job.args == ["tests.core.job_probe.request_id", ["x"]]
    finally:
        Job.fetch(job_id, connection=connection, serializer=JSONSerializer).delete()


def test_each_service_call_of_the_bot_has_a_request_id_of_its_own(app):
    from bots.telegram import context

    caller = context.Caller(chat_id=42, language_code="en")
    first = context._run(app, caller, lambda actor: logs.current_request_id())
    second = context._run(app, caller, lambda actor: logs.current_request_id())
    assert first.startswith("tg-") and second.startswith("tg-") and first != second
    assert logs.current_request_id() is None


def _gunicorn_settings(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings: dict = {}
    source = Path("deploy/gunicorn.conf.py").read_text()
    exec(compile(source, "gunicorn.conf.py", "exec"), settings)  # noqa: S102 - the shipped settings
    return settings


def test_gunicorn_starts_every_count_at_zero_in_the_nodes_metrics_directory(monkeypatch, tmp_path):
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "keep.txt").write_text("not ours")
    settings = _gunicorn_settings(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    settings["on_starting"](server=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_gunicorn_without_a_metrics_directory_makes_one_and_removes_it(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # so that the undo removes what on_starting sets
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    settings = _gunicorn_settings(monkeypatch)
    settings["on_starting"](server=None)
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir()
    settings["on_exit"](server=None)
    assert not made.exists()


def test_gunicorn_logs_json_in_production_and_text_elsewhere(monkeypatch):
    production = _gunicorn_settings(monkeypatch, YIMATONG_ENV="production", LOG_FORMAT="")
    assert production["accesslog"] is None
    assert production["logconfig_dict"]["formatters"]["json"]["()"] == "app.core.logs.JsonFormatter"
    development = _gunicorn_settings(monkeypatch, YIMATONG_ENV="development", LOG_FORMAT="")
    assert development["accesslog"] == "-" and "logconfig_dict" not in development
