"""Sign-in by SMS code: sending limits, lock-outs, single use, first-time welcome."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import httpx
import pytest

from app.core.models import utcnow
from app.core.sms import sandbox_log
from app.identity import services
from app.identity.errors import CodeRejected
from app.identity.models import OtpChallenge
from app.notifications.models import OutboxMessage
from tests.identity.helpers import REDIRECT_URI, Browser, latest_code

PHONE = "+8613912349999"


class Clock:
    """Moves the sign-in code clock forward."""

    def __init__(self):
        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    moving = Clock()
    with mock.patch("app.identity.otp.utcnow", side_effect=lambda: moving.now):
        yield moving


def _send(client, phone=PHONE, **headers):
    return client.post("/api/v1/auth/otp", json={"phone": phone}, headers=headers)


@pytest.fixture
def authorize_url(mini_program):
    params = {
        "response_type": "code",
        "client_id": mini_program.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    return f"/oauth/authorize?{httpx.QueryParams(params)}"


def test_a_code_is_texted_and_stored_only_as_a_hash(client, db):
    response = _send(client, "13912349999")
    assert response.status_code == 202
    assert response.get_json() == {"expires_in": 300, "resend_after": 60}
    code = latest_code(PHONE)
    assert len(code) == 6
    stored = db.session.scalar(db.select(OtpChallenge).where(OtpChallenge.phone == PHONE))
    assert code not in stored.code_hash


def test_the_text_follows_the_callers_language(client):
    _send(client, **{"Accept-Language": "en"})
    assert sandbox_log(PHONE, 1)[0].body.startswith("[Yimatong] Your sign-in code is")


def test_one_code_per_minute_per_phone(client, clock):
    assert _send(client).status_code == 202
    clock.advance(20)
    refused = _send(client)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 40
    assert refused.get_json()["retry_after"] == int(refused.headers["Retry-After"])
    clock.advance(41)
    assert _send(client).status_code == 202


def test_five_codes_per_hour_per_phone(client, clock):
    for _ in range(5):
        assert _send(client).status_code == 202
        clock.advance(61)
    refused = _send(client)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 3000
    assert _send(client, "+8613912348888").status_code == 202, "another phone is not affected"
    clock.advance(3600)
    assert _send(client).status_code == 202


def test_an_invalid_phone_is_a_validation_problem(client):
    response = _send(client, "12345")
    assert response.status_code == 422
    assert "phone" in response.get_json()["errors"]


def test_each_client_address_is_limited_too(client):
    statuses = [_send(client, f"+86139123400{n:02d}").status_code for n in range(10)]
    assert statuses == [202] * 10
    refused = _send(client, "+8613912340099")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 61, "the address may try again within the minute"


def test_five_wrong_codes_lock_the_code_even_the_right_one(app, client, clock, authorize_url):
    browser = Browser(app, **{"Accept-Language": "en"})
    page = browser.open(authorize_url)
    page = browser.post(authorize_url, page, action="send_code", phone=PHONE)
    right = latest_code(PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = browser.post(authorize_url, page, action="sign_in", phone=PHONE, code=wrong)
        assert page.status_code == 400
        assert (f"{left} attempts left" if left > 1 else "1 attempt left.") in page.text
        assert "1 attempts" not in page.text
    page = browser.post(authorize_url, page, action="sign_in", phone=PHONE, code=wrong)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    page = browser.post(authorize_url, page, action="sign_in", phone=PHONE, code=right)
    assert page.status_code == 429, "a locked code stays locked"

    clock.advance(61)
    page = browser.post(authorize_url, page, action="send_code", phone=PHONE)
    signed_in = browser.post(authorize_url, page, action="sign_in", phone=PHONE, code=latest_code(PHONE))
    assert signed_in.status_code == 303, "a new code works"


def test_lock_out_is_a_problem_document_for_json_clients(app, client, authorize_url):
    browser = Browser(app, Accept="application/json")
    page = browser.open(authorize_url)
    _send(client)
    wrong = "000000" if latest_code(PHONE) != "000000" else "111111"
    for _ in range(4):
        browser.post(authorize_url, page, action="sign_in", phone=PHONE, code=wrong)
    locked = browser.post(authorize_url, page, action="sign_in", phone=PHONE, code=wrong)
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert locked.json()["code"] == "rate-limited" and locked.json()["retry_after"] >= 1


def test_a_code_works_once_and_expires_after_five_minutes(app, db, clock):
    services.send_sign_in_code(PHONE)
    code = latest_code(PHONE)
    services.sign_in_with_otp(PHONE, code)
    with pytest.raises(CodeRejected):
        services.sign_in_with_otp(PHONE, code)

    clock.advance(61)
    services.send_sign_in_code(PHONE)
    clock.advance(301)
    with pytest.raises(CodeRejected):
        services.sign_in_with_otp(PHONE, latest_code(PHONE))


def test_first_sign_in_creates_the_person_and_welcomes_them_once(app, db, clock):
    assert services.person_by_phone(PHONE) is None
    services.send_sign_in_code(PHONE)
    person = services.sign_in_with_otp(PHONE, latest_code(PHONE))
    assert person.id and person.last_signed_in_at is not None
    assert _welcomes(db, person) == 1

    clock.advance(61)
    services.send_sign_in_code(PHONE)
    assert services.sign_in_with_otp(PHONE, latest_code(PHONE)).id == person.id
    assert _welcomes(db, person) == 1


def _welcomes(db, person) -> int:
    """Welcome notifications queued in the outbox for the person (delivered after commit)."""
    stmt = db.select(OutboxMessage).where(
        OutboxMessage.recipient_id == person.id, OutboxMessage.template == "welcome"
    )
    return len(db.session.scalars(stmt).all())


def test_people_created_by_staff_are_welcomed_at_their_own_first_sign_in(app, db, make_person):
    person = make_person("hotline_agent")
    services.send_sign_in_code(person.phone)
    services.sign_in_with_otp(person.phone, latest_code(person.phone))
    assert _welcomes(db, person) == 1


def test_a_failing_sms_provider_is_503_and_uses_no_allowance(app, client):
    app.config["SMS_SANDBOX_FAILING"] = PHONE
    try:
        assert _send(client).status_code == 503
    finally:
        app.config["SMS_SANDBOX_FAILING"] = ""
    assert _send(client).status_code == 202


def test_the_hosted_page_answers_its_address_limit_as_a_page_in_the_readers_language(
    app, client, authorize_url, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGN_IN_ADDRESS_RATE_LIMIT", "2 per minute")
    browser = Browser(app, **{"Accept-Language": "zh-TW"})
    page = browser.open(authorize_url)
    for n in range(2):
        page = browser.post(authorize_url, page, action="send_code", phone=f"+86139123401{n:02d}")
    limited = browser.post(authorize_url, page, action="send_code", phone="+8613912340199")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["Content-Type"].startswith("text/html")
    assert "您的請求過於頻繁，請稍候再試。" in limited.text, limited.text
    assert 'name="csrf_token"' in limited.text  # the sign-in form itself, to try again later
    assert '"status"' not in limited.text
