"""The whole 12345 story over HTTP, as residents and staff live it."""

import io
import uuid
from datetime import timedelta
from unittest import mock

from app.complaints import services
from app.complaints.models import Complaint
from app.core.models import utcnow


def staff_view(client, auth, person, complaint_id):
    response = client.get(f"/api/v1/staff/complaints/{complaint_id}", headers=auth(person))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def step(client, auth, person, complaint_id, name, **body):
    return client.post(f"/api/v1/staff/complaints/{complaint_id}/{name}", json=body, headers=auth(person))


def test_report_routed_accepted_resolved_rated(client, auth, city, staff, resident, report):
    mine = report(resident)
    assert mine["status"] == "dispatched"
    assert mine["department"] == "市城市管理局"
    assert mine["deadline"]["kind"] == "feedback" and not mine["deadline"]["overdue"]
    assert [e["kind"] for e in mine["timeline"]] == ["submitted", "dispatched"]
    assert all("internal_note" not in e for e in mine["timeline"])

    seen = staff_view(client, auth, staff["handler"], mine["id"])
    assert seen["routing_reason"].startswith("规则 ") and seen["routing_reason"].endswith("→ 市城市管理局")
    routed = next(e for e in seen["timeline"] if e["kind"] == "dispatched")
    assert routed["system_note"] == seen["routing_reason"] and routed["internal_note"] == ""
    english = client.get(
        f"/api/v1/staff/complaints/{mine['id']}", headers=auth(staff["handler"], **{"Accept-Language": "en"})
    ).get_json()
    assert english["routing_reason"].startswith("Rule ")
    assert english["routing_reason"].endswith("→ Municipal Urban Management Bureau")
    assert seen["reporter"] is None  # the resident did not allow the department to see them

    version = seen["version"]
    accepted = step(client, auth, staff["handler"], mine["id"], "accept", version=version)
    assert accepted.status_code == 200
    resolved = step(
        client,
        auth,
        staff["handler"],
        mine["id"],
        "resolve",
        version=accepted.get_json()["version"],
        reply="已更换灯泡，路灯恢复照明。",
    )
    assert resolved.get_json()["status"] == "resolved"

    after = client.get(f"/api/v1/complaints/{mine['id']}", headers=auth(resident)).get_json()
    assert after["reply"] == "已更换灯泡，路灯恢复照明。"
    rated = client.post(f"/api/v1/complaints/{mine['id']}/rating", json={"rating": 5}, headers=auth(resident))
    assert rated.get_json()["status"] == "closed"


def test_unsatisfied_rating_reopens_for_rework(client, auth, city, staff, resident, report):
    mine = report(resident)
    version = staff_view(client, auth, staff["handler"], mine["id"])["version"]
    version = step(client, auth, staff["handler"], mine["id"], "accept", version=version).get_json()[
        "version"
    ]
    step(client, auth, staff["handler"], mine["id"], "resolve", version=version, reply="已处理")
    reopened = client.post(
        f"/api/v1/complaints/{mine['id']}/rating",
        json={"rating": 1, "comment": "灯还是不亮"},
        headers=auth(resident),
    ).get_json()
    assert reopened["status"] == "in_progress"
    assert reopened["timeline"][-1]["kind"] == "reopened"
    assert reopened["deadline"]["kind"] == "feedback"
    assert staff_view(client, auth, staff["handler"], mine["id"])["reopen_count"] == 1


def test_no_rule_goes_to_dispatchers_then_sent_back_and_reassigned(
    client, auth, city, staff, resident, report
):
    mine = report(resident, category="99", description="小区里有人遛狗不牵绳很危险")
    assert mine["status"] == "submitted"
    queue = client.get(
        "/api/v1/staff/complaints?status=submitted", headers=auth(staff["dispatcher"])
    ).get_json()
    assert mine["id"] in [c["id"] for c in queue["items"]]

    version = staff_view(client, auth, staff["dispatcher"], mine["id"])["version"]
    dispatched = step(
        client,
        auth,
        staff["dispatcher"],
        mine["id"],
        "dispatch",
        version=version,
        department_code="city-urban-management",
    )
    assert dispatched.status_code == 200
    back = step(
        client,
        auth,
        staff["handler"],
        mine["id"],
        "send-back",
        version=dispatched.get_json()["version"],
        reason="不属于城管职责，建议转公安",
    )
    assert back.get_json()["status"] == "submitted"
    assert back.get_json()["timeline"][-1]["internal_note"] == "不属于城管职责，建议转公安"
    resident_view = client.get(f"/api/v1/complaints/{mine['id']}", headers=auth(resident)).get_json()
    assert "不属于城管职责" not in str(resident_view)

    # the handler no longer sees it; the district's default department gets it
    assert (
        client.get(f"/api/v1/staff/complaints/{mine['id']}", headers=auth(staff["handler"])).status_code
        == 404
    )
    moved = step(
        client,
        auth,
        staff["dispatcher"],
        mine["id"],
        "dispatch-to-district",
        version=back.get_json()["version"],
    )
    assert moved.status_code == 200
    assert resident_view["status"] == "submitted"
    assert client.get(f"/api/v1/complaints/{mine['id']}", headers=auth(resident)).get_json()[
        "department"
    ] == ("南明区人民政府办公室")


def test_two_dispatchers_at_once_one_wins(client, auth, city, staff, resident, report):
    mine = report(resident, category="99", description="情况复杂需要派单员判断")
    version = staff_view(client, auth, staff["dispatcher"], mine["id"])["version"]
    first = step(
        client,
        auth,
        staff["dispatcher"],
        mine["id"],
        "dispatch",
        version=version,
        department_code="city-water",
    )
    second = step(
        client,
        auth,
        staff["dispatcher2"],
        mine["id"],
        "dispatch",
        version=version,
        department_code="city-gas",
    )
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.get_json()["code"] == "stale-version"


