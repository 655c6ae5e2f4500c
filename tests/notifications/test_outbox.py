"""The outbox: written in the caller's transaction, delivered once per channel, retried, never lost."""

from datetime import timedelta
from unittest import mock

import pytest

from app.core import jobs
from app.core.sms import sandbox_log
from app.extensions import db as _db
from app.notifications import delivery, services
from app.notifications.models import Delivery, InboxItem, OutboxMessage
from tests.notifications.conftest import DAYTIME


def _welcome(person, key="test:welcome", **options):
    return services.notify(person.id, "welcome", {"name": "小明"}, topic="account", dedupe_key=key, **options)


def _inbox(person) -> list[InboxItem]:
    return list(_db.session.scalars(_db.select(InboxItem).where(InboxItem.person_id == person.id)))


def _deliveries(message) -> dict[str, Delivery]:
    rows = _db.session.scalars(_db.select(Delivery).where(Delivery.message_id == message.id))
    return {d.channel: d for d in rows}


def _reload(message) -> OutboxMessage:
    _db.session.expire_all()
    return _db.session.get(OutboxMessage, message.id)


def test_a_committed_message_is_delivered_on_each_chosen_channel(db, resident):
    message = _welcome(resident)
    db.session.commit()
    message = _reload(message)
    assert message.status == "delivered" and message.attempts == 1 and message.finished_at is not None
    channels = _deliveries(message)
    assert channels["inbox"].status == "delivered"
    assert channels["inbox"].provider_message_id == str(_inbox(resident)[0].id)
    assert channels["sms"].status == "delivered"
    assert channels["sms"].provider_message_id == sandbox_log(resident.phone)[0].provider_message_id
    assert channels["telegram"].status == "skipped"
    assert channels["telegram"].error == "no Telegram bot token is configured"


def test_a_rolled_back_change_sends_nothing(db, resident):
    _welcome(resident)
    db.session.rollback()
    db.session.commit()
    assert (
        _db.session.scalar(_db.select(OutboxMessage).where(OutboxMessage.dedupe_key == "test:welcome"))
        is None
    )
    assert _inbox(resident) == [] and sandbox_log(resident.phone) == []


def test_a_rolled_back_savepoint_sends_nothing_but_the_rest_commits(db, resident, other_resident):
    with pytest.raises(RuntimeError), db.session.begin_nested():
        _welcome(resident, "test:inner")
        raise RuntimeError("the change failed")
    _welcome(other_resident, "test:outer")
    db.session.commit()
    assert _inbox(resident) == []
    assert len(_inbox(other_resident)) == 1


def test_the_same_dedupe_key_never_sends_twice(db, resident):
    first = _welcome(resident)
    assert _welcome(resident).id == first.id  # same transaction
    db.session.commit()
    again = _welcome(resident)  # a later transaction, e.g. a retried request
    db.session.commit()
    assert again.id == first.id
    assert len(_inbox(resident)) == 1 and len(sandbox_log(resident.phone)) == 1


def test_the_relay_run_twice_delivers_once(db, resident):
    message = _welcome(resident)
    db.session.commit()
    delivery.deliver(message.id)
    services.sweep_outbox(now=DAYTIME + timedelta(hours=1))
    assert len(_inbox(resident)) == 1 and len(sandbox_log(resident.phone)) == 1
    assert _reload(message).attempts == 1


def test_a_message_whose_relay_was_lost_is_delivered_by_the_sweep(app, db, resident):
    with mock.patch("app.core.jobs.handover._run_inline"):  # the process died between commit and relay
        message = _welcome(resident)
        db.session.commit()
    assert _reload(message).status == "pending" and _inbox(resident) == []
    grace = app.config["NOTIFY_SWEEP_GRACE_SECONDS"]
    assert services.sweep_outbox(now=message.due_at) == 0  # too fresh: its relay may still be on the way
    assert services.sweep_outbox(now=message.due_at + timedelta(seconds=grace)) == 1
    assert _reload(message).status == "delivered" and _reload(message).job_seq == 1
    assert len(_inbox(resident)) == 1
    assert services.sweep_outbox(now=message.due_at + timedelta(hours=1)) == 0


def test_a_message_whose_worker_died_is_taken_over_after_its_lease(app, db, resident):
    with mock.patch("app.core.jobs.handover._run_inline"):
        message = _welcome(resident)
        db.session.commit()
    assert delivery._claim(message.id, DAYTIME) is not None  # a worker claimed it, then died
    assert delivery._claim(message.id, DAYTIME) is None  # nobody else may work on it meanwhile
    lease_end = _reload(message).due_at
    grace = timedelta(seconds=app.config["NOTIFY_SWEEP_GRACE_SECONDS"])
    assert services.sweep_outbox(now=lease_end - timedelta(seconds=1)) == 0
    with mock.patch("app.notifications.delivery.clock", return_value=lease_end + grace):
        assert services.sweep_outbox(now=lease_end + grace) == 1
    message = _reload(message)
    assert message.status == "delivered" and message.attempts == 2
    assert len(_inbox(resident)) == 1 and len(sandbox_log(resident.phone)) == 1


