"""Finding 6: nobody can lock a person out of signing in by spending their phone's allowance.

What an attacker spends (codes asked for, wrong codes entered) is refused to the attacker's address;
the phone as a whole only slows down (never more than 15 minutes between codes), and its owner is told.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from app.core.models import utcnow
from app.identity import services
from tests.identity.helpers import latest_code
from tests.security.helpers import AddressedBrowser, authorization_url, register_apps

VICTIM_ADDRESS, ATTACKER, ACCOMPLICE = "198.51.100.7", "203.0.113.66", "203.0.113.99"


class Clock:
    def __init__(self):
        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    moving = Clock()
    with mock.patch("app.identity.otp.utcnow", side_effect=lambda: moving.now):
        yield moving


@pytest.fixture
def victim(make_person):
    return make_person(name="受害人")


@pytest.fixture
def url(db):
    register_apps()
    return authorization_url()[0]


def _ask(client, phone, address):
    return client.post("/api/v1/auth/otp", json={"phone": phone}, environ_base={"REMOTE_ADDR": address})


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_five_requests_for_the_victims_phone_lock_out_only_the_attacker(client, clock, victim):
    for _ in range(5):
        assert _ask(client, victim.phone, ATTACKER).status_code == 202
        clock.advance(61)
    refused = _ask(client, victim.phone, ATTACKER)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3000
    # The phone slows down (the sixth code of the hour waits two minutes), it is not locked for the hour.
    slowed = _ask(client, victim.phone, VICTIM_ADDRESS)
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 120
    clock.advance(120)
    assert _ask(client, victim.phone, VICTIM_ADDRESS).status_code == 202


def test_the_slow_down_never_makes_the_owner_wait_more_than_fifteen_minutes(client, clock, victim):
    addresses = [f"203.0.113.{n}" for n in range(1, 40)]
    waits = []
    for address in addresses:
        answer = _ask(client, victim.phone, address)
        if answer.status_code == 429:
            waits.append(int(answer.headers["Retry-After"]))
            clock.advance(waits[-1])
            assert _ask(client, victim.phone, address).status_code == 202
        clock.advance(1)
    assert waits and 14 * 60 < max(waits) <= 15 * 60, waits  # it reaches its longest wait, and no more


def test_five_wrong_codes_from_an_attacker_leave_the_owners_code_working(app, clock, victim, url):
    attacker = AddressedBrowser(app, ATTACKER, Accept="application/json")
    owner = AddressedBrowser(app, VICTIM_ADDRESS)
    assert owner.form(url, action="send_code", phone=victim.phone).status_code == 200
    code = latest_code(victim.phone)
    answers = [attacker.form(url, action="sign_in", phone=victim.phone, code=_wrong(code)) for _ in range(6)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429, 429]
    signed_in = owner.form(url, action="sign_in", phone=victim.phone, code=code)
    assert signed_in.status_code == 303, signed_in.text


def test_two_attackers_can_spend_a_code_but_the_owner_gets_a_new_one_at_once(app, client, clock, victim, url):
    owner = AddressedBrowser(app, VICTIM_ADDRESS)
    owner.form(url, action="send_code", phone=victim.phone)
    code = latest_code(victim.phone)
    for address in (ATTACKER, ACCOMPLICE):
        attacker = AddressedBrowser(app, address)
        for _ in range(5):
            attacker.form(url, action="sign_in", phone=victim.phone, code=_wrong(code))
    assert owner.form(url, action="sign_in", phone=victim.phone, code=code).status_code == 429
    clock.advance(61)
    assert owner.form(url, action="send_code", phone=victim.phone).status_code == 200
    signed_in = owner.form(url, action="sign_in", phone=victim.phone, code=latest_code(victim.phone))
    assert signed_in.status_code == 303


def test_the_owner_is_told_once_that_someone_is_at_their_sign_in(app, client, auth, clock, victim, url):
    attacker = AddressedBrowser(app, ATTACKER)
    services.send_sign_in_code(victim.phone, requester=VICTIM_ADDRESS)
    code = latest_code(victim.phone)
    for _ in range(7):
        attacker.form(url, action="sign_in", phone=victim.phone, code=_wrong(code))
    inbox = client.get("/api/v1/me/inbox", headers=auth(victim)).get_json()["items"]
    notices = [item for item in inbox if item["template"] == "sign_in_guard"]
    assert len(notices) == 1, inbox
    assert "验证码" in notices[0]["title"] and "请勿将验证码告诉任何人" in notices[0]["body"]


def test_the_owner_is_told_when_the_phone_slows_down(client, auth, clock, victim):
    for n in range(6):
        assert _ask(client, victim.phone, f"203.0.113.{n + 1}").status_code == 202
        clock.advance(121)
    inbox = client.get("/api/v1/me/inbox", headers=auth(victim)).get_json()["items"]
    assert [item["template"] for item in inbox].count("sign_in_guard") == 1
