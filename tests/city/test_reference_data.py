"""Districts, streets and departments: public reference data in the caller's language."""

from __future__ import annotations

import uuid

import pytest

from app.city.services import get_department, upsert_district
from app.core.errors import NotFound


def _districts(client, language):
    response = client.get("/api/v1/city/districts", headers={"Accept-Language": language})
    assert response.status_code == 200
    return {d["code"]: d for d in response.get_json()}


def test_districts_and_streets_in_chinese_by_default(client, demo):
    districts = _districts(client, "zh-CN")
    assert list(districts) == ["520102", "520103", "520115"]
    nanming = districts["520102"]
    assert nanming["name"] == "南明区"
    assert [s["name"] for s in nanming["streets"]] == ["新华路街道", "中华南路街道", "花果园街道"]


def test_districts_and_streets_in_english(client, demo):
    nanming = _districts(client, "en-US")["520102"]
    assert nanming["name"] == "Nanming District"
    assert nanming["streets"][2]["name"] == "Huaguoyuan Subdistrict"


def test_signed_in_preference_wins_over_accept_language(client, demo, make_person, auth):
    person = make_person(locale="en")
    response = client.get("/api/v1/city/districts", headers=auth(person, **{"Accept-Language": "zh-CN"}))
    assert response.get_json()[0]["name"] == "Nanming District"
    assert response.headers["Content-Language"] == "en"


def test_departments_localized(client, demo):
    zh = {d["code"]: d["name"] for d in client.get("/api/v1/city/departments").get_json()}
    en = {
        d["code"]: d["name"]
        for d in client.get("/api/v1/city/departments", headers={"Accept-Language": "en"}).get_json()
    }
    assert zh["city-12345"] == "市12345政务服务便民热线"
    assert en["city-12345"] == "City 12345 Government Service Hotline"
    assert zh["nanming-office"] == "南明区人民政府办公室"
    assert en["nanming-office"] == "Nanming District Government Office"
    assert set(zh) == set(en) and len(zh) == 15


def test_departments_of_one_district(client, demo):
    yunyan = _districts(client, "zh-CN")["520103"]["id"]
    response = client.get("/api/v1/city/departments", query_string={"district_id": yunyan})
    assert [d["code"] for d in response.get_json()] == ["yunyan-office"]
    assert response.get_json()[0]["district_id"] == yunyan


def test_an_unknown_district_has_no_departments(client, demo):
    response = client.get("/api/v1/city/departments", query_string={"district_id": str(uuid.uuid4())})
    assert response.status_code == 200
    assert response.get_json() == []


def test_a_malformed_district_id_is_a_422_problem(client):
    response = client.get(
        "/api/v1/city/departments", query_string={"district_id": "nanming"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"district_id": ["Not a valid UUID."]}


def test_reference_data_needs_no_sign_in(client, demo):
    assert client.get("/api/v1/city/districts").status_code == 200


def test_upsert_renames_in_place(db, demo):
    district = upsert_district("520102", {"zh_Hans": "南明区（新）", "en": "Nanming"})
    db.session.flush()
    assert upsert_district("520102", {"zh_Hans": "南明区", "en": "Nanming District"}).id == district.id


def test_unknown_department_is_not_found(db):
    with pytest.raises(NotFound):
        get_department(uuid.uuid4())


def test_traditional_chinese_readers_get_traditional_names(client, demo):
    headers = {"Accept-Language": "zh-TW"}
    districts = client.get("/api/v1/city/districts", headers=headers).get_json()
    nanming = next(d for d in districts if d["code"] == "520102")
    assert nanming["name"] == "南明區"
    assert "花果園街道" in [s["name"] for s in nanming["streets"]]
    departments = client.get("/api/v1/city/departments", headers=headers).get_json()
    assert "市生態環境局" in [d["name"] for d in departments]
