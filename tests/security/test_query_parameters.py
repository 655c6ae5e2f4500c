"""Finding 15: a query parameter a route does not declare is refused (422 naming it), as a body field is."""

from __future__ import annotations

from tests.security.helpers import assert_problem


def test_an_unknown_query_parameter_is_named_in_a_422(client, auth, resident):
    response = client.get("/api/v1/me/access-log?limit=5&person_id=someone-else", headers=auth(resident))
    assert assert_problem(response, 422)["errors"] == {"person_id": ["未知的查询参数。"]}


def test_a_route_without_query_arguments_refuses_any(client, auth, resident):
    response = client.get(
        "/api/v1/me?fields=national_id", headers=auth(resident, **{"Accept-Language": "en"})
    )
    assert assert_problem(response, 422)["errors"] == {"fields": ["Unknown query parameter."]}


def test_parameters_of_every_declared_schema_are_accepted_together(client, auth, resident):
    # ``/me/mandates`` takes a filter (direction) and the paging arguments (cursor, limit).
    response = client.get("/api/v1/me/mandates?direction=received&limit=5&cursor=", headers=auth(resident))
    assert response.status_code == 200, response.get_json()


def test_a_parameter_of_a_stacked_schema_is_still_known(client, auth, make_person):
    # Routes that stack a filter schema and PageArgsSchema accept both schemas' parameters.
    admin = make_person("admin")
    response = client.get("/api/v1/staff/webhook-endpoints?client_id=x&limit=3", headers=auth(admin))
    assert response.status_code == 200, response.get_json()
    refused = client.get("/api/v1/staff/webhook-endpoints?client_id=x&limt=3", headers=auth(admin))
    assert assert_problem(refused, 422)["errors"] == {"limt": ["未知的查询参数。"]}
