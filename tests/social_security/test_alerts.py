"""Alerts: a change of insured status, a large withdrawal, an employer that stopped paying; once each."""

from __future__ import annotations

from datetime import date

from app.notifications.models import OutboxMessage
from app.social_security import services
from tests.social_security import helpers
from tests.social_security.helpers import contribution, entry, month, push, status


def _messages(db, person, template):
    stmt = db.select(OutboxMessage).where(
        OutboxMessage.recipient_id == person.id, OutboxMessage.template == template
    )
    return list(db.session.scalars(stmt))


def test_a_change_of_status_alerts_once_and_old_history_alerts_nobody(client, db, auth, insured, bureau):
    person, number = insured
    push(client, bureau, status("S-1", number, "pension", "active", "2015-03-01"),
         status("S-0", number, "pension", "suspended", "2016-01-01"),
         status("S-2", number, "pension", "active", "2016-06-01"))  # fmt: skip
    assert _messages(db, person, "ss_status_changed") == []  # years ago: no one is told now
    suspended = status("S-3", number, "pension", "suspended", helpers.day(3))
    push(client, bureau, suspended)
    push(client, bureau, suspended)
    sent = _messages(db, person, "ss_status_changed")
    assert len(sent) == 1
    inbox = client.get("/api/v1/me/inbox", headers=auth(person)).get_json()["items"]
    assert inbox[0]["title"] == "参保状态变更"
    assert "养老保险" in inbox[0]["body"] and "暂停缴费" in inbox[0]["body"]


def test_a_large_withdrawal_alerts_urgently_once(client, db, insured, fund):
    person, number = insured
    small = entry("W-1", number, "housing_fund", "withdrawal", -300_000, 9_700_000, helpers.day(10))
    large = entry(
        "W-2", number, "housing_fund", "withdrawal", -5_000_000, 4_700_000, helpers.day(2), purpose="购房"
    )
    push(client, fund, small, large)
    push(client, fund, {**large, "purpose": "购房提取", "as_of": helpers.as_of(1)})  # a correction
    sent = _messages(db, person, "ss_large_withdrawal")
    assert len(sent) == 1 and sent[0].urgency == "urgent"
    assert sent[0].params["amount"] == {"$money": [5_000_000, "CNY"]}


def test_a_month_without_an_employer_contribution_alerts_once(client, db, insured, bureau, make_person):
    person, number = insured
    keeps_paying, other_number = helpers.verified(make_person, name="赵六")
    due = services.month_due()
    before = date(due.year - (due.month == 1), (due.month - 2) % 12 + 1, 1)
    push(client, bureau, contribution("E-1", number, f"{before:%Y-%m}"),
         contribution("E-2", other_number, f"{before:%Y-%m}", name="赵六"),
         contribution("E-3", other_number, f"{due:%Y-%m}", name="赵六"))  # fmt: skip
    assert services.sweep_employer_gaps() == 1
    services.sweep_employer_gaps()
    sent = _messages(db, person, "ss_employer_stopped")
    assert len(sent) == 1 and sent[0].params["period"] == f"{due:%Y-%m}"
    assert _messages(db, keeps_paying, "ss_employer_stopped") == []


def test_self_paid_months_and_suspended_people_are_not_flagged(client, db, insured, bureau):
    person, number = insured
    due = services.month_due()
    before = date(due.year - (due.month == 1), (due.month - 2) % 12 + 1, 1)
    push(client, bureau, contribution("E-1", number, f"{before:%Y-%m}"),
         status("E-S", number, "pension", "suspended", due.isoformat()))  # fmt: skip
    assert services.sweep_employer_gaps() == 0
    assert month(0) >= f"{due:%Y-%m}"
