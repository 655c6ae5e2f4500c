"""SMS, Telegram and quiet hours: each channel recorded, held at night, retried or given up."""

from datetime import timedelta
from unittest import mock

from app.core import jobs
from app.core.sms import sandbox_log
from app.extensions import db as _db
from app.notifications import services
from app.notifications.models import Delivery, OutboxMessage
from tests.notifications.conftest import DAYTIME
from tests.notifications.helpers import shanghai


def _deliveries(message) -> dict[str, Delivery]:
    _db.session.expire_all()
    rows = _db.session.scalars(_db.select(Delivery).where(Delivery.message_id == message.id))
    return {d.channel: d for d in rows}


def _status(message) -> str:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, message.id).status


def _sos(person, key="test:sos", urgency="urgent"):
    """A message on every channel the person has (inbox, SMS, Telegram): a reply due at 23:30."""
    return services.notify(
        person.id,
        "complaint_deadline_near",
        {"reference": "12345-A1", "deadline": shanghai(2026, 6, 1, 23, 30)},
        topic="complaints",
        dedupe_key=key,
        urgency=urgency,
    )


def _welcome(person, key="test:welcome"):
    return services.notify(person.id, "welcome", {"name": "Li"}, topic="account", dedupe_key=key)


def test_telegram_goes_to_the_linked_chat_in_the_recipients_language(
    db, make_person, telegram, link_telegram
):
    person = make_person(locale="en")
    chat_id = link_telegram(person)
    message = _welcome(person, "t")
    db.session.commit()
    welcome = "Welcome to Yimatong\n\nHello Li, your city account is ready: your city code, bills and public"
    assert [sent["chat_id"] for sent in telegram.sent] == [chat_id]
    assert telegram.sent[0]["text"].startswith(welcome)
    sent = _deliveries(message)["telegram"]
    assert (sent.status, sent.attempts, sent.provider_message_id) == ("delivered", 1, "1")


def test_telegram_is_skipped_with_a_reason_without_a_link(db, resident, telegram):
    message = _sos(resident)
    db.session.commit()
    skipped = _deliveries(message)["telegram"]
    assert (skipped.status, skipped.error) == ("skipped", "the person has not linked a Telegram account")
    assert telegram.sent == [] and _status(message) == "delivered"


def test_a_blocked_bot_fails_for_good_and_the_other_channels_still_deliver(
    db, resident, telegram, link_telegram
):
    link_telegram(resident)
    telegram.failures = [(403, "Forbidden: bot was blocked by the user")]
    message = _sos(resident)
    db.session.commit()
    failed = _deliveries(message)["telegram"]
    assert failed.status == "failed" and "bot was blocked by the user" in failed.error
    assert _deliveries(message)["sms"].status == "delivered"
    assert _deliveries(message)["inbox"].status == "delivered"
    assert _status(message) == "failed"
    assert services.sweep_outbox(now=DAYTIME + timedelta(days=1)) == 0  # nothing to retry


def test_a_telegram_outage_is_retried_later_without_resending_the_rest(
    app, db, resident, telegram, link_telegram
):
    link_telegram(resident)
    telegram.failures = [(502, "Bad Gateway")]
    message = _sos(resident)
    db.session.commit()
    first = _deliveries(message)["telegram"]
    assert (first.status, first.attempts) == ("pending", 1) and "Bad Gateway" in first.error
    later = DAYTIME + timedelta(hours=1)
    with mock.patch("app.notifications.delivery.clock", return_value=later):
        assert services.sweep_outbox(now=later) == 1
    retried = _deliveries(message)["telegram"]
    assert (retried.status, retried.attempts, retried.error) == ("delivered", 2, None)
    assert len(telegram.sent) == 2 and len(sandbox_log(resident.phone)) == 1
    assert _status(message) == "delivered"


def test_quiet_hours_hold_sms_and_telegram_until_morning(app, db, resident, telegram, link_telegram, clock):
    link_telegram(resident)
    clock.return_value = shanghai(2026, 6, 1, 23, 30)
    message = _welcome(resident, "q")
    db.session.commit()
    held = _deliveries(message)
    morning = shanghai(2026, 6, 2, 7, 0)
    assert held["inbox"].status == "delivered"
    assert (held["telegram"].status, held["telegram"].not_before) == ("held", morning)
    assert telegram.sent == [] and _status(message) == "pending"
    deferred = _db.session.scalars(_db.select(jobs.DeferredJob)).all()
    assert [(d.func, d.args, d.run_at) for d in deferred] == [
        ("app.notifications.jobs.deliver_message", [str(message.id)], morning)
    ]

    clock.return_value = shanghai(2026, 6, 1, 23, 59)
    assert jobs.run_due(now=clock.return_value).ran == 0  # not yet
    clock.return_value = shanghai(2026, 6, 2, 7, 1)
    assert jobs.run_due(now=clock.return_value).ran == 1
    assert _deliveries(message)["telegram"].status == "delivered" and len(telegram.sent) == 1
    assert _status(message) == "delivered"


