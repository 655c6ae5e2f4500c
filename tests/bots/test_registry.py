"""The bot's features: installed with their domain, one per route, buttons within Telegram's limit."""

from __future__ import annotations

import pytest

from bots.telegram import bot as bot_module
from bots.telegram.features import FEATURES
from bots.telegram.registry import Feature, Registry


def _noop(turn, argument):
    raise AssertionError("not called")


def test_a_feature_is_installed_only_with_its_domain():
    registry = Registry.of(FEATURES, ("city", "identity", "notifications"))
    assert {"start", "code", "inbox"} <= set(registry.commands)
    assert "bills" not in registry.commands and "report" not in registry.commands
    assert [f.name for f in registry.features] == ["account", "citycode", "inbox"]


def test_two_features_claiming_one_route_are_refused():
    first = Feature(name="parking", domain="parking", buttons={"lot": _noop})
    second = Feature(name="commerce", domain="commerce", buttons={"lot": _noop})
    with pytest.raises(ValueError, match="lot"):
        Registry.of([first, second], ("parking", "commerce"))


def test_every_installed_domain_has_its_menu_entry(app):
    registry = Registry.of(FEATURES, app.config["DOMAINS"])
    menu = [data for _label, data in registry.menu()]
    assert menu == [
        "home:",
        "code:",
        "bills:",
        "report:new",
        "insurance:",
        "inbox:",
        "parking:",
        "appts:",
        "near:",
        "care:",
        "trips:",
    ]
    for data in menu:  # every menu button routes to a handler
        assert data.partition(":")[0] in registry.buttons


def test_buttons_carry_ids_within_telegrams_64_bytes(bot, link, resident):
    from tests.bills import helpers
    from tests.bots.telegram_fake import Chat

    water = helpers.make_biller()
    bill = helpers.push(water, "W-LEN-1", helpers.bind(resident, water).account_number)
    chat = link(Chat(8401), resident)
    bot(chat.press("pay:" + bill.id.hex))
    assert all(len(data.encode()) <= 64 for _label, data in bot.request.last_buttons())


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"TELEGRAM_BOT_TOKEN": None}, "TELEGRAM_BOT_TOKEN is not set"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:A", "TELEGRAM_WEBHOOK_URL": "https://bot.example/telegram"},
            "TELEGRAM_WEBHOOK_SECRET is not set",
        ),
    ],
)
def test_a_missing_setting_is_one_clear_line(app, monkeypatch, settings, says):
    for name, value in {"TELEGRAM_WEBHOOK_URL": None, "TELEGRAM_WEBHOOK_SECRET": None, **settings}.items():
        monkeypatch.setitem(app.config, name, value)
    with pytest.raises(SystemExit, match=says):
        bot_module.settings_of(app)
