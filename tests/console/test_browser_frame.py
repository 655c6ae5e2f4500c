"""In Chromium: sign in through the hosted page, the console in three languages, sign out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.console.models import ConsoleSession
from tests.console.conftest import DEMO
from tests.console.harness import look

pytestmark = pytest.mark.postgres


def test_an_agent_signs_in_switches_language_and_signs_out(page, live, browser_sign_in):
    browser_sign_in(page, DEMO["agent"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")
    expect(page.locator("#main").get_by_role("link", name="接听来电")).to_be_visible()
    look(page, "frame-home-zh-hans")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    look(page, "frame-home-en")

    page.get_by_role("link", name="繁體中文").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("歡迎")

    # The skip link is the first stop of the keyboard and lands on the main content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    with live.database() as session:
        assert session.query(ConsoleSession).filter(ConsoleSession.person_id.is_not(None)).count() == 1
    page.get_by_role("button", name=re.compile("登出|Sign out")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登出")
    with live.database() as session:
        assert session.query(ConsoleSession).filter(ConsoleSession.person_id.is_not(None)).count() == 0
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/oauth/authorize"))
