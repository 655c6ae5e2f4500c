"""Faults the outbox must survive, on real PostgreSQL and Redis with real worker processes.

These tests commit for real (workers are other processes), so they work outside the rolled-back
``db`` fixture, on people with fresh phone numbers, and delete what they made afterwards. They
empty the Redis database of REDIS_URL before and after each test.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
import redis
import sqlalchemy as sa
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from app.core import jobs
from app.core.actors import Actor
from app.core.sms import SandboxSms
from app.extensions import db
from app.identity import services as identity
from app.identity import tokens
from app.identity.models import Person, RoleGrant
from app.notifications import services
from app.notifications.models import Delivery, InboxItem, OutboxMessage, WebhookEndpoint
from app.notifications.services import outbox
from tests.notifications.test_webhooks import verify
from tests.workers import Worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
FAST = {
    "NOTIFY_SWEEP_SECONDS": 1,
    "NOTIFY_SWEEP_GRACE_SECONDS": 0,
    "NOTIFY_QUIET_START": "00:00",
    "NOTIFY_QUIET_END": "00:00",  # no quiet hours: these tests run at any hour
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",  # the webhook receiver listens on the loopback
}


@pytest.fixture(autouse=True)
def clock():
    """Unlike the other notification tests, these run on the real clock (workers cannot share a mock)."""
    yield


@pytest.fixture
def live(app):
    """The app with jobs going to Redis, committing for real; cleans up people, messages and Redis."""
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    made: list[uuid.UUID] = []
    overrides = {
        "JOBS_INLINE": False,
        "JOBS_REDIS_RETRY_SECONDS": 0,  # try Redis on every commit, to see it come back
        "NOTIFY_QUIET_HOURS": ("00:00", "00:00"),
        "NOTIFY_SWEEP_GRACE_SECONDS": 0,
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True,  # the webhook receiver listens on the loopback
    }
    with mock.patch.dict(app.config, overrides), app.app_context():
        yield Live(app, connection, made)
        db.session.rollback()
        _purge(made)
    connection.flushdb()


class Live:
    """Helpers over the committed world: people, messages, what they received."""

    def __init__(self, app, connection, made):
        self.app, self.redis, self.made = app, connection, made

    def person(self) -> Person:
        person, _ = identity.get_or_create_person(f"+86137{uuid.uuid4().int % 10**8:08d}", "测试")
        db.session.commit()
        self.made.append(person.id)
        return person

    def dispatched(self, person, reference: str) -> uuid.UUID:
        """Tell the person their report was dispatched (inbox, SMS and Telegram by default)."""
        message = services.notify(
            person.id,
            "complaint_dispatched",
            {"reference": reference, "department": "市城市管理局"},
            topic="complaints",
            dedupe_key=f"fault-{reference}",
        )
        db.session.commit()
        return message.id

    def message(self, message_id) -> OutboxMessage:
        db.session.rollback()
        return db.session.get(OutboxMessage, message_id)

    def delivery(self, message_id, channel: str) -> Delivery:
        db.session.rollback()
        return db.session.scalar(
            sa.select(Delivery).where(Delivery.message_id == message_id, Delivery.channel == channel)
        )

    def inbox(self, person) -> int:
        db.session.rollback()
        return db.session.scalar(sa.select(sa.func.count()).where(InboxItem.person_id == person.id))

    def sms(self, person) -> int:
        db.session.rollback()
        return db.session.scalar(sa.select(sa.func.count()).where(SandboxSms.phone == person.phone))

    def delivered(self, message_id) -> bool:
        return self.message(message_id).status == "delivered"

    def worker(self, *arguments: str, redis_url: str = REDIS_URL, **settings) -> Worker:
        """A ``flask rq worker`` (arguments: queues and options) on the test database and Redis."""
        return Worker(DATABASE_URL, redis_url, *arguments, **{**FAST, **settings})


def _purge(person_ids: list[uuid.UUID]) -> None:
    if not person_ids:
        return
    messages = sa.select(OutboxMessage.id).where(OutboxMessage.recipient_id.in_(person_ids))
    phones = sa.select(Person.phone).where(Person.id.in_(person_ids))
    db.session.execute(sa.delete(Delivery).where(Delivery.message_id.in_(messages)))
    db.session.execute(sa.delete(InboxItem).where(InboxItem.person_id.in_(person_ids)))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient_id.in_(person_ids)))
    db.session.execute(sa.delete(SandboxSms).where(SandboxSms.phone.in_(phones)))
    db.session.execute(sa.delete(RoleGrant).where(RoleGrant.person_id.in_(person_ids)))
    db.session.execute(sa.delete(Person).where(Person.id.in_(person_ids)))
    db.session.commit()


def _purge_client(client_id: str) -> None:
    messages = sa.select(OutboxMessage.id).where(OutboxMessage.client_id == client_id)
    db.session.execute(sa.delete(Delivery).where(Delivery.message_id.in_(messages)))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.client_id == client_id))
    db.session.execute(sa.delete(WebhookEndpoint).where(WebhookEndpoint.client_id == client_id))
    db.session.commit()


# ---------------------------------------------------------------- Redis unreachable while a request commits


class TcpProxy:
    """Redis behind a switch: ``down()`` refuses and cuts connections, ``up()`` serves again, same port."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen()
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close() alone does not
            self._server.close()
            self._server = None
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class Receiver:
    """An institution's webhook receiver on a local port, recording each request."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(live):
    url = redis.connection.parse_url(REDIS_URL)
    switch = TcpProxy((url.get("host", "127.0.0.1"), url.get("port", 6379)))
    switch.up()
    yield switch
    switch.down()


def test_a_request_commits_while_redis_is_down_and_the_message_arrives_once_it_is_back(live, proxy):
    receiver = Receiver()
    client_id = f"fault-{uuid.uuid4().hex[:8]}"
    proxied = f"redis://127.0.0.1:{proxy.port}/{redis.connection.parse_url(REDIS_URL).get('db', 0)}"
    admin = live.person()
    identity.grant_role(Actor.system(), admin, "admin")
    db.session.commit()
    token = tokens.issue_access_token(admin, client_id="fault-test", scopes=["openid"])
    headers = {"Authorization": f"Bearer {token}"}
    http = live.app.test_client()
    try:
        with mock.patch.dict(live.app.config, {"REDIS_URL": proxied}):
            proxy.down()
            response = http.post(
                "/api/v1/staff/webhook-endpoints",
                json={"client_id": client_id, "url": receiver.url},
                headers=headers,
            )
            assert response.status_code == 201, response.get_json()  # the request does not notice
            endpoint = response.get_json()
            ping = live.message(_ping_id(endpoint["id"]))
            assert (ping.status, ping.job_seq) == ("pending", 0)
            assert live.redis.keys("rq:job:*") == []  # nothing reached Redis

            proxy.up()
            with live.worker(redis_url=proxied, NOTIFY_SWEEP_GRACE_SECONDS=2):
                wait_until(lambda: live.delivered(ping.id), what="the ping after Redis came back")
                assert live.message(ping.id).job_seq == 1  # handed over by the sweep, not the request

                second = http.post(
                    "/api/v1/staff/webhook-endpoints",
                    json={"client_id": client_id, "url": receiver.url + "/2"},
                    headers=headers,
                ).get_json()
                wait_until(lambda: live.delivered(_ping_id(second["id"])), what="a ping relayed at commit")
                assert live.message(_ping_id(second["id"])).job_seq == 0  # Redis reconnected by itself
        pings = [json.loads(body)["data"]["endpoint_id"] for _, body in receiver.received]
        assert pings == [endpoint["id"], second["id"]]
        headers_in, body = receiver.received[0]
        assert verify(endpoint["secret"], headers_in, body)
    finally:
        receiver.close()
        _purge_client(client_id)


def _ping_id(endpoint_id: str) -> uuid.UUID:
    return db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == f"webhook-ping-{endpoint_id}")
    )


# ---------------------------------------------------------------- a worker killed in the middle of a delivery


@pytest.mark.parametrize("mode", ["--fork", "--no-fork"])
def test_a_worker_killed_mid_delivery_delivers_exactly_once_after_a_new_worker_starts(live, mode):
    person = live.person()
    lock_engine = sa.create_engine(DATABASE_URL)
    first = None
    try:
        with lock_engine.connect() as locker:
            # Hold the sandbox SMS table so the worker stops inside the SMS delivery, its insert waiting.
            locker.exec_driver_sql("LOCK TABLE sandbox_sms IN SHARE ROW EXCLUSIVE MODE")
            first = live.worker(mode, NOTIFY_LEASE_SECONDS=2)
            message_id = live.dispatched(person, f"kill-{uuid.uuid4().hex[:8]}")
            blocked = wait_until(
                lambda: _backend_waiting_on(lock_engine, "sandbox_sms"), what="the worker mid-SMS"
            )
            assert live.inbox(person) == 1 and live.delivery(message_id, "sms").attempts == 1
            first.kill()
            locker.rollback()
        wait_until(
            lambda: not _backend_alive(lock_engine, blocked), what="the killed worker's connection to end"
        )
        assert live.sms(person) == 0  # its uncommitted SMS went with it
        lease_end = live.message(message_id).due_at
        wait_until(lambda: time.time() > lease_end.timestamp(), what="the dead worker's lease to end")

        with live.worker(mode, NOTIFY_LEASE_SECONDS=2):
            wait_until(lambda: live.delivered(message_id), what="delivery by the new worker")
        assert (live.inbox(person), live.sms(person)) == (1, 1)
        assert live.delivery(message_id, "sms").attempts == 2
        assert live.delivery(message_id, "inbox").attempts == 1
    finally:
        if first is not None:
            print(first.stop())
        lock_engine.dispose()


@pytest.mark.parametrize("mode", ["--fork", "--no-fork"])
def test_a_worker_killed_between_starting_a_delivery_and_claiming_it_is_relayed_after_a_lease(live, mode):
    person = live.person()
    lock_engine = sa.create_engine(DATABASE_URL)
    first = None
    try:
        with lock_engine.connect() as locker:
            with mock.patch("app.core.jobs.handover._send_to_redis"):  # committed, not yet relayed
                message_id = live.dispatched(person, f"unclaimed-{uuid.uuid4().hex[:8]}")
            assert services.sweep_outbox() == 1  # its job queued, no worker yet
            # Hold the message's row so the worker's job stops at its first statement, the claim.
            locker.exec_driver_sql(
                "SELECT 1 FROM outbox_messages WHERE id = %(id)s FOR UPDATE", {"id": message_id}
            )
            first = live.worker(mode, "notifications")
            blocked = wait_until(
                lambda: _backend_waiting_on(lock_engine, "outbox_messages", "update"),
                what="the job at its claim",
            )
            first.kill()
            locker.rollback()
        wait_until(
            lambda: not _backend_alive(lock_engine, blocked), what="the killed worker's connection to end"
        )
        job_id = live.message(message_id).job_id
        assert jobs.job_status(job_id) == "started"  # as RQ will say for a minute or more
        assert live.message(message_id).status == "pending"  # never claimed

        with mock.patch.dict(live.app.config, {"NOTIFY_LEASE_SECONDS": 60}):
            assert services.sweep_outbox() == 0, "started within a lease: taken to be alive"
        with mock.patch.dict(live.app.config, {"NOTIFY_LEASE_SECONDS": 2}):
            wait_until(lambda: _started_more_than(live, job_id, 2), what="a lease since the job started")
            live.redis.delete(f"{outbox.HAND_OVER_PREFIX}{message_id}")  # as after HAND_OVER_SECONDS
            assert services.sweep_outbox() == 1, "started a lease ago and never claimed: relayed"
        assert live.message(message_id).job_id != job_id
        with live.worker(mode, "notifications"):
            wait_until(lambda: live.delivered(message_id), what="delivery by the new worker")
        assert (live.inbox(person), live.sms(person)) == (1, 1)
    finally:
        if first is not None:
            print(first.stop())
        lock_engine.dispose()


def _started_more_than(live, job_id: str, seconds: float) -> bool:
    job = Job.fetch(job_id, connection=live.redis, serializer=JSONSerializer)
    return time.time() - job.started_at.replace(tzinfo=UTC).timestamp() > seconds


def _backend_waiting_on(engine, table: str, verb: str = "insert into") -> int | None:
    with engine.connect() as conn:  # a fresh transaction: pg_stat_activity is a snapshot per transaction
        return conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %(pattern)s",
            {"pattern": f"%{verb} {table}%"},
        ).scalar()


def _backend_alive(engine, pid: int) -> bool:
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %(pid)s", {"pid": pid}
        ).scalar()


# ---------------------------------------------------------------- relays run twice, or two at once


def test_relays_run_twice_or_at_once_deliver_each_message_once(live):
    people = [live.person() for _ in range(4)]
    with mock.patch("app.core.jobs.handover._send_to_redis"):  # committed, never relayed (the process died)
        messages = [live.dispatched(p, f"twice-{uuid.uuid4().hex[:8]}-{n}") for n in range(5) for p in people]

    barrier = threading.Barrier(2)
    handed: list[int] = []

    def sweep():
        with live.app.app_context():
            barrier.wait()
            handed.append(services.sweep_outbox())

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(handed) == len(messages)  # two sweeps at once: each message claimed by one of them
    assert services.sweep_outbox() == 0  # a sweep run again queues nothing: the jobs are queued
    queue = Queue(jobs.NOTIFICATIONS, connection=live.redis, serializer=JSONSerializer)
    assert sorted(queue.job_ids) == sorted(f"notify-{m}-1" for m in messages)

    for message_id in messages:  # and a second relay of every message, under another job id
        jobs.enqueue("app.notifications.jobs.deliver_message", message_id, queue=jobs.NOTIFICATIONS)
    db.session.commit()
    assert queue.count == 2 * len(messages)

    with live.worker("notifications"), live.worker("notifications"):
        wait_until(lambda: all(live.delivered(m) for m in messages), what="every message")
    assert [(live.inbox(p), live.sms(p)) for p in people] == [(5, 5)] * len(people)
    assert {live.message(m).attempts for m in messages} == {1}


def test_a_sweep_between_another_sweeps_commit_and_its_jobs_reaching_redis_relays_nothing(live):
    person = live.person()
    with mock.patch("app.core.jobs.handover._send_to_redis"):  # committed, never relayed
        message_id = live.dispatched(person, f"window-{uuid.uuid4().hex[:8]}")
        assert services.sweep_outbox() == 1  # relayed and committed; its job is still on its way
    assert services.sweep_outbox() == 0, "the first sweep's hand-over is under way: no second job"
    live.redis.delete(f"{outbox.HAND_OVER_PREFIX}{message_id}")  # as after HAND_OVER_SECONDS
    assert services.sweep_outbox() == 1, "a hand-over that never arrived is swept again"


# ---------------------------------------------------------------- a failing channel


def test_a_failing_channel_is_retried_with_backoff_and_the_failure_is_on_record(live):
    person = live.person()
    settings = {"SMS_SANDBOX_FAILING": person.phone, "NOTIFY_MAX_ATTEMPTS": 3, "NOTIFY_RETRY_BACKOFF": "1,1"}
    same_here = {"NOTIFY_MAX_ATTEMPTS": 3, "NOTIFY_RETRY_BACKOFF": (1, 1)}  # the relay sets RQ's retries
    with mock.patch.dict(live.app.config, same_here), live.worker(**settings):
        message_id = live.dispatched(person, f"fail-{uuid.uuid4().hex[:8]}")
        wait_until(lambda: live.message(message_id).status == "failed", what="the message to be given up")
    sms = live.delivery(message_id, "sms")
    assert (sms.status, sms.attempts) == ("failed", 3)
    assert sms.error == f"sms provider: sandbox provider refused {person.phone}"
    inbox = live.delivery(message_id, "inbox")
    assert (inbox.status, inbox.attempts, live.inbox(person)) == ("delivered", 1, 1)
    message = live.message(message_id)
    assert message.attempts == 3 and "sandbox provider refused" in message.last_error

    failed = FailedJobRegistry(
        queue=Queue(jobs.NOTIFICATIONS, connection=live.redis, serializer=JSONSerializer)
    )
    assert failed.get_job_ids() == [f"notify-{message_id}-0"]
    job = Job.fetch(f"notify-{message_id}-0", connection=live.redis, serializer=JSONSerializer)
    assert job.retries_left == 0
    assert "DeliveryFailed: gave up after 3 attempts" in job.latest_result().exc_string
