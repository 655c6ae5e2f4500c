"""The console: one message through the bot's own handlers, what it would send printed."""

from __future__ import annotations

import app as app_package
from bots.telegram import console


def test_the_console_links_and_answers_like_the_bot(app, bot, client, auth, resident, monkeypatch, capsys):
    monkeypatch.setattr(app_package, "create_app", lambda: app)
    code = client.post("/api/v1/me/links/telegram", headers=auth(resident)).get_json()["code"]
    console.main(["990101", f"/start {code}"])
    assert f"已绑定 {resident.display_name} 的账户" in capsys.readouterr().out
    console.main(["990101", "--press", "bills:"])
    out = capsys.readouterr().out
    assert out.startswith("您没有待缴账单。") and "[已缴账单] -> bills:paid" in out
    console.main(["990102", "/bills", "--language", "en"])
    assert capsys.readouterr().out.startswith("This chat is not linked")
