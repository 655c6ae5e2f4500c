"""The role pages with the Flask test client: what each shows, what each refuses, what it audits."""

from __future__ import annotations

import re

from app.complaints.models import Complaint
from app.core.models import AuditEntry
from tests.console.conftest import DEMO, csrf_of

LIGHT = ("0403", "花果园大街与花果园路口的信号灯不亮了", "南明区花果园街道花果园大街路口", 26.5561, 106.6906)
LIGHT_AGAIN = ("0403", "花果园大街路口信号灯坏了不亮", "南明区花果园街道花果园大街", 26.5563, 106.6909)
LAMP = ("0202", "花果园小区门口路灯坏了，晚上一片漆黑", "南明区花果园街道花果园小区东门", 26.5561, 106.6906)
NOISE = ("0101", "楼下酒吧深夜噪音扰民", "南明区花果园街道", 26.5561, 106.6906)


def _form_token(response) -> str:
    return csrf_of(response.get_data(as_text=True))


def test_the_agent_finds_the_caller_masked_with_earlier_complaints_and_the_look_up_is_audited(
    sign_in, report, db
):
    earlier = report(*LAMP)
    client = sign_in(DEMO["agent"])
    page = client.get("/console/agent/")
    found = client.post(
        "/console/agent/caller", data={"csrf_token": _form_token(page), "phone": "13800000001"}
    )
    text = found.get_data(as_text=True)
    assert found.status_code == 200, text
    assert "李小明" in text and "138****0001" in text and earlier.tracking_number in text
    assert "13800000001" not in text.replace('value="+8613800000001"', "")  # only the form keeps it
    entry = db.session.query(AuditEntry).filter_by(resource="complaint", action="list").one()
    assert entry.subject_person_id == earlier.reporter_id and entry.client_id == "yimatong-console"


def test_categories_are_suggested_from_the_words(sign_in):
    client = sign_in(DEMO["agent"])
    fragment = client.get("/console/agent/suggestions?description=小区门口的路灯坏了").get_data(as_text=True)
    assert 'data-category="0202"' in fragment and "路灯故障" in fragment
    assert client.get("/console/agent/suggestions?description=").get_data(as_text=True).strip() == ""


def test_the_agent_records_a_call_and_a_refusal_is_shown_with_nothing_written(sign_in, db):
    client = sign_in(DEMO["agent"])
    page = client.post(
        "/console/agent/caller",
        data={"csrf_token": _form_token(client.get("/console/agent/")), "phone": "13800000001"},
    )
    form = {
        "csrf_token": _form_token(page),
        "phone": "+8613800000001",
        "description": "长岭北路的路灯坏了一周",
        "address": "观山湖区长岭北路",
        "category": "",
        "contact_allowed": "on",
    }
    refused = client.post("/console/agent/calls", data=form)
    assert refused.status_code == 422
    assert 'role="alert"' in refused.get_data(as_text=True)
    assert db.session.query(Complaint).count() == 0
    recorded = client.post("/console/agent/calls", data={**form, "category": "0202"})
    assert recorded.status_code == 303
    complaint = db.session.query(Complaint).one()
    assert complaint.channel == "hotline" and complaint.reporter_id is not None
    shown = client.get(recorded.headers["Location"]).get_data(as_text=True)
    assert complaint.tracking_number in shown and "已记录来电" in shown


def test_a_handler_gets_404_for_another_departments_complaint(sign_in, report):
    noise = report(*NOISE)  # routed to the ecology and environment bureau
    client = sign_in(DEMO["handler"])  # urban management
    refused = client.get(f"/console/complaints/{noise.id}")
    assert refused.status_code == 404
    assert noise.tracking_number not in refused.get_data(as_text=True)
    page = client.get("/console/work/")
    assert noise.tracking_number not in page.get_data(as_text=True)


def test_the_handler_accepts_and_answers_their_departments_complaint(sign_in, report, db):
    lamp = report(*LAMP)
    client = sign_in(DEMO["handler"])
    work = client.get("/console/work/").get_data(as_text=True)
    assert lamp.tracking_number in work and 'class="clock' in work
    page = client.get(f"/console/complaints/{lamp.id}")
    accepted = client.post(
        f"/console/complaints/{lamp.id}/accept",
        data={"csrf_token": _form_token(page), "version": lamp.version},
    )
    assert accepted.status_code == 303
    page = client.get(accepted.headers["Location"])
    version = re.search(r'name="version" value="(\d+)"', page.get_data(as_text=True)).group(1)
    stale = client.post(
        f"/console/complaints/{lamp.id}/resolve",
        data={"csrf_token": _form_token(page), "version": "1", "reply": "已修复"},
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.get_data(as_text=True)
    resolved = client.post(
        f"/console/complaints/{lamp.id}/resolve",
        data={"csrf_token": _form_token(page), "version": version, "reply": "路灯已于今日修复。"},
    )
    assert resolved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Complaint, lamp.id).status == "resolved"


def test_the_dispatcher_merges_a_duplicate_with_a_reason_and_dispatches_the_original(sign_in, report, db):
    first = report(*LIGHT)
    second = report(*LIGHT_AGAIN)
    assert str(first.id) in second.duplicate_candidate_ids
    client = sign_in(DEMO["dispatcher"])
    queue = client.get("/console/dispatch/").get_data(as_text=True)
    assert first.tracking_number in queue and second.tracking_number in queue
    page = client.get(f"/console/complaints/{second.id}")
    text = page.get_data(as_text=True)
    assert "<svg" in text and first.tracking_number in text
    merged = client.post(
        f"/console/complaints/{second.id}/merge",
        data={
            "csrf_token": _form_token(page),
            "version": second.version,
            "into_id": first.id,
            "reason": "同一路口",
        },
    )
    assert merged.status_code == 303 and str(first.id) in merged.headers["Location"]
    page = client.get(merged.headers["Location"])
    dispatched = client.post(
        f"/console/complaints/{first.id}/dispatch",
        data={
            "csrf_token": _form_token(page),
            "version": first.version,
            "department_code": "city-traffic-police",
            "note": "信号灯",
        },
    )
    assert dispatched.status_code == 303
    db.session.expire_all()
    assert db.session.get(Complaint, second.id).merged_into_id == first.id
    assert db.session.get(Complaint, first.id).status == "dispatched"
    events = [e for e in db.session.get(Complaint, second.id).events if e.kind == "merged"]
    assert events[0].internal_note == "同一路口"
