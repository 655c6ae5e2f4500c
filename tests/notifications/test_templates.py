"""Templates render in the recipient's locale with parameters formatted for it."""

from datetime import date

import pytest

from app.core.money import Money
from app.notifications import templates
from app.notifications.templates import Localized, encode_params, get_template, render
from tests.notifications.helpers import shanghai


@pytest.mark.parametrize(
    ("locale", "title", "body"),
    [
        ("zh_Hans", "新账单", "您2026年5月的市供电局账单为¥88.20，请于2026年6月20日前缴纳。"),
        ("zh_Hant", "新帳單", "您2026年5月的市供電局帳單為CN¥88.20，請於2026年6月20日前繳納。"),
        ("en", "New bill", "Your City Power bill for May 2026 is CN¥88.20, due Jun 20, 2026."),
        (None, "新账单", "您2026年5月的市供电局账单为¥88.20，请于2026年6月20日前缴纳。"),
        ("fr", "新账单", "您2026年5月的市供电局账单为¥88.20，请于2026年6月20日前缴纳。"),
    ],
)
def test_a_bill_reads_naturally_in_each_language(app, locale, title, body):
    params = encode_params(
        get_template("bill_issued"),
        {
            "biller": Localized({"zh_Hans": "市供电局", "zh_Hant": "市供電局", "en": "City Power"}),
            "period": Localized({"zh_Hans": "2026年5月", "zh_Hant": "2026年5月", "en": "May 2026"}),
            "amount": Money(8820),
            "due_date": date(2026, 6, 20),
        },
    )
    with app.app_context():
        rendered = render("bill_issued", params, locale)
    assert (rendered.title, rendered.body) == (title, body)


def test_times_are_shown_on_the_shanghai_clock(app):
    from datetime import UTC, datetime

    params = encode_params(
        get_template("complaint_deadline_near"),
        {"reference": "12345-A1", "deadline": datetime(2026, 6, 1, 1, 30, tzinfo=UTC)},
    )
    with app.app_context():
        assert render("complaint_deadline_near", params, "en").body.endswith("Jun 1, 2026, 9:30\u202fAM.")
        assert render("complaint_deadline_near", params, "zh_Hans").body.endswith(
            "2026年6月1日 09:30 前答复。"
        )


def test_localized_parameters_fall_back_to_simplified_chinese():
    assert Localized({"zh_Hans": "市水务集团"}).pick("en") == "市水务集团"
    assert Localized({"en": "City Water"}).pick("zh_Hant") == "City Water"


def test_parameters_must_be_aware_and_serializable():
    template = get_template("complaint_deadline_near")
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_params(template, {"reference": "x", "deadline": shanghai(2026, 1, 1).replace(tzinfo=None)})
    with pytest.raises(TypeError):
        encode_params(template, {"reference": True, "deadline": "now"})


def test_every_template_names_a_known_topic_and_a_title_and_body():
    for template in templates.TEMPLATES.values():
        assert template.topic in (*templates.TOPICS, None)
        assert str(template.title) and str(template.body)


def test_registering_a_different_template_under_a_taken_name_fails():
    with pytest.raises(ValueError, match="already registered"):
        templates.register_template("welcome", topic="account", title="Hi", body="Hello")


def test_every_template_renders_in_every_language(app):
    with app.app_context():
        templates.warm_up()  # what a worker does before its first job; fails on a broken translation


def test_the_sos_notice_offers_each_arrival_time_as_a_button_and_drops_one_telegram_cannot_take(app):
    template = get_template("eldercare_sos")
    assert "minutes" not in template.placeholders  # each button brings its own
    params = encode_params(
        template,
        {
            "kind": Localized({"zh_Hans": "紧急呼救", "zh_Hant": "緊急呼救", "en": "Emergency call"}),
            "elder": "李奶奶",
            "time": shanghai(2026, 6, 1, 10),
            "reference": "1234abcd",
            "alert_id": "a" * 32,
        },
    )
    with app.app_context():
        rendered = render("eldercare_sos", params, "en")
        too_long = render("eldercare_sos", {**params, "alert_id": "a" * 60}, "en")
    assert rendered.buttons == (
        (
            ("🚗 I am coming (about 10 min)", "sosack:" + "a" * 32 + ":10"),
            ("🚗 I am coming (about 20 min)", "sosack:" + "a" * 32 + ":20"),
        ),
        (
            ("🚗 I am coming (about 30 min)", "sosack:" + "a" * 32 + ":30"),
            ("🚗 I am coming (about 60 min)", "sosack:" + "a" * 32 + ":60"),
        ),
    )
    assert too_long.buttons == ()  # over Telegram's 64 bytes: left off, the message still goes
