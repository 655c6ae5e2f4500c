"""One strictness for every schema: in a JSON body numbers and booleans come typed, as strings do."""

import pytest


@pytest.mark.parametrize(
    ("field", "value"),
    [("urgent", "yes"), ("urgent", "true"), ("urgent", 1), ("location", {"lat": "26.5561", "lng": 106.6906})],
)
def test_text_where_a_number_or_a_boolean_belongs_is_refused_in_a_json_body(
    client, auth, demo, resident, field, value
):
    body = {
        "category": "0202",
        "description": "花果园小区门口路灯坏了",
        "address": "南明区花果园街道",
        field: value,
    }
    refused = client.post("/api/v1/complaints", json=body, headers=auth(resident))
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert field in refused.get_json()["errors"]


def test_a_number_where_text_belongs_is_refused_too(client, auth, demo, resident):
    body = {"category": 202, "description": "花果园小区门口路灯坏了", "address": "南明区花果园街道"}
    refused = client.post("/api/v1/complaints", json=body, headers=auth(resident))
    assert refused.status_code == 422 and "category" in refused.get_json()["errors"]


def test_query_strings_carry_text_and_are_read_as_numbers(client, auth, resident):
    page = client.get("/api/v1/me/inbox?limit=2", headers=auth(resident))
    assert page.status_code == 200 and page.get_json()["limit"] == 2


def test_a_rating_must_be_a_number(client, auth, demo, resident):
    refused = client.post(
        "/api/v1/complaints/01a20000-0000-7000-8000-000000000000/rating",
        json={"rating": "5"},
        headers=auth(resident),
    )
    assert refused.status_code == 422 and "rating" in refused.get_json()["errors"]
