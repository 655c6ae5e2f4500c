"""The scan log through the Redis buffer: answered scans reach the holder's history, once each.

The verify request writes nothing to the database; a flusher moves the stream into ``citycode_scans``.
These tests turn the buffer on (the suite otherwise writes each scan with its request, as the embedded
default does) on a stream of their own, and play the failures the buffer is there for: a flusher that
dies after reading, one that dies after committing but before acknowledging.
"""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from app.core import jobs
from app.extensions import get_redis
from app.identity import scanlog, services, tokens
from tests.statements import Statements

pytestmark = pytest.mark.redis

VERIFY = "/api/v1/citycode/verify"
HISTORY = "/api/v1/me/citycode/scans"


@pytest.fixture
def buffer(app, db):
    """The scan buffer on, on a stream only this test uses; deleted afterwards."""
    stream = f"test:citycode:scans:{uuid.uuid4().hex}"
    saved = {key: app.config.get(key) for key in ("CITYCODE_SCAN_BUFFER", "CITYCODE_SCAN_STREAM")}
    app.config.update(CITYCODE_SCAN_BUFFER=True, CITYCODE_SCAN_STREAM=stream)
    yield get_redis(), stream
    app.config.update(saved)
    get_redis().delete(stream)


@pytest.fixture
def gate(scanner):
    client_row, _ = scanner
    return {"Authorization": f"Bearer {tokens.issue_client_token(client_row.client_id, client_row.scopes)}"}


def _code(client, auth, person) -> str:
    return client.get("/api/v1/me/citycode", headers=auth(person)).get_json()["code"]


def _scan(client, gate, code, purpose="transit") -> dict:
    response = client.post(VERIFY, json={"code": code, "purpose": purpose}, headers=gate)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _history(client, auth, person) -> list[tuple[str, str, str]]:
    items = client.get(HISTORY, headers=auth(person)).get_json()["items"]
    return [(item["client_name"], item["purpose"], item["outcome"]) for item in items]


def test_a_buffered_scan_is_answered_without_a_database_write_and_shows_in_history_after_the_flush(
    client, auth, resident, other_resident, gate, buffer
):
    redis, stream = buffer
    code = _code(client, auth, resident)
    with Statements() as seen:
        assert _scan(client, gate, code)["valid"] is True
    assert not [s for s in seen.seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert _scan(client, gate, code)["reason"] == "replayed"  # the claim still holds across the buffer
    assert redis.xlen(stream) == 2
    assert _history(client, auth, resident) == []  # not yet: the history lags until the flusher runs

    assert services.flush_scan_buffer() == 2

    assert _history(client, auth, resident) == [
        ("地铁1号线闸机", "transit", "replayed"),
        ("地铁1号线闸机", "transit", "accepted"),
    ]
    assert _history(client, auth, other_resident) == []
    assert redis.xlen(stream) == 0 and scanlog.backlog() == 0
    assert services.flush_scan_buffer() == 0


def test_refusals_before_the_replay_check_are_buffered_too(client, auth, resident, gate, buffer):
    before = _code(client, auth, resident)
    assert client.post("/api/v1/me/citycode/revoke", headers=auth(resident)).status_code == 200
    assert _scan(client, gate, before)["reason"] == "revoked"
    assert _history(client, auth, resident) == []
    services.flush_scan_buffer()
    assert _history(client, auth, resident) == [("地铁1号线闸机", "transit", "revoked")]


def test_a_flusher_that_dies_after_reading_loses_nothing(client, auth, resident, gate, buffer):
    redis, stream = buffer
    for _ in range(3):
        assert _scan(client, gate, _code(client, auth, resident))["valid"] is True
    with (
        mock.patch.object(scanlog, "_write", side_effect=RuntimeError("flusher killed")),
        pytest.raises(RuntimeError),
    ):
        services.flush_scan_buffer()
    assert redis.xpending(stream, scanlog.GROUP)["pending"] == 3  # read, never acknowledged
    assert _history(client, auth, resident) == []

    # A fresh flusher reads nothing new, but takes over what was left pending once it is idle enough.
    assert services.flush_scan_buffer(claim_idle_seconds=3600) == 0
    assert services.flush_scan_buffer(claim_idle_seconds=0) == 3
    assert [outcome for *_, outcome in _history(client, auth, resident)] == ["accepted"] * 3
    assert redis.xpending(stream, scanlog.GROUP)["pending"] == 0 and redis.xlen(stream) == 0


def test_a_batch_written_again_after_a_crash_before_its_acknowledgement_is_not_doubled(
    client, auth, resident, gate, buffer
):
    redis, stream = buffer
    code = _code(client, auth, resident)
    _scan(client, gate, code)
    _scan(client, gate, code)
    with (
        mock.patch.object(redis, "xack", side_effect=RedisConnectionError("flusher lost Redis")),
        pytest.raises(RedisConnectionError),
    ):
        services.flush_scan_buffer()
    assert len(_history(client, auth, resident)) == 2  # committed before Redis could be told
    assert redis.xpending(stream, scanlog.GROUP)["pending"] == 2

    assert services.flush_scan_buffer(claim_idle_seconds=0) == 2  # the same batch, written again
    assert [outcome for *_, outcome in _history(client, auth, resident)] == ["replayed", "accepted"]
    assert redis.xlen(stream) == 0


def test_scans_buffered_by_a_node_that_died_before_any_flush_are_written_by_the_next_flusher(
    client, auth, resident, gate, buffer
):
    # The web node answered and is gone; what it buffered waits in the stream, not in the node.
    redis, stream = buffer
    _scan(client, gate, _code(client, auth, resident))
    redis.xgroup_destroy(stream, scanlog.GROUP)  # not even a consumer group yet: the first flusher ever
    assert services.flush_scan_buffer() == 1
    assert [outcome for *_, outcome in _history(client, auth, resident)] == ["accepted"]


def test_the_flusher_runs_as_a_periodic_job_and_as_a_command(app, client, auth, resident, gate, buffer):
    assert (
        jobs.PERIODIC["identity.flush_scans"].interval(app.config)
        == app.config["CITYCODE_SCAN_FLUSH_SECONDS"]
    )
    _scan(client, gate, _code(client, auth, resident))
    result = app.test_cli_runner().invoke(args=["identity", "flush-scans"])
    assert result.exit_code == 0 and "flushed 1 scans" in result.output, result.output
    assert [outcome for *_, outcome in _history(client, auth, resident)] == ["accepted"]


def test_without_the_buffer_a_scan_is_in_the_history_with_its_answer(client, auth, resident, gate):
    assert _scan(client, gate, _code(client, auth, resident))["valid"] is True
    assert [outcome for *_, outcome in _history(client, auth, resident)] == ["accepted"]
