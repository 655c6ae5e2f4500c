"""The signed-in person: profile, preferences, real name and age, roles granted by administrators."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from app.identity import services

ELDER_ID = "11010519491231002X"  # born 1949-12-31
OTHER_ID = "110105200001010016"


def _verify(client, auth, person, number=ELDER_ID, name="李秀英"):
    return client.post(
        "/api/v1/me/real-name", json={"legal_name": name, "national_id": number}, headers=auth(person)
    )


def test_me_shows_roles_and_preferences(client, auth, make_person, demo):
    person = make_person("department_handler", department="city-urban-management")
    me = client.get("/api/v1/me", headers=auth(person)).get_json()
    assert me["roles"][0]["role"] == "department_handler" and me["roles"][0]["department_id"]
    assert me["notification_channels"] == ["inbox", "sms", "telegram"]
    assert me["verified"] is False and me["national_id"] is None


def test_preferences_change_language_and_channels(client, auth, resident):
    changed = client.patch(
        "/api/v1/me", json={"locale": "en", "notification_channels": ["telegram"]}, headers=auth(resident)
    )
    assert changed.status_code == 200
    assert changed.get_json()["notification_channels"] == ["inbox", "telegram"]
    preferences = client.get("/api/v1/me/notification-preferences", headers=auth(resident)).get_json()
    assert all(channels == ["inbox", "telegram"] for channels in preferences["topics"].values())
    bad = client.patch("/api/v1/me", json={"notification_channels": ["pigeon"]}, headers=auth(resident))
    assert bad.status_code == 422


def test_real_name_is_stored_encrypted_and_only_ever_shown_masked(client, auth, resident, db):
    response = _verify(client, auth, resident)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["verified"] is True
    assert body["national_id"] == "110***********002X"
    assert body["legal_name"] == "李**"
    assert ELDER_ID not in client.get("/api/v1/me", headers=auth(resident)).get_data(as_text=True)
    raw = db.session.execute(
        sa.text("SELECT national_id, legal_name FROM people WHERE id = :id").bindparams(
            sa.bindparam("id", resident.id, type_=sa.Uuid)
        )
    ).one()
    assert ELDER_ID not in raw.national_id and "李秀英" not in raw.legal_name


@pytest.mark.parametrize("number", ["110105194912310021", "110105209912310029", "12345"])
def test_an_invalid_national_id_is_refused(client, auth, resident, number):
    response = _verify(client, auth, resident, number=number)
    assert response.status_code == 422
    assert "national_id" in response.get_json()["errors"]


def test_one_national_id_belongs_to_one_person(client, auth, resident, other_resident):
    assert _verify(client, auth, resident).status_code == 200
    taken = _verify(client, auth, other_resident)
    assert taken.status_code == 409 and taken.mimetype == "application/problem+json"
    assert ELDER_ID not in taken.get_data(as_text=True)
    assert _verify(client, auth, resident, number=OTHER_ID).status_code == 409, "no switching IDs"
    assert _verify(client, auth, resident, name="李秀英").status_code == 200, "repeating it is harmless"


def test_age_comes_from_the_national_id(client, auth, resident):
    assert services.age_of(resident.id) is None
    _verify(client, auth, resident)
    assert services.age_of(resident.id, on=date(2026, 12, 30)) == 76
    assert services.age_of(resident.id, on=date(2026, 12, 31)) == 77
    assert services.is_real_name_verified(resident.id)


def test_an_administrator_grants_and_revokes_roles(client, auth, make_person, resident, demo):
    admin = make_person("admin")
    granted = client.post(
        "/api/v1/staff/role-grants",
        json={"phone": resident.phone, "role": "department_handler", "department": "city-urban-management"},
        headers=auth(admin),
    )
    assert granted.status_code == 201, granted.get_data(as_text=True)
    assert granted.get_json()["person"]["phone"].count("*") == 4
    me = client.get("/api/v1/me", headers=auth(resident)).get_json()
    assert [r["role"] for r in me["roles"]] == ["department_handler"]
    log = client.get("/api/v1/me/access-log", headers=auth(resident)).get_json()["items"]
    assert log[0]["resource"] == "role_grant"

    revoked = client.delete(f"/api/v1/staff/role-grants/{granted.get_json()['id']}", headers=auth(admin))
    assert revoked.status_code == 204
    assert client.get("/api/v1/me", headers=auth(resident)).get_json()["roles"] == []


def test_roles_are_for_administrators_only_and_need_their_scope(client, auth, make_person, resident):
    agent = make_person("hotline_agent")
    body = {"phone": resident.phone, "role": "admin"}
    assert client.post("/api/v1/staff/role-grants", json=body, headers=auth(agent)).status_code == 403
    admin = make_person("admin")
    no_department = {"phone": resident.phone, "role": "department_handler"}
    assert (
        client.post("/api/v1/staff/role-grants", json=no_department, headers=auth(admin)).status_code == 422
    )
    own_admin = next(g for g in admin.roles if g.role == "admin")
    assert client.delete(f"/api/v1/staff/role-grants/{own_admin.id}", headers=auth(admin)).status_code == 409
    assert client.delete(f"/api/v1/staff/role-grants/{uuid.uuid4()}", headers=auth(admin)).status_code == 404
