"""Linking a Telegram chat to a person with a one-time code the bot redeems."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import clock
from app.core.models import utcnow
from app.identity import services
from app.identity.models import AccountLinkCode
from app.identity.services import LinkCodeRejected

CHAT = 555000111


def _code(client, auth, person) -> dict:
    response = client.post("/api/v1/me/links/telegram", headers=auth(person))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_link_code_redeemed_by_the_bot_links_the_chat(client, auth, resident, db):
    issued = _code(client, auth, resident)
    assert len(issued["code"]) == 10
    stored = db.session.scalar(db.select(AccountLinkCode).where(AccountLinkCode.person_id == resident.id))
    assert issued["code"] not in stored.code_hash, "codes are stored hashed"

    person = services.redeem_link_code(issued["code"].lower(), CHAT)
    db.session.commit()
    assert person.id == resident.id
    assert services.linked_account_id(resident.id, "telegram") == str(CHAT)
    assert services.person_by_linked_account("telegram", CHAT).id == resident.id
    links = client.get("/api/v1/me/links", headers=auth(resident)).get_json()
    assert [(link["provider"], link["external_id"]) for link in links] == [("telegram", str(CHAT))]


def test_a_link_code_works_once(client, auth, resident, db):
    code = _code(client, auth, resident)["code"]
    services.redeem_link_code(code, CHAT)
    with pytest.raises(LinkCodeRejected):
        services.redeem_link_code(code, CHAT + 1)


def test_a_link_code_expires_after_ten_minutes(client, auth, resident):
    code = _code(client, auth, resident)["code"]
    later = utcnow() + timedelta(minutes=10, seconds=1)
    with clock.frozen(later), pytest.raises(LinkCodeRejected):
        services.redeem_link_code(code, CHAT)


def test_a_wrong_code_is_rejected(db):
    with pytest.raises(LinkCodeRejected):
        services.redeem_link_code("NOSUCHCODE", CHAT)


def test_relinking_moves_the_chat_and_replaces_the_persons_old_link(
    client, auth, resident, other_resident, db
):
    services.redeem_link_code(_code(client, auth, resident)["code"], CHAT)
    services.redeem_link_code(_code(client, auth, other_resident)["code"], CHAT)
    assert services.linked_account_id(resident.id, "telegram") is None
    assert services.person_by_linked_account("telegram", CHAT).id == other_resident.id
    services.redeem_link_code(_code(client, auth, other_resident)["code"], CHAT + 7)
    assert services.linked_account_id(other_resident.id, "telegram") == str(CHAT + 7)


def test_unlinking(client, auth, resident, db):
    services.redeem_link_code(_code(client, auth, resident)["code"], CHAT)
    db.session.commit()
    assert client.delete("/api/v1/me/links/telegram", headers=auth(resident)).status_code == 204
    assert client.get("/api/v1/me/links", headers=auth(resident)).get_json() == []
    assert client.delete("/api/v1/me/links/telegram", headers=auth(resident)).status_code == 404


def test_deep_link_when_the_bot_is_configured(app, client, auth, resident):
    app.config["TELEGRAM_BOT_USERNAME"] = "yimatong_bot"
    try:
        issued = _code(client, auth, resident)
    finally:
        app.config["TELEGRAM_BOT_USERNAME"] = None
    assert issued["deep_link"] == f"https://t.me/yimatong_bot?start={issued['code']}"
