"""Device platforms: a press or a fall by event id (a retry is the same alert), only their own devices."""

from __future__ import annotations

import base64

from app.identity import clients
from tests.eldercare import helpers
from tests.eldercare.helpers import called

EVENTS = "/api/v1/eldercare/device-events"


def platform(client, client_id: str = "test-care-platform") -> dict:
    if clients.client_by_id(client_id) is None:
        clients.register_client("care_device", client_id, client_id=client_id, secret=f"{client_id}-secret")
    basic = base64.b64encode(f"{client_id}:{client_id}-secret".encode()).decode()
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    ).get_json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def with_button(client, auth, family, serial="SOS-7"):
    headers = platform(client)
    client.post(
        "/api/v1/eldercare/devices",
        json={"serial": serial, "platform": "test-care-platform"},
        headers=auth(family["elder"]),
    )
    return headers


def test_a_device_retrying_its_press_raises_one_alert(client, auth, family):
    headers = with_button(client, auth, family)
    press = {"event_id": "evt-1", "serial": "SOS-7", "kind": "sos"}
    first = client.post(EVENTS, json=press, headers=headers)
    assert first.status_code == 200, first.get_json()
    retry = client.post(EVENTS, json=press, headers=headers)
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert (first.get_json()["source"], first.get_json()["kind"]) == ("device", "sos")
    assert len(called(first.get_json()["id"])) == 2  # the guardian and the worker, once each

    fall = client.post(EVENTS, json={"event_id": "evt-2", "serial": "SOS-7", "kind": "fall"}, headers=headers)
    assert fall.get_json()["id"] != first.get_json()["id"] and fall.get_json()["kind_label"] == "检测到跌倒"
    mine = client.get("/api/v1/eldercare/alerts?active=true", headers=auth(family["elder"])).get_json()
    assert len(mine["items"]) == 2


def test_a_platform_reports_only_devices_registered_under_it(client, auth, family):
    with_button(client, auth, family)
    other = platform(client, "other-platform")
    refused = client.post(EVENTS, json={"event_id": "e", "serial": "SOS-7", "kind": "sos"}, headers=other)
    assert refused.status_code == 404 and refused.get_json()["code"] == "unknown-care-device"
    resident = client.post(
        EVENTS, json={"event_id": "e", "serial": "SOS-7", "kind": "sos"}, headers=auth(family["elder"])
    )
    assert resident.status_code == 403
    assert called() == []


def test_bad_events_are_refused(client, auth, family):
    headers = with_button(client, auth, family)
    for bad in (
        {"event_id": "", "serial": "SOS-7", "kind": "sos"},
        {"event_id": "e", "serial": "SOS-7", "kind": "smoke"},
    ):
        assert client.post(EVENTS, json=bad, headers=headers).status_code == 422
    assert helpers.called() == []
