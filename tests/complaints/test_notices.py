"""Residents, departments and supervisors are told at the steps they care about, once each."""

import uuid
from datetime import timedelta

from app.complaints import services
from app.complaints.models import Complaint


def inbox_titles(client, auth, person) -> list[str]:
    items = client.get("/api/v1/me/inbox?limit=50", headers=auth(person)).get_json()["items"]
    return [item["title"] for item in reversed(items)]


def test_each_step_reaches_the_people_who_care(client, auth, city, make_person, report):
    resident = make_person(locale="en", name="Ada")
    handler = make_person("department_handler", department="city-urban-management", locale="en")
    other_department = make_person("department_handler", department="city-water", locale="en")
    mine = report(resident)
    assert inbox_titles(client, auth, resident) == ["Report received", "Report dispatched"]
    assert inbox_titles(client, auth, handler) == ["New report for your department"]
    assert inbox_titles(client, auth, other_department) == []

    view = client.get(f"/api/v1/staff/complaints/{mine['id']}", headers=auth(handler)).get_json()
    accepted = client.post(
        f"/api/v1/staff/complaints/{mine['id']}/accept",
        json={"version": view["version"]},
        headers=auth(handler),
    ).get_json()
    client.post(
        f"/api/v1/staff/complaints/{mine['id']}/resolve",
        json={"version": accepted["version"], "reply": "Fixed."},
        headers=auth(handler),
    )
    assert inbox_titles(client, auth, resident)[-1] == "Report resolved"
    client.post(f"/api/v1/complaints/{mine['id']}/rating", json={"rating": 4}, headers=auth(resident))
    assert inbox_titles(client, auth, resident)[-1] == "Report closed"


def test_merged_reporters_hear_of_the_original_and_its_closure(
    client, auth, city, staff, make_person, report
):
    first_reporter = make_person(locale="en")
    second_reporter = make_person()  # Chinese by default
    first = report(first_reporter)
    second = report(second_reporter, description="花果园小区东门的路灯坏了，晚上很黑")
    seen = client.get(
        f"/api/v1/staff/complaints/{second['id']}", headers=auth(staff["dispatcher"])
    ).get_json()
    client.post(
        f"/api/v1/staff/complaints/{second['id']}/merge",
        json={"version": seen["version"], "into_id": first["id"]},
        headers=auth(staff["dispatcher"]),
    )
    inbox = client.get("/api/v1/me/inbox", headers=auth(second_reporter)).get_json()["items"]
    assert inbox[0]["title"] == "诉求已合并"
    assert first["tracking_number"] in inbox[0]["body"]

    view = client.get(f"/api/v1/staff/complaints/{first['id']}", headers=auth(staff["handler"])).get_json()
    version = client.post(
        f"/api/v1/staff/complaints/{first['id']}/accept",
        json={"version": view["version"]},
        headers=auth(staff["handler"]),
    ).get_json()["version"]
    client.post(
        f"/api/v1/staff/complaints/{first['id']}/resolve",
        json={"version": version, "reply": "已修复"},
        headers=auth(staff["handler"]),
    )
    titles = [
        item["title"]
        for item in client.get("/api/v1/me/inbox", headers=auth(second_reporter)).get_json()["items"]
    ]
    assert titles[0] == "诉求已办结"


def test_breaches_are_escalated_to_supervisors_once(client, auth, city, make_person, resident, report, db):
    supervisor = make_person("supervisor", locale="en")
    mine = report(resident)
    complaint = db.session.get(Complaint, uuid.UUID(mine["id"]))
    later = complaint.feedback_due + timedelta(minutes=5)
    assert services.escalate_breaches(later) == 1
    db.session.commit()
    assert services.escalate_breaches(later) == 0
    db.session.commit()
    assert inbox_titles(client, auth, supervisor) == ["Report escalated"]


def test_handlers_are_reminded_once_before_the_deadline(
    client, auth, city, make_person, resident, report, db
):
    handler = make_person("department_handler", department="city-urban-management", locale="en")
    mine = report(resident)
    complaint = db.session.get(Complaint, uuid.UUID(mine["id"]))
    soon = complaint.feedback_due - timedelta(minutes=30)
    assert services.remind_due_soon(soon) == 1
    db.session.commit()
    services.remind_due_soon(soon + timedelta(minutes=1))
    db.session.commit()
    assert inbox_titles(client, auth, handler).count("Reply due soon") == 1


def test_the_clock_stops_over_national_day_and_the_breach_escalates_after(
    client, auth, city, make_person, resident, report
):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from app.core import clock

    shanghai = ZoneInfo("Asia/Shanghai")
    supervisor = make_person("supervisor", locale="en")
    received = datetime(2026, 9, 30, 10, 0, tzinfo=shanghai).astimezone(UTC)  # the eve of the holiday
    with clock.frozen(received):
        mine = report(resident)
    due = datetime.fromisoformat(mine["deadline"]["due_at"]).astimezone(shanghai)
    # 7 working days from Wednesday 30 Sep 10:00: the National Day week (1-7 Oct) does not count,
    # Saturday 10 Oct (a make-up working day) does, Sunday 11 Oct does not.
    assert due == datetime(2026, 10, 15, 10, 0, tzinfo=shanghai)

    in_the_holiday = datetime(2026, 10, 7, 12, 0, tzinfo=shanghai)
    assert services.escalate_breaches(in_the_holiday) == 0
    after = datetime(2026, 10, 15, 11, 0, tzinfo=shanghai)
    assert services.escalate_breaches(after) == 1
    from app.extensions import db

    db.session.commit()
    assert inbox_titles(client, auth, supervisor) == ["Report escalated"]
