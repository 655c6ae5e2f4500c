"""Appeals of traffic violations: the driver gives reasons, the police decide, the driver is told."""

from __future__ import annotations

from datetime import date, datetime

from app.core import clock
from app.core.calendar import SHANGHAI
from app.notifications.models import OutboxMessage
from tests.parking import helpers

APPEALS = "/api/v1/violations/appeals"


def _appeal(client, auth, person, violation_id, **extra):
    body = {
        "violation_id": str(violation_id),
        "kind": "not_my_vehicle",
        "description": "那天车停在小区车库，照片里的车是套牌车",
        "evidence": ["upload://garage-cctv-1128.mp4", "upload://my-car-front.jpg"],
        **extra,
    }
    return client.post(APPEALS, headers=auth(person, **{"Accept-Language": "zh-CN"}), json=body)


def _sent(db, template):
    return [m for m in db.session.scalars(db.select(OutboxMessage)) if m.template == template]


def test_an_appeal_stops_payment_and_a_rejection_gives_fifteen_days(
    client, db, auth, resident, other_resident, police_headers
):
    helpers.bind(resident)
    violation = helpers.file()
    raised = _appeal(client, auth, resident, violation.id)
    assert raised.status_code == 201, raised.get_json()
    appeal = raised.get_json()
    assert (appeal["status"], appeal["kind_label"]) == ("open", "不是我的车（号牌识别错误或套牌）")
    assert appeal["evidence"] == ["upload://garage-cctv-1128.mp4", "upload://my-car-front.jpg"]
    assert appeal["answer_due_at"].startswith("2026-12-09")  # five working days after Tuesday 1 December
    seen = client.get(f"/api/v1/violations/{violation.id}", headers=auth(resident)).get_json()
    assert seen["status"] == "disputed" and seen["late_fee"]["amount_fen"] == 0
    paying = client.post(
        "/api/v1/violations/payments",
        headers=auth(resident, **{"Idempotency-Key": "during-appeal"}),
        json={"violation_id": str(violation.id)},
    )
    assert (paying.status_code, paying.get_json()["code"]) == (409, "violation-under-review")
    again = _appeal(client, auth, resident, violation.id)
    assert (again.status_code, again.get_json()["code"]) == (409, "appeal-closed")
    assert _appeal(client, auth, other_resident, violation.id).status_code == 404
    assert client.get(f"{APPEALS}/{appeal['id']}", headers=auth(other_resident)).status_code == 404
    assert client.get(APPEALS, headers=auth(other_resident)).get_json()["items"] == []
    (hook,) = _sent(db, "violations.appeal_raised")
    assert hook.client_id == helpers.POLICE and hook.params["reference"] == violation.reference

    queue = client.get("/api/v1/police/appeals?status=open", headers=police_headers).get_json()["items"]
    assert [(a["id"], a["reference"], a["plate"]) for a in queue] == [
        (appeal["id"], violation.reference, "贵A12345")
    ]
    with clock.frozen(datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)):  # past the first fifteen days
        police = helpers.client_token(client, helpers.POLICE)
        decided = client.post(
            f"/api/v1/police/appeals/{appeal['id']}/decide",
            headers=police,
            json={
                "decision": "rejected",
                "answer": "经核查，车辆特征与您的车辆一致。",
                "reviewer": "警号 012345",
            },
        )
        assert decided.status_code == 200, decided.get_json()
        assert (decided.get_json()["status"], decided.get_json()["reviewer"]) == ("rejected", "警号 012345")
        twice = client.post(
            f"/api/v1/police/appeals/{appeal['id']}/decide",
            headers=police,
            json={"decision": "accepted", "answer": "再议"},
        )
        assert (twice.status_code, twice.get_json()["code"]) == (409, "appeal-closed")
        shown = client.get(f"/api/v1/violations/{violation.id}", headers=auth(resident)).get_json()
        assert shown["status"] == "unpaid"
        assert shown["last_free_day"] == "2027-01-04"  # fifteen days from the decision, no late fee yet
        assert shown["amount_due"]["amount_fen"] == 20_000
        mine = client.get(f"{APPEALS}/{appeal['id']}", headers=auth(resident)).get_json()
        assert mine["answer"] == "经核查，车辆特征与您的车辆一致。"
    (told,) = _sent(db, "violation_appeal_decided")
    assert told.recipient_id == resident.id
    assert "2027" in str(told.params["outcome"])  # the new last day without a late fee


def test_an_accepted_appeal_withdraws_the_violation(client, db, auth, resident, police_headers):
    helpers.bind(resident)
    violation = helpers.file()
    appeal = _appeal(client, auth, resident, violation.id, kind="justified", evidence=[]).get_json()
    other_police = "other-traffic-police"
    helpers.register_client(other_police, "traffic_police")
    stranger = helpers.client_token(client, other_police)
    assert client.get("/api/v1/police/appeals", headers=stranger).get_json()["items"] == []
    blocked = client.post(
        f"/api/v1/police/appeals/{appeal['id']}/decide",
        headers=stranger,
        json={"decision": "accepted", "answer": "x"},
    )
    assert blocked.status_code == 404
    resident_decides = client.post(
        f"/api/v1/police/appeals/{appeal['id']}/decide",
        headers=auth(resident),
        json={"decision": "accepted", "answer": "x"},
    )
    assert resident_decides.status_code == 403
    decided = client.post(
        f"/api/v1/police/appeals/{appeal['id']}/decide",
        headers=police_headers,
        json={"decision": "accepted", "answer": "为救助伤员紧急避让，予以撤销。"},
    )
    assert decided.status_code == 200, decided.get_json()
    shown = client.get(f"/api/v1/violations/{violation.id}", headers=auth(resident)).get_json()
    assert (shown["status"], shown["amount_due"]["amount_fen"]) == ("withdrawn", 0)
    (told,) = _sent(db, "violation_appeal_decided")
    assert told.params["answer"] == "为救助伤员紧急避让，予以撤销。"


def test_only_an_unpaid_violation_is_appealed(client, db, auth, resident, police_headers):
    helpers.bind(resident)
    violation = helpers.file()
    client.post(f"/api/v1/police/violations/{violation.reference}/withdraw", headers=police_headers)
    late = _appeal(client, auth, resident, violation.id)
    assert (late.status_code, late.get_json()["code"]) == (409, "appeal-closed")
    bad = _appeal(client, auth, resident, violation.id, kind="no_reason")
    assert bad.status_code == 422
    assert date(2026, 12, 1) == clock.utcnow().astimezone(SHANGHAI).date()
