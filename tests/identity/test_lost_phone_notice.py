"""A lost-phone report tells the person urgently: Telegram, else SMS, else whoever holds their mandate."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.core.models import utcnow
from app.core.sms import sandbox_log
from app.extensions import db as _db
from app.identity import services as identity
from app.identity.models import AccountLink
from app.notifications.models import Delivery, InboxItem, OutboxMessage
from tests.notifications.helpers import RecordingTelegram, shanghai

DAYTIME = shanghai(2026, 6, 1, 10, 0)


@pytest.fixture
def telegram(app):
    """A configured bot whose Bot API calls are recorded."""
    recorder = RecordingTelegram()
    with (
        mock.patch("app.notifications.channels.telegram_request", return_value=recorder),
        mock.patch.dict(app.config, {"TELEGRAM_BOT_TOKEN": "123456:TEST"}),
        clock.frozen(DAYTIME),
    ):
        yield recorder


def _holds_mandate(grantor, grantee, scopes=("bills",)) -> None:
    identity.grant_mandate(
        Actor(kind=ActorKind.PERSON, person_id=grantor.id),
        grantee_phone=grantee.phone,
        scopes=list(scopes),
        expires_at=utcnow() + timedelta(days=200),
    )


def _notice(person) -> OutboxMessage:
    _db.session.expire_all()
    return _db.session.scalar(
        _db.select(OutboxMessage).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.template == "lost_phone_reported"
        )
    )


def _steps(message) -> dict[str, tuple[str, str | None]]:
    rows = _db.session.scalars(_db.select(Delivery).where(Delivery.message_id == message.id))
    return {d.channel: (d.status, d.error) for d in rows}


def _report(client, auth, person) -> dict:
    response = client.post("/api/v1/me/citycode/revoke", headers=auth(person))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_linked_chat_hears_of_the_report_first_and_nothing_else_is_needed(
    client, auth, db, make_person, telegram
):
    person = make_person(name="王阿姨", locale="en")
    db.session.add(AccountLink(person_id=person.id, provider="telegram", external_id="778001"))
    db.session.commit()
    reported = _report(client, auth, person)
    notice = _notice(person)
    assert notice.urgency == "urgent"
    steps = _steps(notice)
    assert steps["telegram"] == ("delivered", None)
    assert steps["sms"] == ("skipped", "reached by telegram")
    assert steps["mandate_holders"] == ("skipped", "reached by telegram")
    assert steps["inbox"][0] == "delivered"
    (sent,) = telegram.sent
    assert sent["chat_id"] == "778001"
    assert sent["text"].startswith("Your phone was reported lost\n\nAt ")
    assert f"{reported['signed_out_sessions']} sign-ins were ended" in sent["text"]
    assert sandbox_log(person.phone) == []


def test_without_a_chat_the_phone_gets_an_sms(client, auth, db, make_person, telegram):
    person = make_person(name="王阿姨")
    _report(client, auth, person)
    steps = _steps(_notice(person))
    assert steps["telegram"] == ("skipped", "the person has not linked a Telegram account")
    assert steps["sms"] == ("delivered", None)
    assert steps["mandate_holders"] == ("skipped", "reached by sms")
    (sms,) = sandbox_log(person.phone)
    assert "您的手机已挂失" in sms.body
    assert telegram.sent == []


def test_reaching_neither_relays_it_to_every_mandate_holder_each_step_recorded(
    app, client, auth, db, make_person, telegram
):
    person = make_person(name="王阿姨")
    son, neighbour = make_person(name="儿子", locale="en"), make_person(name="邻居")
    _holds_mandate(person, son, scopes=("bills",))  # any mandate: the notice is about the account
    db.session.add(AccountLink(person_id=son.id, provider="telegram", external_id="778002"))
    db.session.commit()
    with mock.patch.dict(app.config, {"SMS_SANDBOX_FAILING": person.phone}):
        _report(client, auth, person)
    steps = _steps(_notice(person))
    assert steps["telegram"][0] == "skipped"
    assert "sandbox provider refused" in steps["sms"][1]
    assert steps["mandate_holders"] == ("delivered", None)
    (item,) = db.session.scalars(db.select(InboxItem).where(InboxItem.person_id == son.id))
    assert item.title == "For 王阿姨: Your phone was reported lost"
    assert "could not be reached by Telegram or SMS" in item.body
    assert [sent["chat_id"] for sent in telegram.sent] == ["778002"]
    assert db.session.scalars(db.select(InboxItem).where(InboxItem.person_id == neighbour.id)).all() == []


def test_every_report_is_told(client, auth, db, make_person, telegram):
    person = make_person(name="王阿姨")
    _report(client, auth, person)
    with clock.frozen(DAYTIME + timedelta(minutes=5)):
        _report(client, auth, person)
    rows = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.template == "lost_phone_reported"
        )
    ).all()
    assert len(rows) == 2 and len(sandbox_log(person.phone)) == 2
