"""Urgent messages: Telegram, else SMS, else the people holding the person's mandate; each step recorded."""

from unittest import mock

from app.core.sms import sandbox_log
from app.extensions import db as _db
from app.notifications import services
from app.notifications.models import Delivery, InboxItem, OutboxMessage
from tests.eldercare.helpers import guard
from tests.notifications.helpers import shanghai


def _steps(message) -> dict[str, tuple[str, str | None]]:
    _db.session.expire_all()
    rows = _db.session.scalars(_db.select(Delivery).where(Delivery.message_id == message.id))
    return {d.channel: (d.status, d.error) for d in rows}


def _urgent(person, key="test:urgent", urgency="urgent"):
    return services.notify(
        person.id,
        "complaint_deadline_near",
        {"reference": "12345-A1", "deadline": shanghai(2026, 6, 1, 23, 30)},
        topic="complaints",
        dedupe_key=key,
        urgency=urgency,
    )


def _relays(db) -> list[OutboxMessage]:
    return list(
        db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.template == "urgent_relayed"))
    )


def test_telegram_reaching_the_person_ends_the_chain(db, make_person, telegram, link_telegram):
    person, daughter = make_person(name="王奶奶"), make_person(name="女儿")
    guard(person, daughter, scopes=("bills",))
    link_telegram(person, "777001")
    message = _urgent(person)
    db.session.commit()
    assert [sent["chat_id"] for sent in telegram.sent] == ["777001"]
    steps = _steps(message)
    assert steps["telegram"] == ("delivered", None)
    assert steps["sms"] == ("skipped", "reached by telegram")
    assert steps["mandate_holders"] == ("skipped", "reached by telegram")
    assert steps["inbox"][0] == "delivered"
    assert sandbox_log(person.phone) == [] and _relays(db) == []


def test_without_telegram_the_sms_reaches_the_person(db, make_person, telegram):
    person, daughter = make_person(name="王奶奶"), make_person(name="女儿")
    guard(person, daughter, scopes=("bills",))
    message = _urgent(person)
    db.session.commit()
    steps = _steps(message)
    assert steps["telegram"] == ("skipped", "the person has not linked a Telegram account")
    assert steps["sms"] == ("delivered", None)
    assert steps["mandate_holders"] == ("skipped", "reached by sms")
    assert len(sandbox_log(person.phone)) == 1 and _relays(db) == []


def test_neither_reaching_the_person_relays_it_to_each_mandate_holder_of_the_topic(
    app, db, make_person, telegram, link_telegram
):
    person, daughter = make_person(name="王奶奶"), make_person(name="女儿", locale="en")
    neighbour = make_person(name="邻居")
    guard(person, daughter, scopes=("complaints",))
    guard(person, neighbour, scopes=("bills",))  # her mandate does not cover complaints: not told
    link_telegram(daughter, "777002")
    with mock.patch.dict(app.config, {"SMS_SANDBOX_FAILING": person.phone}):
        message = _urgent(person)
        db.session.commit()
    steps = _steps(message)
    assert steps["telegram"][0] == "skipped"
    assert steps["sms"][0] == "pending" and "sandbox provider refused" in steps["sms"][1]
    assert steps["mandate_holders"] == ("delivered", None)
    (relay,) = _relays(db)
    assert relay.recipient_id == daughter.id and relay.urgency == "urgent"
    (item,) = db.session.scalars(db.select(InboxItem).where(InboxItem.person_id == daughter.id))
    assert item.title.startswith("For 王奶奶: ") and "could not be reached by Telegram or SMS" in item.body
    assert [sent["chat_id"] for sent in telegram.sent] == ["777002"]  # the relay reached her chat
    assert "mandate_holders" not in _steps(relay)  # a relay is not relayed again


def test_a_normal_message_keeps_the_persons_channels(db, make_person, telegram, link_telegram):
    person = make_person(name="王奶奶")
    link_telegram(person, "777003")
    message = _urgent(person, "test:normal", urgency="normal")
    db.session.commit()
    steps = _steps(message)
    assert steps["telegram"][0] == "delivered" and steps["sms"][0] == "delivered"
    assert "mandate_holders" not in steps
