"""A rejected (or undecided) appeal of a traffic violation goes on to 12345, to the traffic police, once."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.city.demo import seed_city
from app.complaints.demo import seed_complaints
from app.core import clock
from app.core.calendar import SHANGHAI
from tests.parking import helpers

APPEALS = "/api/v1/violations/appeals"


@pytest.fixture
def routed_city(db):
    """The demo city's departments, the 12345 categories and routing rules."""
    seed_city()
    seed_complaints()


def _appeal(client, auth, person, violation_id):
    body = {
        "violation_id": str(violation_id),
        "kind": "not_my_vehicle",
        "description": "那天车停在小区车库，照片里的车是套牌车",
        "evidence": ["upload://garage-cctv-1128.mp4"],
    }
    response = client.post(APPEALS, headers=auth(person), json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _decide(client, appeal_id, decision, answer="经核查，车辆特征与您的车辆一致。"):
    police = helpers.client_token(client, helpers.POLICE)
    body = {"decision": decision, "answer": answer, "reviewer": "警号 012345"}
    return client.post(f"/api/v1/police/appeals/{appeal_id}/decide", headers=police, json=body)


def test_a_rejected_appeal_goes_to_the_traffic_police_through_12345_with_the_violation_attached(
    client, auth, make_person, routed_city, resident, other_resident, police_headers
):
    helpers.bind(resident)
    violation = helpers.file()
    appeal = _appeal(client, auth, resident, violation.id)
    escalate = f"{APPEALS}/{appeal['id']}/escalate"
    early = client.post(escalate, headers=auth(resident), json={})
    assert (early.status_code, early.get_json()["code"]) == (409, "dispute-not-escalatable")
    assert _decide(client, appeal["id"], "rejected").status_code == 200
    seen = client.get(f"{APPEALS}/{appeal['id']}", headers=auth(resident)).get_json()
    assert seen["may_escalate"] is True and seen["complaint_tracking_number"] is None

    assert client.post(escalate, headers=auth(other_resident), json={}).status_code == 404
    escalated = client.post(escalate, headers=auth(resident), json={"note": "请交警复核卡口照片"})
    assert escalated.status_code == 200, escalated.get_json()
    body = escalated.get_json()
    assert body["status"] == "escalated" and body["complaint_tracking_number"].startswith("12345-")
    assert body["may_escalate"] is False
    again = client.post(escalate, headers=auth(resident), json={})
    assert (again.status_code, again.get_json()["code"]) == (409, "dispute-not-escalatable")

    (complaint,) = client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"]
    assert complaint["tracking_number"] == body["complaint_tracking_number"]
    assert complaint["category"]["code"] == "0404" and complaint["status"] == "dispatched"
    assert complaint["description"] == "那天车停在小区车库，照片里的车是套牌车\n请交警复核卡口照片"
    police_handler = make_person("department_handler", department="city-traffic-police", name="交警承办人")
    staff_view = client.get(f"/api/v1/staff/complaints/{complaint['id']}", headers=auth(police_handler))
    assert staff_view.status_code == 200, staff_view.get_json()
    attached = staff_view.get_json()["attachment"]
    assert attached["reference"] == f"traffic_violation_dispute:{appeal['id']}"
    facts = {fact["label"]: fact["value"] for fact in attached["facts"]}
    assert facts["违法编号"] == violation.reference and facts["车牌"] == "贵A12345"
    assert facts["交警答复"] == "经核查，车辆特征与您的车辆一致。"
    assert client.get("/api/v1/complaints", headers=auth(other_resident)).get_json()["items"] == []


def test_an_appeal_undecided_past_its_deadline_may_go_to_12345_and_the_police_may_still_decide(
    client, auth, routed_city, resident, police_headers
):
    helpers.bind(resident)
    appeal = _appeal(client, auth, resident, helpers.file().id)
    with clock.frozen(datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)):  # past the fifth working day
        escalated = client.post(f"{APPEALS}/{appeal['id']}/escalate", headers=auth(resident), json={})
        assert escalated.status_code == 200, escalated.get_json()
        assert escalated.get_json()["status"] == "escalated"
        decided = _decide(client, appeal["id"], "accepted", answer="核实为套牌车，撤销处罚。")
        assert decided.status_code == 200, decided.get_json()
        assert decided.get_json()["status"] == "accepted"
        shown = client.get(f"{APPEALS}/{appeal['id']}", headers=auth(resident)).get_json()
    assert shown["complaint_tracking_number"] == escalated.get_json()["complaint_tracking_number"]
    assert shown["may_escalate"] is False