def test_a_failing_channel_is_retried_with_backoff_then_given_up(app, db, resident):
    grace = timedelta(seconds=app.config["NOTIFY_SWEEP_GRACE_SECONDS"])
    with mock.patch.dict(app.config, {"SMS_SANDBOX_FAILING": resident.phone, "NOTIFY_MAX_ATTEMPTS": 3}):
        message = _welcome(resident)
        db.session.commit()
        message = _reload(message)
        sms = _deliveries(message)["sms"]
        assert (sms.status, sms.attempts) == ("pending", 1)
        assert sms.error == f"sms provider: sandbox provider refused {resident.phone}"
        assert _deliveries(message)["inbox"].status == "delivered"  # the other channels are unaffected
        assert message.status == "pending" and message.last_error.startswith("sms: sms provider:")
        assert message.due_at == DAYTIME + timedelta(seconds=services.backoff(1))
        assert services.sweep_outbox(now=message.due_at) == 0  # not before the backoff has passed
        for attempt in (2, 3):
            assert services.sweep_outbox(now=_reload(message).due_at + grace) == 1
            assert _deliveries(message)["sms"].attempts == attempt
    message = _reload(message)
    assert message.status == "failed" and "sandbox provider refused" in message.last_error
    assert _deliveries(message)["sms"].status == "failed"
    assert len(_inbox(resident)) == 1 and sandbox_log(resident.phone) == []
    assert services.sweep_outbox(now=DAYTIME + timedelta(days=1)) == 0  # given up: no more tries


def test_a_message_to_someone_who_is_gone_fails_with_a_reason(db, resident):
    with mock.patch("app.core.jobs.handover._run_inline"):
        message = _welcome(resident)
        db.session.commit()
    with mock.patch("app.notifications.services.recipient", return_value=None):
        delivery.deliver(message.id)
    assert _reload(message).status == "failed" and _reload(message).last_error == "recipient: no such person"


@pytest.mark.parametrize(
    ("template", "params", "topic", "urgency", "complaint"),
    [
        ("no_such_template", {}, "account", "normal", "unknown notification template"),
        ("welcome", {}, "account", "normal", "needs parameters: name"),
        ("welcome", {"name": "x"}, "bills", "normal", "belongs to topic 'account'"),
        ("welcome", {"name": "x"}, "weather", "normal", "unknown topic"),
        ("welcome", {"name": "x"}, "account", "whenever", "urgency is one of"),
        ("welcome", {"name": object()}, "account", "normal", "notification parameters are"),
    ],
)
def test_a_wrong_call_fails_in_the_caller(db, resident, template, params, topic, urgency, complaint):
    with pytest.raises((ValueError, TypeError), match=complaint):
        services.notify(resident.id, template, params, topic=topic, dedupe_key="test:bad", urgency=urgency)


def test_rq_retries_follow_the_configured_backoff(app):
    with (
        app.app_context(),
        mock.patch.dict(app.config, {"NOTIFY_RETRY_BACKOFF": (30, 120), "NOTIFY_MAX_ATTEMPTS": 5}),
    ):
        assert services.retry_policy(0) == jobs.RetryPolicy(4, (30, 120, 120, 120))
        assert services.retry_policy(2) == jobs.RetryPolicy(2, (120, 120))
        assert services.retry_policy(4) is None  # the last attempt: a failure is final


def test_a_message_that_cannot_be_rendered_fails_with_the_reason(db, resident):
    with mock.patch("app.core.jobs.handover._run_inline"):
        message = _welcome(resident)
        db.session.commit()
    with mock.patch("app.notifications.delivery.render", side_effect=KeyError("name")):
        delivery.deliver(message.id)
    message = _reload(message)
    assert message.status == "failed" and message.last_error == "template welcome: KeyError: 'name'"
    assert _inbox(resident) == []


def test_a_message_whose_workers_keep_dying_is_given_up(app, db, resident):
    with mock.patch("app.core.jobs.handover._run_inline"):
        message = _welcome(resident)
        db.session.commit()
    limit = app.config["NOTIFY_MAX_ATTEMPTS"]
    _db.session.execute(
        _db.update(OutboxMessage).where(OutboxMessage.id == message.id).values(attempts=limit + 1)
    )
    db.session.commit()
    delivery.deliver(message.id)
    message = _reload(message)
    assert message.status == "failed" and message.last_error.startswith(f"gave up after {limit + 1} attempts")
    assert _inbox(resident) == []
