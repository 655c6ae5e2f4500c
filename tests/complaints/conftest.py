"""Helpers for complaint stories: the demo city, staff people and a report over HTTP."""

import pytest


@pytest.fixture
def city(demo):
    """The demo city with categories and routing rules."""
    return demo


@pytest.fixture
def staff(make_person):
    """One person per hotline role (the handler works for urban management)."""
    return {
        "agent": make_person("hotline_agent", name="话务员"),
        "dispatcher": make_person("dispatcher", name="派单员"),
        "dispatcher2": make_person("dispatcher", name="派单员二"),
        "handler": make_person("department_handler", department="city-urban-management", name="城管承办人"),
        "env_handler": make_person(
            "department_handler", department="city-ecology-environment", name="环保承办人"
        ),
        "supervisor": make_person("supervisor", name="督办"),
    }


@pytest.fixture
def report(client, auth):
    """Submit a complaint as ``person`` and return the JSON the resident sees."""

    def submit(person, **fields):
        body = {
            "category": "0202",
            "description": "花果园小区门口路灯坏了，晚上一片漆黑",
            "address": "南明区花果园街道花果园小区东门",
            "location": {"lat": 26.5561, "lng": 106.6906},
            **fields,
        }
        response = client.post("/api/v1/complaints", json=body, headers=auth(person))
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return submit
