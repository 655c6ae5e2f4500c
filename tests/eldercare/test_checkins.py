"""The daily check-in: reminded at the set time, the ladder after the grace; checking in late calls it off."""

from __future__ import annotations

from datetime import time

from app.core import clock, jobs
from app.eldercare import services
from app.extensions import db as _db
from tests.eldercare import helpers
from tests.eldercare.helpers import called, shanghai

CHECKINS = "/api/v1/eldercare/checkins"


def sweep(db, at) -> dict:
    db.session.commit()
    clock.set_to(at)
    done = services.sweep_checkins()
    db.session.commit()
    return done


def home_kinds(client, auth, person, **extra) -> list[str]:
    body = client.get("/api/v1/me/home", headers=auth(person, **extra)).get_json()
    sections = [body["mine"]] if body["mine"] else []
    return [c["kind"] for s in sections + body["on_behalf"] for c in s["cards"] if c["domain"] == "eldercare"]


def elder_with_checkin(db, make_person):
    clock.set_to(shanghai(2026, 6, 1, 7, 0))  # the mandate and the profile date from early morning
    elder = helpers.verified(make_person)
    guardian = make_person(name="李小明")
    helpers.guard(elder, guardian)
    helpers.profile(elder, checkin_by=time(9, 30))
    db.session.commit()
    return elder, guardian


def test_a_missed_check_in_is_reminded_then_told_to_the_guardians(client, auth, db, make_person, daytime):
    elder, guardian = elder_with_checkin(db, make_person)
    assert sweep(db, shanghai(2026, 6, 1, 9, 29)) == {"reminded": 0, "alerted": 0}
    assert sweep(db, shanghai(2026, 6, 1, 9, 31)) == {"reminded": 1, "alerted": 0}
    assert called(template="eldercare_checkin_missed") == [elder.id]
    assert sweep(db, shanghai(2026, 6, 1, 9, 40)) == {"reminded": 0, "alerted": 0}  # once a day
    assert home_kinds(client, auth, guardian) == ["checkin_missed"]

    assert sweep(db, shanghai(2026, 6, 1, 10, 31)) == {"reminded": 0, "alerted": 1}
    [alert] = client.get("/api/v1/eldercare/alerts", headers=auth(elder)).get_json()["items"]
    assert (alert["kind"], alert["status"], alert["source"]) == ("missed_checkin", "open", "checkin")
    assert called(alert["id"]) == [guardian.id]
    assert sweep(db, shanghai(2026, 6, 1, 11, 0)) == {"reminded": 0, "alerted": 0}
    assert home_kinds(client, auth, guardian) == ["alert_open", "checkin_missed"]

    # She checks in late: the alert nobody answered is called off, and the ladder stops.
    day = client.post(CHECKINS, headers=auth(elder)).get_json()
    assert day["checked_in_at"] is not None and day["alert_id"] == alert["id"]
    ended = client.get(f"/api/v1/eldercare/alerts/{alert['id']}", headers=auth(elder)).get_json()
    assert (ended["status"], ended["outcome"]) == ("cancelled", "checked_in")
    db.session.commit()
    jobs.run_due(now=shanghai(2026, 6, 1, 12, 0))
    assert called(alert["id"]) == [guardian.id]
    assert home_kinds(client, auth, guardian) == []


def test_an_elder_who_checked_in_is_left_in_peace(client, auth, db, make_person, daytime):
    elder, _ = elder_with_checkin(db, make_person)
    clock.set_to(shanghai(2026, 6, 1, 8, 0))
    first = client.post(CHECKINS, headers=auth(elder)).get_json()
    again = client.post(CHECKINS, headers=auth(elder)).get_json()
    assert again == first  # one check-in a day
    assert sweep(db, shanghai(2026, 6, 1, 11, 0)) == {"reminded": 0, "alerted": 0}
    assert called(template="eldercare_checkin_missed") == []
    listed = client.get(CHECKINS, headers=auth(elder)).get_json()
    assert [d["day"] for d in listed["items"]] == ["2026-06-01"]
    # The next day starts afresh.
    assert sweep(db, shanghai(2026, 6, 2, 9, 31)) == {"reminded": 1, "alerted": 0}


def test_the_sweep_runs_as_a_periodic_job(db, make_person, daytime):
    elder, _ = elder_with_checkin(db, make_person)
    clock.set_to(shanghai(2026, 6, 1, 9, 45))
    assert jobs.run_due(periodic_names=["eldercare.checkins"]).ran == 1
    _db.session.expire_all()
    assert called(template="eldercare_checkin_missed") == [elder.id]