def test_handler_sees_reporter_only_when_allowed_and_reads_are_audited(
    client, auth, city, staff, resident, report
):
    mine = report(resident, identity_visible=True)
    seen = staff_view(client, auth, staff["handler"], mine["id"])
    assert seen["reporter"]["phone"] == resident.phone
    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert log[0]["resource"] == "complaint.reporter"
    # another department's handler cannot see the complaint at all
    assert (
        client.get(f"/api/v1/staff/complaints/{mine['id']}", headers=auth(staff["env_handler"])).status_code
        == 404
    )


def test_agent_records_a_call_linked_to_the_caller(client, auth, city, staff, resident):
    response = client.post(
        "/api/v1/staff/complaints",
        json={
            "caller_phone": resident.phone,
            "category": "0301",
            "description": "新华路小区停水一整天了",
            "address": "南明区新华路街道",
        },
        headers=auth(staff["agent"]),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["channel"] == "hotline" and body["status"] == "dispatched"
    assert body["sla_class"] == "utility"
    mine = client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"]
    assert [c["id"] for c in mine] == [body["id"]]


def test_duplicates_are_flagged_and_merged_and_both_reporters_follow(
    client, auth, city, staff, resident, other_resident, report
):
    first = report(resident)
    second = report(
        other_resident,
        description="花果园小区东门的路灯坏了，晚上很黑",
        location={"lat": 26.5565, "lng": 106.6910},
    )
    seen = staff_view(client, auth, staff["dispatcher"], second["id"])
    assert seen["duplicate_candidate_ids"] == [first["id"]]
    merged = step(
        client, auth, staff["dispatcher"], second["id"], "merge", version=seen["version"], into_id=first["id"]
    )
    assert merged.status_code == 200
    followed = client.get("/api/v1/complaints", headers=auth(other_resident)).get_json()["items"]
    assert {c["id"] for c in followed} == {first["id"], second["id"]}
    assert client.get(f"/api/v1/complaints/{first['id']}", headers=auth(other_resident)).status_code == 200


def test_unrelated_or_far_complaints_are_not_duplicates(
    client, auth, city, staff, resident, other_resident, report
):
    report(resident)
    far = report(other_resident, location={"lat": 26.5700, "lng": 106.6906})
    other_text = report(other_resident, description="路口红绿灯一直闪黄灯，车辆乱行")
    for complaint in (far, other_text):
        assert staff_view(client, auth, staff["dispatcher"], complaint["id"])["duplicate_candidate_ids"] == []


def test_rules_changed_by_a_supervisor_apply_to_the_next_complaint(
    client, auth, city, staff, resident, report
):
    rule = client.post(
        "/api/v1/staff/routing-rules",
        json={
            "name": "花果园路灯",
            "priority": 50,
            "category_prefixes": ["0202"],
            "street_codes": ["520102003"],
            "department_code": "nanming-office",
        },
        headers=auth(staff["supervisor"]),
    )
    assert rule.status_code == 201
    routed = report(resident)
    assert routed["department"] == "南明区人民政府办公室"
    assert (
        client.post(
            "/api/v1/staff/routing-rules",
            json={"name": "x", "department_code": "city-water"},
            headers=auth(staff["dispatcher"]),
        ).status_code
        == 403
    )


def test_breach_escalation_and_extension(client, auth, city, staff, resident, report, db):
    mine = report(resident)
    complaint = db.session.get(Complaint, uuid.UUID(mine["id"]))
    later = complaint.feedback_due + timedelta(hours=1)
    assert services.record_breaches(later)[0].kind == "feedback"
    assert services.record_breaches(later) == []  # recorded once
    ext = client.post(
        f"/api/v1/staff/complaints/{mine['id']}/extensions",
        json={
            "requested_due": (complaint.feedback_due + timedelta(days=5)).isoformat(),
            "reason": "需采购配件",
        },
        headers=auth(staff["handler"]),
    )
    assert ext.status_code == 201
    decided = client.post(
        f"/api/v1/staff/complaints/extensions/{ext.get_json()['id']}/decision",
        json={"approve": True},
        headers=auth(staff["supervisor"]),
    )
    assert decided.get_json()["status"] == "approved"
    db.session.refresh(complaint)
    assert complaint.feedback_due == (later - timedelta(hours=1)) + timedelta(days=5)


def test_closed_after_seven_days_without_rating(client, auth, city, staff, resident, report):
    mine = report(resident)
    version = staff_view(client, auth, staff["handler"], mine["id"])["version"]
    version = step(client, auth, staff["handler"], mine["id"], "accept", version=version).get_json()[
        "version"
    ]
    step(client, auth, staff["handler"], mine["id"], "resolve", version=version, reply="已修复")
    assert services.close_unrated(utcnow() + timedelta(days=6)) == []
    closed = services.close_unrated(utcnow() + timedelta(days=7, minutes=1))
    assert [str(c.id) for c in closed] == [mine["id"]]


def test_photos_are_checked_by_content(client, auth, city, resident, other_resident, report):
    mine = report(resident)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    with mock.patch("app.core.storage.LocalDiskStorage.save", return_value="complaints/x/y.png"):
        ok = client.post(
            f"/api/v1/complaints/{mine['id']}/photos",
            data={"photo": (io.BytesIO(png), "lamp.png")},
            headers=auth(resident),
            content_type="multipart/form-data",
        )
    assert ok.status_code == 201 and ok.get_json()["content_type"] == "image/png"
    fake = client.post(
        f"/api/v1/complaints/{mine['id']}/photos",
        data={"photo": (io.BytesIO(b"MZ\x90\x00 not an image"), "lamp.png")},
        headers=auth(resident),
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422
