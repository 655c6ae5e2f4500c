"""A rejected fare dispute goes on to 12345 with the trip attached, routed to the transport bureau, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.city.demo import seed_city
from app.complaints.demo import seed_complaints
from app.core import clock
from app.payments import sandbox
from app.transit import services
from tests.transit import helpers

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
LATER = MORNING + timedelta(days=1, hours=2)


@pytest.fixture
def routed_city(db):
    """The demo city's departments, the 12345 categories and routing rules."""
    seed_city()
    seed_complaints()


def _paid_trip_without_exit(client, scanner, resident, auth) -> dict:
    with clock.frozen(MORNING):
        body = {
            "gate": "M1-DGG-IN",
            "tap_id": helpers.tap_id(),
            "kind": "entry",
            "code": helpers.code_for(resident),
        }
        assert client.post(helpers.TAPS, json=body, headers=scanner()).status_code == 200
    with clock.frozen(MORNING + timedelta(days=1)):
        services.settle_days()
        sandbox.run(MORNING + timedelta(days=1))
    with clock.frozen(LATER):
        (trip,) = client.get("/api/v1/transit/trips", headers=auth(resident)).get_json()["items"]
    assert trip["payment_state"] == "paid"
    return trip


def test_a_rejected_fare_dispute_goes_to_12345_with_the_trip_attached(
    client, scanner, auth, make_person, routed_city, resident, other_resident
):
    trip = _paid_trip_without_exit(client, scanner, resident, auth)
    with clock.frozen(LATER):
        body = {"kind": "missing_tap", "description": "出站闸机坏了，工作人员放行", "exit_station": "BJL"}
        dispute = client.post(
            f"/api/v1/transit/trips/{trip['id']}/dispute", json=body, headers=auth(resident)
        )
        dispute = dispute.get_json()
        escalate = f"/api/v1/transit/disputes/{dispute['id']}/escalate"
        early = client.post(escalate, json={}, headers=auth(resident))
        assert (early.status_code, early.get_json()["code"]) == (409, "dispute-not-escalatable")
        clearing = helpers.institution(client, helpers.CLEARING, "transit_clearing")
        decision = {"accepted": False, "answer": "未查到出站记录，按规则收取最高票价。"}
        url = f"/api/v1/transit/clearing/disputes/{dispute['id']}/decision"
        assert client.post(url, json=decision, headers=clearing).status_code == 200
        seen = client.get(f"/api/v1/transit/disputes/{dispute['id']}", headers=auth(resident)).get_json()
        assert seen["may_escalate"] is True and seen["kind_label"] == "漏刷卡（按最高票价扣费）"

        assert client.post(escalate, json={}, headers=auth(other_resident)).status_code == 404
        escalated = client.post(escalate, json={"note": "请调取北京路站监控"}, headers=auth(resident))
        assert escalated.status_code == 200, escalated.get_json()
        body = escalated.get_json()
        again = client.post(escalate, json={}, headers=auth(resident))
        (complaint,) = client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"]
        transport = make_person("department_handler", department="city-transport", name="交通局承办人")
        staff_view = client.get(f"/api/v1/staff/complaints/{complaint['id']}", headers=auth(transport))
        redecided = client.post(url, json=decision, headers=clearing)
    assert body["status"] == "escalated" and body["may_escalate"] is False
    assert body["complaint_tracking_number"] == complaint["tracking_number"]
    assert (again.status_code, again.get_json()["code"]) == (409, "dispute-not-escalatable")
    assert complaint["category"]["code"] == "0405" and complaint["status"] == "dispatched"
    assert complaint["description"] == "出站闸机坏了，工作人员放行\n请调取北京路站监控"
    assert staff_view.status_code == 200, staff_view.get_json()
    attached = staff_view.get_json()["attachment"]
    assert attached["reference"] == f"transit_fare_dispute:{dispute['id']}"
    facts = {fact["label"]: fact["value"] for fact in attached["facts"]}
    assert facts["票价"] == "¥10.00" and facts["清分中心答复"] == decision["answer"]
    assert facts["乘客所称出站站点"] == "BJL"
    assert redecided.status_code == 409  # the clearing house decided once; 12345 takes it from here
