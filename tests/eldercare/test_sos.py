"""SOS: the ladder on a frozen clock — nobody answers, someone answers at step 2, a device retries."""

from __future__ import annotations

from datetime import timedelta

from app.core import clock, jobs
from app.core.audit import AuditAction
from app.core.models import AuditEntry
from app.extensions import db as _db
from tests.eldercare import helpers
from tests.eldercare.helpers import called, shanghai

SOS = "/api/v1/eldercare/alerts"


def press(client, auth, elder, **extra):
    response = client.post(SOS, json={"note": "胸口疼"}, headers=auth(elder, **extra))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def climb_to(db, at):
    db.session.commit()  # keep what the requests wrote: the due-job runner ends its read with a rollback
    clock.set_to(at)
    jobs.run_due(now=at)
    db.session.expire_all()


def test_nobody_answers_and_the_ladder_climbs_to_the_centre(client, auth, db, family, make_person):
    elder, guardian, worker, neighbour = (family[k] for k in ("elder", "guardian", "worker", "neighbour"))
    other_worker = helpers.worker(make_person, name="社区值班员")
    db.session.commit()
    start = clock.utcnow()
    alert = press(client, auth, elder)
    assert (alert["status"], alert["step"], alert["rungs"]) == ("open", 0, 4)
    assert set(called(alert["id"])) == {guardian.id, worker.id}  # at once
    assert alert["next_step_at"].startswith((start + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))

    climb_to(db, start + timedelta(minutes=4, seconds=59))
    assert len(called(alert["id"])) == 2  # not yet

    climb_to(db, start + timedelta(minutes=5))
    assert called(alert["id"])[2:] == [neighbour.id]  # the first contact has an account
    climb_to(db, start + timedelta(minutes=10))
    assert called(alert["id"])[3:] == ["+8613900000031"]  # the second is texted
    climb_to(db, start + timedelta(minutes=15))
    assert set(called(alert["id"])[4:]) == {worker.id, other_worker.id}  # the centre's staff

    climb_to(db, start + timedelta(hours=2))
    seen = client.get(f"{SOS}/{alert['id']}", headers=auth(elder)).get_json()
    assert (seen["status"], seen["step"], seen["next_step_at"]) == ("open", 3, None)
    assert [(e["kind"], e["step"]) for e in seen["events"]] == [
        ("raised", None), ("step", 0), ("step", 1), ("step", 2), ("step", 3),
    ]  # fmt: skip
    assert len(called(alert["id"])) == 6  # nothing called twice


def test_an_answer_at_step_two_stops_the_ladder_and_the_elder_sees_who(client, auth, db, family):
    elder, guardian, worker, neighbour = (family[k] for k in ("elder", "guardian", "worker", "neighbour"))
    start = clock.utcnow()
    alert = press(client, auth, elder)
    climb_to(db, start + timedelta(minutes=5))  # rung 1: the neighbour
    clock.set_to(start + timedelta(minutes=6))
    answer = client.post(f"{SOS}/{alert['id']}/acknowledge", json={"eta_minutes": 8}, headers=auth(neighbour))
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["responder_name"]) == ("acknowledged", "张大爷")

    climb_to(db, start + timedelta(hours=1))
    assert len(called(alert["id"])) == 3  # guardian, worker, neighbour: the ladder stopped
    mine = client.get(f"{SOS}/{alert['id']}", headers=auth(elder)).get_json()
    assert (mine["responder_name"], mine["eta_minutes"], mine["status_label"]) == (
        "张大爷",
        8,
        "有人正在赶来",
    )
    assert called(template="eldercare_answered") == [elder.id]

    late = client.post(f"{SOS}/{alert['id']}/acknowledge", json={"eta_minutes": 3}, headers=auth(worker))
    assert late.status_code == 409 and late.get_json()["code"] == "alert-already-acknowledged"
    assert late.get_json()["responder"] == "张大爷"

    not_them = client.post(f"{SOS}/{alert['id']}/arrival", headers=auth(worker))
    assert not_them.status_code == 403
    arrived = client.post(f"{SOS}/{alert['id']}/arrival", headers=auth(neighbour)).get_json()
    assert arrived["status"] == "arrived"
    done = client.post(
        f"{SOS}/{alert['id']}/resolution",
        json={"outcome": "hospital", "note": "送医"},
        headers=auth(neighbour),
    ).get_json()
    assert (done["status"], done["outcome"]) == ("resolved", "hospital")
    assert [e["kind"] for e in done["events"]][-3:] == ["acknowledged", "arrived", "resolved"]
    again = client.post(f"{SOS}/{alert['id']}/resolution", json={"outcome": "helped"}, headers=auth(elder))
    assert again.status_code == 409 and again.get_json()["code"] == "alert-closed"


