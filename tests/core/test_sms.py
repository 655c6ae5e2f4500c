"""SMS through one provider interface; the sandbox records what it would have sent."""

from __future__ import annotations

import pytest

from app.core.sms import SmsError, sandbox_log, sms_provider


def test_sandbox_records_each_message(db):
    receipt = sms_provider().send("+8613800000001", "您的验证码是 123456")
    assert receipt.provider_message_id.startswith("sbx-")
    [message] = sandbox_log("+8613800000001")
    assert (message.body, message.provider_message_id) == ("您的验证码是 123456", receipt.provider_message_id)
    assert sandbox_log("+8613800000002") == []


def test_configured_numbers_fail_like_a_carrier_would(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SANDBOX_FAILING", "+8613800000009, +8613800000008")
    with pytest.raises(SmsError):
        sms_provider().send("+8613800000009", "不会送达")
    assert sandbox_log("+8613800000009") == []
    sms_provider().send("+8613800000001", "照常送达")


def test_production_never_uses_the_sandbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "SANDBOX_PROVIDERS", False)
    with app.app_context(), pytest.raises(RuntimeError, match="not allowed in production"):
        sms_provider()


def test_unknown_provider_is_a_configuration_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "carrier-x")
    with app.app_context(), pytest.raises(RuntimeError, match="carrier-x"):
        sms_provider()
