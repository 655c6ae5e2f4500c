"""Fixtures of the console tests: the demo city, signed-in test clients, the served app and Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.sms import sandbox_log
from tests.console.harness import CHROMIUM, CHROMIUM_ARGS, LiveServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DEMO = {
    "agent": "+8613800000002",
    "dispatcher": "+8613800000003",
    "handler": "+8613800000004",
    "supervisor": "+8613800000005",
    "resident": "+8613800000001",
}


def latest_code(phone: str) -> str:
    """The six-digit code in the newest sandbox SMS to ``phone``."""
    for message in sandbox_log(phone, 10):
        found = re.search(r"\b(\d{6})\b", message.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no code was texted to {phone}")


def csrf_of(html: str) -> str:
    """The CSRF token of a page's form."""
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


@pytest.fixture
def console_city(db, app):
    """The demo city, its people, the 12345 hotline's data and the shops, with the console's client."""
    from app.city.demo import seed_city
    from app.commerce.demo import seed_commerce
    from app.complaints.demo import seed_complaints
    from app.console.demo import register_console_client
    from app.identity.demo import seed_identity

    # What the stories need of the demo, in its order (a part of the time of all of it).
    for seed in (seed_city, seed_identity, seed_complaints, seed_commerce):
        seed()
    register_console_client("http://localhost", app.config["OIDC_ISSUER"])
    return db


@pytest.fixture
def sign_in(client, console_city):
    """Sign a demo person in through the hosted page with the test client; returns the client."""

    def run(phone: str, locale: str = "zh-CN"):
        headers = {"Accept-Language": locale}
        start = client.get("/console/sign-in", headers=headers)
        assert start.status_code == 302, start.get_data(as_text=True)
        authorize = start.headers["Location"]
        page = client.get(authorize, headers=headers)
        form = {"csrf_token": csrf_of(page.get_data(as_text=True)), "phone": phone}
        sent = client.post(authorize, data={**form, "action": "send_code"}, headers=headers)
        assert sent.status_code == 200, sent.get_data(as_text=True)
        code = latest_code(phone)
        done = client.post(authorize, data={**form, "action": "sign_in", "code": code}, headers=headers)
        assert done.status_code == 303, done.get_data(as_text=True)
        issued = client.get(done.headers["Location"], headers=headers)
        assert issued.status_code == 302, issued.get_data(as_text=True)
        back = client.get(issued.headers["Location"], headers=headers)
        assert back.status_code == 303, back.get_data(as_text=True)
        return client

    return run


@pytest.fixture
def live(app, console_city):
    """The app served on a free port for this test (in its transaction), with the console client."""
    from app.console.demo import register_console_client

    server = LiveServer(app)
    register_console_client(server.url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, driven by Playwright (browsers cannot be downloaded here).

    One per module, not per session: Playwright's sync API runs an event loop in the main thread
    while it is started, and the suite's later ``asyncio.run`` calls (Telegram deliveries) fail
    inside a running loop.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium, live):
    """A fresh browser tab (its own cookies), in Simplified Chinese, on the live server."""
    # bypass_csp: axe-core is injected as an inline script, which the console's CSP refuses (rightly).
    context = chromium.new_context(
        locale="zh-CN", base_url=live.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def browser_sign_in(live):
    """Sign in on the hosted page in the browser: phone, send code, read the SMS, sign in."""

    def run(page, phone: str, start: str = "/console/"):
        page.goto(start)
        page.get_by_label(re.compile("手机号|Mobile phone")).fill(phone[3:])
        page.get_by_role("button", name=re.compile("获取验证码|Send code")).click()
        page.wait_for_load_state("load")
        with live.database():
            code = latest_code(phone)
        page.get_by_label(re.compile("短信验证码|Code from the text message")).fill(code)
        page.get_by_role("button", name=re.compile("^登录$|^Sign in$")).click()
        page.wait_for_url(re.compile(r"/console/"))
        page.wait_for_load_state("load")

    return run


@pytest.fixture
def report(console_city):
    """File a complaint as a demo resident through the service, as the app would; returns it."""
    from app.complaints import services as complaints
    from app.core.geo import Point
    from app.identity import services as identity

    def submit(category: str, description: str, address: str, lat: float, lng: float, phone=DEMO["resident"]):
        person = identity.person_by_phone(phone)
        actor = identity.person_actor(person, "yimatong-mini-program")
        intake = complaints.Intake(
            category_code=category, description=description, address=address, point=Point(lat, lng)
        )
        complaint = complaints.submit_complaint(actor, intake)
        console_city.session.flush()
        return complaint

    return submit