def test_a_guardian_answers_for_the_elder_under_the_mandate(client, auth, db, family):
    elder, guardian = family["elder"], family["guardian"]
    alert = press(client, auth, elder)
    proxy = {"X-On-Behalf-Of": str(elder.id)}
    listed = client.get(SOS, headers=auth(guardian, **proxy)).get_json()
    assert [a["id"] for a in listed["items"]] == [alert["id"]]
    answer = client.post(
        f"{SOS}/{alert['id']}/acknowledge", json={"eta_minutes": 20}, headers=auth(guardian, **proxy)
    )
    assert answer.status_code == 200 and answer.get_json()["responder_name"] == "李小明"
    logged = _db.session.scalars(
        _db.select(AuditEntry).where(
            AuditEntry.subject_person_id == elder.id, AuditEntry.actor_person_id == guardian.id
        )
    ).all()
    assert {(e.action, e.resource) for e in logged} >= {
        (AuditAction.LIST.value, "elder_alert"),
        (AuditAction.CHANGE.value, "elder_alert"),
    }


def test_a_second_press_joins_the_open_call(client, auth, family):
    first = press(client, auth, family["elder"])
    second = press(client, auth, family["elder"])
    assert second["id"] == first["id"]
    assert len(called(first["id"])) == 2


def test_the_elder_calls_off_a_false_press(client, auth, db, family):
    alert = press(client, auth, family["elder"])
    refused = client.post(
        f"{SOS}/{alert['id']}/acknowledge", json={"eta_minutes": 1}, headers=auth(family["elder"])
    )
    assert refused.status_code == 403
    off = client.post(
        f"{SOS}/{alert['id']}/resolution", json={"outcome": "false_alarm"}, headers=auth(family["elder"])
    ).get_json()
    assert off["status"] == "cancelled"
    climb_to(db, clock.utcnow() + timedelta(hours=1))
    assert len(called(alert["id"])) == 2


def test_urgent_notices_are_not_held_by_quiet_hours(client, auth, db, family):
    clock.set_to(shanghai(2026, 6, 1, 23, 40))
    press(client, auth, family["elder"])
    delivered = helpers.deliveries(family["guardian"].id)
    assert delivered["sms"] == "delivered" and delivered["inbox"] == "delivered"


def test_without_a_profile_there_is_nothing_to_escalate(client, auth, make_person, daytime):
    elder = helpers.verified(make_person)
    response = client.post(SOS, json={}, headers=auth(elder))
    assert response.status_code == 404 and response.get_json()["code"] == "no-elder-profile"


def test_the_centre_sees_open_alerts_and_each_elder_s_log_says_so(client, auth, family):
    alert = press(client, auth, family["elder"])
    worker = family["worker"]
    page = client.get("/api/v1/staff/eldercare/alerts?status=open", headers=auth(worker)).get_json()
    assert alert["id"] in [a["id"] for a in page["items"]]
    logged = _db.session.scalars(
        _db.select(AuditEntry).where(
            AuditEntry.subject_person_id == family["elder"].id, AuditEntry.actor_person_id == worker.id
        )
    ).all()
    assert ("list", "elder_alert") in {(e.action, e.resource) for e in logged}
    refused = client.get("/api/v1/staff/eldercare/alerts", headers=auth(family["guardian"]))
    assert refused.status_code == 403