def test_urgent_messages_are_never_held(db, resident, clock):
    clock.return_value = shanghai(2026, 6, 1, 23, 30)
    message = _sos(resident)
    db.session.commit()
    assert _deliveries(message)["sms"].status == "delivered"
    assert sandbox_log(resident.phone)[0].body.startswith("【一码通城】答复即将到期：诉求 12345-A1 须于")
    assert "2026年6月1日 23:30" in sandbox_log(resident.phone)[0].body


def test_held_messages_are_released_by_the_sweep_when_the_deferred_job_is_lost(app, db, resident, clock):
    clock.return_value = shanghai(2026, 6, 1, 22, 15)
    message = _sos(resident, urgency="normal")
    db.session.commit()
    assert _deliveries(message)["sms"].status == "held"
    _db.session.execute(_db.delete(jobs.DeferredJob))
    morning = shanghai(2026, 6, 2, 7, 0) + timedelta(seconds=app.config["NOTIFY_SWEEP_GRACE_SECONDS"])
    clock.return_value = morning
    assert services.sweep_outbox(now=morning) == 1
    assert _deliveries(message)["sms"].status == "delivered"


def test_own_quiet_hours_and_turning_them_off(client, db, resident, auth, clock):
    put = client.put(
        "/api/v1/me/notification-preferences",
        json={"quiet_hours": {"start": "12:00", "end": "14:00"}},
        headers=auth(resident),
    )
    assert put.status_code == 200, put.get_json()
    clock.return_value = shanghai(2026, 6, 1, 12, 30)
    nap = _sos(resident, "test:nap", urgency="normal")
    db.session.commit()
    assert _deliveries(nap)["sms"].not_before == shanghai(2026, 6, 1, 14, 0)

    client.put(
        "/api/v1/me/notification-preferences",
        json={"quiet_hours": {"enabled": False}},
        headers=auth(resident),
    )
    awake = _sos(resident, "test:awake", urgency="normal")
    db.session.commit()
    assert _deliveries(awake)["sms"].status == "delivered"


def test_a_person_chooses_channels_per_topic(client, db, resident, auth, telegram, link_telegram):
    link_telegram(resident)
    defaults = client.get("/api/v1/me/notification-preferences", headers=auth(resident)).get_json()
    assert defaults["topics"]["complaints"] == ["inbox", "sms", "telegram"]
    assert defaults["quiet_hours"] == {
        "enabled": True,
        "start": "22:00",
        "end": "07:00",
        "timezone": "Asia/Shanghai",
    }
    assert set(defaults["topics"]) == set(services.TOPICS)

    changed = client.put(
        "/api/v1/me/notification-preferences",
        json={"topics": {"complaints": ["sms"], "account": []}},
        headers=auth(resident),
    ).get_json()
    assert changed["topics"]["complaints"] == ["inbox", "sms"]  # the inbox is always on
    assert changed["topics"]["account"] == ["inbox"]
    assert changed["topics"]["bills"] == defaults["topics"]["bills"]  # untouched topics keep theirs

    due = _sos(resident, "test:due", urgency="normal")
    db.session.commit()
    assert set(_deliveries(due)) == {"inbox", "sms"} and telegram.sent == []


def test_preferences_refuse_what_they_do_not_know(client, resident, auth):
    def put(body):
        return client.put("/api/v1/me/notification-preferences", json=body, headers=auth(resident))

    assert put({"topics": {"weather": ["sms"]}}).status_code == 422
    assert put({"topics": {"bills": ["carrier-pigeon"]}}).status_code == 422
    assert put({"quiet_hours": {"start": "25:00"}}).status_code == 422
    assert put({"quiet_hours": {"start": "07:00", "end": "07:00"}}).status_code == 422
    assert put({"quiet_hours": {"timezone": "UTC"}}).status_code == 422
    refused = put({"sms": True})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
