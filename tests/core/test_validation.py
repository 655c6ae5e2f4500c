"""Validation fields and messages: one shape (a list per field), formatted, in the caller's language."""

from __future__ import annotations

import enum

import marshmallow as ma
import pytest

from app.core.validation import CreditCode, NationalId, PhoneNumber, Range, StrictSchema


class Channel(enum.Enum):
    SMS = "sms"
    TELEGRAM = "telegram"


class SignUpSchema(StrictSchema):
    phone = PhoneNumber(required=True)
    national_id = NationalId()
    company = CreditCode()
    household = ma.fields.UUID()
    age = ma.fields.Integer(validate=Range(0, 150))
    born = ma.fields.DateTime()
    channel = ma.fields.Enum(Channel)


def _errors(app, body: dict, language: str) -> dict:
    with app.test_request_context(headers={"Accept-Language": language}):
        with pytest.raises(ma.ValidationError) as refused:
            SignUpSchema().load(body)
        return app.handle_user_exception(refused.value).get_json()["errors"]


def test_valid_input_is_normalized(app):
    with app.test_request_context():
        data = SignUpSchema().load(
            {"phone": "138 1234 5678", "national_id": "11010519491231002x", "company": "91110000600037341l"}
        )
    assert data == {
        "phone": "+8613812345678",
        "national_id": "11010519491231002X",
        "company": "91110000600037341L",
    }


BAD = {
    "national_id": "110105194912310021",
    "company": "91110000600037341M",
    "household": "nanming",
    "age": 151,
    "born": "yesterday",
    "channel": "fax",
    "surprise": 1,
}


def test_every_field_error_is_a_list_of_english_messages(app):
    assert _errors(app, BAD, "en") == {
        "phone": ["Missing data for required field."],
        "national_id": ["Not a valid national ID number."],
        "company": ["Not a valid unified social credit code."],
        "household": ["Not a valid UUID."],
        "age": ["Must be less than or equal to 150."],
        "born": ["Not a valid datetime."],
        "channel": ["Must be one of: SMS, TELEGRAM."],
        "surprise": ["Unknown field."],
    }


def test_every_field_error_is_a_list_of_chinese_messages(app):
    errors = _errors(app, BAD | {"phone": "12345"}, "zh-CN")
    assert errors["phone"] == ["不是有效的手机号码。"]
    assert errors["household"] == ["不是有效的 UUID。"]
    assert errors["channel"] == ["必须是以下之一：SMS, TELEGRAM。"]
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert not any("{" in message for messages in errors.values() for message in messages)


def test_null_and_wrong_types(app):
    errors = _errors(app, {"phone": None, "age": "many"}, "en")
    assert errors == {"phone": ["Field may not be null."], "age": ["Not a valid integer."]}


def test_nul_characters_are_refused_in_every_string_field(app):
    class NoteSchema(ma.Schema):
        note = ma.fields.String()
        contact = ma.fields.Email()

    english = app.test_request_context(headers={"Accept-Language": "en"})
    with english, pytest.raises(ma.ValidationError) as refused:
        NoteSchema().load({"note": "a\x00b", "contact": "li\x00@example.com"})
    assert refused.value.messages == {
        "note": ["Must not contain NUL characters."],
        "contact": ["Must not contain NUL characters."],
    }


def test_a_nul_in_a_request_body_is_a_422_on_every_database(client, resident, auth):
    response = client.patch("/api/v1/me", json={"display_name": "李\x00"}, headers=auth(resident))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"display_name": ["不能包含空字符（NUL）。"]}


def test_email_and_url_fields_work_and_speak_the_callers_language(app):
    class ContactSchema(ma.Schema):
        email = ma.fields.Email()
        homepage = ma.fields.URL()

    body = {"email": "not-an-address", "homepage": "nowhere"}
    for language, email, url in (
        ("en", "Not a valid email address.", "Not a valid URL."),
        ("zh-CN", "不是有效的电子邮箱地址。", "不是有效的网址。"),
    ):
        with app.test_request_context(headers={"Accept-Language": language}):
            with pytest.raises(ma.ValidationError) as refused:
                ContactSchema().load(body)
            errors = app.handle_user_exception(refused.value).get_json()["errors"]
        assert errors == {"email": [email], "homepage": [url]}
