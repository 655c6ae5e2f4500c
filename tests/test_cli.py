"""The command line an operator or developer uses: demo data, staff roles, tokens, SMS log, calendar."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.city.models import Department, District, Street
from app.core import clock
from app.core.calendar import SHANGHAI, load_calendar
from app.core.models import CalendarDay
from app.core.sms import sms_provider
from app.identity.models import Person, RoleGrant
from app.identity.services import person_by_phone

TABLES = (District, Street, Department, Person, RoleGrant, CalendarDay)


@pytest.fixture
def flask_cli(app, db):
    """Run ``flask ...`` inside the test's transaction."""
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def _counts(db) -> dict[str, int]:
    count = sa.func.count()
    return {model.__tablename__: db.session.scalar(sa.select(count).select_from(model)) for model in TABLES}


def test_seed_demo_twice_changes_nothing_the_second_time(flask_cli, db):
    first = flask_cli("seed", "demo")
    assert first.exit_code == 0, first.output
    assert "districts=3" in first.output and "people=9" in first.output
    after_first = _counts(db)
    assert after_first == {
        "districts": 3,
        "streets": 7,
        "departments": 15,
        "people": 9,
        "role_grants": 10,  # 吴刚 owns the four demo merchants
        "calendar_days": 39,
    }
    second = flask_cli("seed", "demo")
    assert second.exit_code == 0, second.output
    assert _counts(db) == after_first


def test_staff_grant_creates_the_person_and_the_role(flask_cli, db):
    result = flask_cli("staff", "grant", "--phone", "139 0000 1234", "--role", "dispatcher")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "+8613900001234: dispatcher"
    person = person_by_phone("+8613900001234")
    assert [grant.role for grant in person.roles] == ["dispatcher"]


def test_staff_grant_a_handler_to_a_department(flask_cli, db, demo):
    handler = ("--role", "department_handler", "--department", "city-water")
    result = flask_cli("staff", "grant", "--phone", "13900001235", *handler)
    assert result.exit_code == 0, result.output
    grant = person_by_phone("+8613900001235").roles[0]
    water = db.session.scalar(sa.select(Department).where(Department.code == "city-water"))
    assert grant.department_id == water.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "wizard"), "role: 未知角色。"),
        (("--role", "department_handler"), "department: 该角色需要指定部门。"),
        (("--role", "department_handler", "--department", "city-nowhere"), "department: 未知部门。"),
        (("--role", "merchant_owner"), "merchant_id: 该角色需要指定商户。"),
    ],
)
def test_staff_grant_refuses_and_creates_nobody(flask_cli, db, args, message):
    result = flask_cli("staff", "grant", "--phone", "13900001236", *args)
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: 校验失败: {message}"
    assert person_by_phone("+8613900001236") is None


def test_staff_grant_refuses_a_bad_phone_number(flask_cli):
    result = flask_cli("staff", "grant", "--phone", "139", "--role", "dispatcher")
    assert result.exit_code == 2
    assert "not a valid phone number" in result.output


def test_printed_token_signs_in_to_the_api(flask_cli, client, demo):
    result = flask_cli("token", "--phone", "13800000001")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["phone"] == "+8613800000001"
    assert me.get_json()["display_name"] == "李小明"


def test_token_for_someone_unknown_is_refused(flask_cli, db):
    result = flask_cli("token", "--phone", "13900009999")
    assert result.exit_code == 1
    assert "flask seed demo" in result.output


def test_sms_log_shows_the_sandbox_messages_newest_first(flask_cli, db):
    sms_provider().send("+8613800000001", "您的验证码是 111111")
    sms_provider().send("+8613800000001", "您的验证码是 222222")
    sms_provider().send("+8613800000002", "给别人的短信")
    result = flask_cli("sms", "log", "--phone", "138 0000 0001")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(" ", 3)[2:] for line in lines] == [
        ["+8613800000001", "您的验证码是 222222"],
        ["+8613800000001", "您的验证码是 111111"],
    ]
    assert len(flask_cli("sms", "log", "--phone", "13800000001", "--limit", "1").output.splitlines()) == 1


def test_sms_log_says_when_there_is_nothing(flask_cli, db):
    result = flask_cli("sms", "log", "--phone", "13800000003")
    assert result.output.strip() == "no sandbox messages for +8613800000003"


def test_calendar_import_loads_a_csv(flask_cli, db, tmp_path):
    csv_file = tmp_path / "2027.csv"
    csv_file.write_text(
        "\ufeffdate,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n", encoding="utf-8"
    )
    result = flask_cli("calendar", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 calendar days saved"
    calendar = load_calendar()
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 2, 6))  # a Saturday


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,kind,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n", "line 3: month must be in 1..12"),
        ("date,kind,name\n2027-01-01,vacation,元旦\n", "line 2: kind must be holiday or workday"),
        ("day,type\n2027-01-01,holiday\n", "the first line must name the columns date,kind,name"),
    ],
)
def test_calendar_import_refuses_a_bad_file_and_saves_nothing(flask_cli, db, tmp_path, content, message):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(content, encoding="utf-8")
    result = flask_cli("calendar", "import", str(csv_file))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert date(2027, 1, 1) not in load_calendar().holidays


def test_notify_send_as_the_readme_shows_it_greets_the_person_by_name(flask_cli, client, auth, db):
    assert flask_cli("seed", "demo").exit_code == 0
    with clock.frozen(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)):  # outside quiet hours
        sent = flask_cli("notify", "send", "--phone", "13800000009")
    assert sent.exit_code == 0, sent.output
    assert "delivered" in sent.output
    elder = person_by_phone("+8613800000009")
    inbox = client.get("/api/v1/me/inbox", headers=auth(elder)).get_json()["items"]
    assert inbox[0]["template"] == "welcome"
    assert "李奶奶" in inbox[0]["body"]


def test_notify_send_at_night_says_the_message_waits_for_the_morning(flask_cli, db):
    assert flask_cli("seed", "demo").exit_code == 0
    with clock.frozen(datetime(2026, 12, 1, 23, 30, tzinfo=SHANGHAI)):  # 22:00-07:00 by default
        held = flask_cli("notify", "send", "--phone", "13800000009")
        urgent = flask_cli("notify", "send", "--phone", "13800000009", "--urgent")
    assert held.exit_code == 0, held.output
    assert "held for the person's quiet hours until 2026-12-02 07:00" in held.output
    assert "delivered" in urgent.output


def test_the_tick_on_a_fresh_embedded_database_runs_every_periodic_job_without_a_failure(tmp_path):
    """As a newcomer's machine runs it: its own process, a SQLite file, no Redis (the lock is real)."""
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tick.db'}",
        "REDIS_URL": "",
        "JOBS_INLINE": "",
    }
    root = Path(__file__).resolve().parent.parent
    for _ in range(2):  # the first run also migrates the new database
        done = subprocess.run(
            [sys.executable, "-m", "flask", "rq", "tick"],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip().endswith("job(s) run, 0 failed"), done.stdout + done.stderr[-2000:]
