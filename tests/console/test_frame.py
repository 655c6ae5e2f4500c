"""The console's frame with the Flask test client: sign-in required, CSRF, language, sessions."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.console.models import ConsoleSession
from tests.console.conftest import DEMO, csrf_of


def test_a_page_without_a_session_sends_the_browser_to_sign_in(client, console_city):
    first = client.get("/console/agent/")
    assert first.status_code == 302
    assert first.headers["Location"].startswith("/console/sign-in?next=/console/agent/")
    start = client.get(first.headers["Location"])
    assert start.status_code == 302
    target = urlsplit(start.headers["Location"])
    query = parse_qs(target.query)
    assert target.path == "/oauth/authorize"
    assert query["client_id"] == ["yimatong-console"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://localhost/console/callback"]
    cookie = start.headers["Set-Cookie"]
    assert "ymt_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/console" in cookie


def test_signing_in_opens_the_console_with_the_persons_roles(sign_in, db):
    client = sign_in(DEMO["agent"])
    home = client.get("/console/")
    text = home.get_data(as_text=True)
    assert home.status_code == 200, text
    assert "王芳" in text and "接听来电" in text and "派单" not in text
    assert "default-src 'self'" in home.headers["Content-Security-Policy"]
    sessions = db.session.query(ConsoleSession).filter(ConsoleSession.person_id.is_not(None)).all()
    assert len(sessions) == 1 and sessions[0].refresh_token


def test_a_form_without_the_csrf_token_is_refused_with_a_message(sign_in):
    client = sign_in(DEMO["agent"])
    refused = client.post("/console/sign-out", data={})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "表单已过期" in text and 'role="alert"' in text
    assert client.get("/console/").status_code == 200  # still signed in


def test_signing_out_ends_the_session_and_the_sign_in(sign_in, db):
    client = sign_in(DEMO["agent"])
    home = client.get("/console/")
    out = client.post("/console/sign-out", data={"csrf_token": csrf_of(home.get_data(as_text=True))})
    assert out.status_code == 303 and out.headers["Location"] == "/console/signed-out"
    assert db.session.query(ConsoleSession).count() == 0
    assert client.get("/console/").status_code == 302


def test_a_page_for_another_role_is_refused(sign_in):
    client = sign_in(DEMO["agent"])
    refused = client.get("/console/work/")
    assert refused.status_code == 403
    assert 'role="alert"' in refused.get_data(as_text=True)


def test_language_follows_accept_language_then_the_switch(sign_in):
    client = sign_in(DEMO["agent"])
    assert "Take a call" in client.get("/console/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    switched = client.get("/console/?lang=zh_Hant")
    assert "接聽來電" in switched.get_data(as_text=True)
    assert "ymt_console_lang=zh_Hant" in switched.headers["Set-Cookie"]
    again = client.get("/console/", headers={"Accept-Language": "en"})
    assert "接聽來電" in again.get_data(as_text=True)


def test_a_callback_with_a_wrong_state_is_refused(client, console_city):
    client.get("/console/sign-in")
    refused = client.get("/console/callback?code=x&state=forged")
    assert refused.status_code == 400
    assert 'role="alert"' in refused.get_data(as_text=True)


def test_signing_out_also_ends_the_hosted_sign_in_of_this_browser(sign_in):
    client = sign_in(DEMO["agent"])
    home = client.get("/console/")
    out = client.post("/console/sign-out", data={"csrf_token": csrf_of(home.get_data(as_text=True))})
    assert any(h.startswith("ymt_signin=;") for h in out.headers.getlist("Set-Cookie")), out.headers
    again = client.get(client.get("/console/sign-in").headers["Location"])
    assert again.status_code == 200  # the hosted page asks for the phone again
