"""Signed webhooks to institutional clients, verified the way docs/webhooks.md tells receivers to."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest

from app.extensions import db as _db
from app.notifications import services
from app.notifications.models import Delivery, OutboxMessage
from tests.notifications.conftest import DAYTIME

ENDPOINTS = "/api/v1/staff/webhook-endpoints"


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/webhooks.md gives it."""
    timestamp = headers["Yimatong-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(expected, part.strip()) for part in headers["Yimatong-Signature"].split(",")
    )


@pytest.fixture
def admin(make_person):
    return make_person("admin", name="管理员")


@pytest.fixture
def endpoint(client, admin, auth, webhook_receiver):
    """The water utility's endpoint, registered through the staff API; returns its JSON (with the secret)."""
    response = client.post(
        ENDPOINTS,
        json={
            "client_id": "water-utility",
            "url": "https://hooks.water.example/yimatong",
            "events": ["bill.paid"],
        },
        headers=auth(admin),
    )
    assert response.status_code == 201, response.get_json()
    assert [r.headers["Yimatong-Event"] for r in webhook_receiver.requests] == ["ping"]
    webhook_receiver.requests.clear()
    return response.get_json()


def _deliveries(message) -> list[Delivery]:
    _db.session.expire_all()
    return list(_db.session.scalars(_db.select(Delivery).where(Delivery.message_id == message.id)))


def _paid(key="test:paid:1"):
    return services.notify_client(
        "water-utility", "bill.paid", {"bill_id": "B-1", "amount_fen": 12345}, dedupe_key=key
    )


def test_an_event_reaches_the_client_signed(db, endpoint, webhook_receiver):
    message = _paid()
    db.session.commit()
    (request,) = webhook_receiver.requests
    assert str(request.url) == "https://hooks.water.example/yimatong"
    assert request.headers["Yimatong-Event"] == "bill.paid"
    assert request.headers["Yimatong-Delivery"] == str(message.id)
    assert verify(endpoint["secret"], request.headers, request.content)
    document = json.loads(request.content)
    assert document["event"] == "bill.paid" and document["id"] == str(message.id)
    assert document["data"] == {"bill_id": "B-1", "amount_fen": 12345}
    (delivery,) = _deliveries(message)
    assert (delivery.channel, delivery.target, delivery.status) == ("webhook", endpoint["id"], "delivered")


def test_a_new_endpoint_gets_a_signed_ping_and_no_other_endpoint_does(
    client, db, admin, auth, webhook_receiver
):
    def register(url):
        response = client.post(
            ENDPOINTS, json={"client_id": "water-utility", "url": url}, headers=auth(admin)
        )
        return response.get_json()

    first = register("https://hooks.water.example/a")
    second = register("https://hooks.water.example/b")
    assert [str(r.url) for r in webhook_receiver.requests] == [first["url"], second["url"]]
    ping = webhook_receiver.requests[1]
    assert verify(second["secret"], ping.headers, ping.content)
    assert json.loads(ping.content)["data"] == {"endpoint_id": second["id"], "url": second["url"]}


def test_a_forged_or_stale_request_does_not_verify(db, endpoint, webhook_receiver):
    _paid()
    db.session.commit()
    (request,) = webhook_receiver.requests
    assert not verify(endpoint["secret"], request.headers, request.content.replace(b"12345", b"1"))
    assert not verify("whsec_someone-else", request.headers, request.content)
    assert not verify(endpoint["secret"], request.headers, request.content, tolerance=-1)


def test_a_failing_receiver_is_retried_with_the_same_delivery_id(app, db, endpoint, webhook_receiver, clock):
    webhook_receiver.statuses = [503]
    message = _paid()
    db.session.commit()
    (first,) = _deliveries(message)
    assert (first.status, first.attempts, first.error) == ("pending", 1, "webhook: HTTP 503")
    clock.return_value = DAYTIME + timedelta(hours=1)
    assert services.sweep_outbox(now=clock.return_value) == 1
    (second,) = _deliveries(message)
    assert (second.status, second.attempts) == ("delivered", 2)
    ids = {r.headers["Yimatong-Delivery"] for r in webhook_receiver.requests}
    assert ids == {str(message.id)} and len(webhook_receiver.requests) == 2
    assert all(verify(endpoint["secret"], r.headers, r.content) for r in webhook_receiver.requests)


def test_a_gone_endpoint_is_not_retried(db, endpoint, webhook_receiver):
    webhook_receiver.statuses = [410]
    message = _paid()
    db.session.commit()
    (delivery,) = _deliveries(message)
    assert (delivery.status, delivery.error) == ("failed", "webhook: HTTP 410")
    assert _db.session.get(OutboxMessage, message.id).status == "failed"


def test_endpoints_receive_only_their_events(client, db, admin, auth, endpoint, webhook_receiver):
    everything = client.post(
        ENDPOINTS,
        json={"client_id": "water-utility", "url": "https://audit.water.example/all"},
        headers=auth(admin),
    ).get_json()
    webhook_receiver.requests.clear()  # its ping
    services.notify_client("water-utility", "bill.overdue", {"bill_id": "B-2"}, dedupe_key="test:overdue")
    db.session.commit()
    assert [str(r.url) for r in webhook_receiver.requests] == [everything["url"]]


def test_a_client_without_endpoints_is_recorded_as_skipped(db, webhook_receiver):
    message = services.notify_client("hospital-7", "appointment.booked", {"id": "x"}, dedupe_key="test:none")
    db.session.commit()
    (delivery,) = _deliveries(message)
    assert delivery.status == "skipped" and "no active webhook endpoint" in delivery.error
    assert webhook_receiver.requests == []


def test_a_deactivated_endpoint_gets_nothing_more(client, db, admin, auth, endpoint, webhook_receiver):
    deleted = client.delete(f"{ENDPOINTS}/{endpoint['id']}", headers=auth(admin))
    assert deleted.status_code == 200 and deleted.get_json()["active"] is False
    _paid()
    db.session.commit()
    assert webhook_receiver.requests == []


def test_endpoint_secrets_are_shown_once_and_only_to_administrators(client, admin, resident, auth, endpoint):
    assert endpoint["secret"].startswith("whsec_")
    listed = client.get(f"{ENDPOINTS}?client_id=water-utility", headers=auth(admin)).get_json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    assert "secret" not in listed["items"][0]
    assert client.get(ENDPOINTS, headers=auth(resident)).status_code == 403
    created = client.post(
        ENDPOINTS, json={"client_id": "x", "url": "https://x.example"}, headers=auth(resident)
    )
    assert created.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "x", "url": "ftp://files.example/hook"},
        {"client_id": "x", "url": "not a url"},
        {"client_id": "x", "url": "https://x.example", "events": ["Bill Paid!"]},
        {"client_id": "", "url": "https://x.example"},
        {"client_id": "x", "url": "https://x.example", "secret": "mine"},
    ],
)
def test_bad_endpoints_are_refused(client, admin, auth, body, webhook_receiver):
    response = client.post(ENDPOINTS, json=body, headers=auth(admin))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_production_accepts_only_https(app, client, admin, auth, webhook_receiver):
    from unittest import mock

    with mock.patch.dict(app.config, {"WEBHOOK_REQUIRE_HTTPS": True}):
        plain = client.post(
            ENDPOINTS, json={"client_id": "x", "url": "http://x.example"}, headers=auth(admin)
        )
    assert plain.status_code == 422


def test_event_names_are_checked_in_the_caller(db):
    with pytest.raises(ValueError, match="webhook events"):
        services.notify_client("x", "Bill Paid", {}, dedupe_key="test:bad-event")
