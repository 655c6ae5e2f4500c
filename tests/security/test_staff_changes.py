"""Finding 4: role, department and language changes take effect on the next request, not the next token.

The token a person holds does not change; what they may do (and in which language they are answered)
is read from the database on every request.
"""

from __future__ import annotations

import pytest

from tests.security.helpers import assert_problem

RULE = {"name": "夜间施工噪音", "keywords": ["施工"], "department_code": "city-urban-management"}


@pytest.fixture
def admin(make_person):
    return make_person("admin", name="管理员")


def _grant(client, auth, admin, person, role, department=None):
    body = {"phone": person.phone, "role": role, **({"department": department} if department else {})}
    response = client.post("/api/v1/staff/role-grants", json=body, headers=auth(admin))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_revoked_supervisor_cannot_create_a_routing_rule_with_the_token_they_still_hold(
    client, auth, demo, admin, make_person
):
    person = make_person(name="前督办")
    headers = auth(person)  # issued before any role: roles do not travel in the token
    grant_id = _grant(client, auth, admin, person, "supervisor")
    assert client.post("/api/v1/staff/routing-rules", json=RULE, headers=headers).status_code == 201

    assert client.delete(f"/api/v1/staff/role-grants/{grant_id}", headers=auth(admin)).status_code == 204
    refused = client.post("/api/v1/staff/routing-rules", json={**RULE, "name": "再建一条"}, headers=headers)
    assert_problem(refused, 403)
    assert client.get("/api/v1/staff/routing-rules", headers=headers).status_code == 403


def test_a_handler_moved_to_another_department_stops_seeing_the_first_ones_work(
    client, auth, demo, admin, make_person, resident
):
    handler = make_person(name="承办人")
    headers = auth(handler)
    grant_id = _grant(client, auth, admin, handler, "department_handler", "city-urban-management")
    complaint = client.post(
        "/api/v1/complaints",
        json={
            "category": "0202",
            "description": "花果园小区门口路灯坏了，晚上一片漆黑",
            "address": "花果园小区东门",
        },
        headers=auth(resident),
    ).get_json()
    queue = client.get("/api/v1/staff/complaints", headers=headers)
    assert complaint["id"] in [item["id"] for item in queue.get_json()["items"]], queue.get_json()

    client.delete(f"/api/v1/staff/role-grants/{grant_id}", headers=auth(admin))
    _grant(client, auth, admin, handler, "department_handler", "city-ecology-environment")
    queue = client.get("/api/v1/staff/complaints", headers=headers).get_json()
    assert complaint["id"] not in [item["id"] for item in queue["items"]]
    assert client.get(f"/api/v1/staff/complaints/{complaint['id']}", headers=headers).status_code in (
        403,
        404,
    )


@pytest.mark.parametrize("tag", ["zh-Hant", "zh_Hant", "zh-TW"])
def test_a_changed_language_applies_to_the_next_request_in_either_spelling(client, auth, resident, tag):
    headers = auth(resident)
    assert client.get("/api/v1/me?x=1", headers=headers).get_json()["title"] == "校验失败"
    changed = client.patch("/api/v1/me", json={"locale": tag}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["locale"] == "zh_Hant"
    later = client.get("/api/v1/me?x=1", headers=headers)
    assert later.headers["Content-Language"] == "zh-Hant"
    assert later.get_json()["title"] == "校驗失敗"


def test_an_unsupported_language_is_refused(client, auth, resident):
    refused = client.patch("/api/v1/me", json={"locale": "fr-FR"}, headers=auth(resident))
    assert "locale" in assert_problem(refused, 422)["errors"]
