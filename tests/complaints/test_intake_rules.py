"""What intake and dispatch refuse or leave alone: groups, places outside the city, a no-op dispatch."""

from app.core.sms import sandbox_log
from tests.complaints.test_notices import inbox_titles
from tests.complaints.test_story import staff_view, step


def test_a_group_of_categories_is_not_a_category(client, auth, city, resident):
    body = {"category": "01", "description": "楼下一直很吵闹，影响休息", "address": "南明区花果园街道"}
    refused = client.post(
        "/api/v1/complaints", json=body, headers=auth(resident, **{"Accept-Language": "en"})
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["category"] == ["Choose one of this group's categories."]
    assert client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"] == []


def test_a_place_outside_the_city_is_refused_not_routed_to_a_guiyang_department(client, auth, city, resident):
    body = {
        "category": "0101",
        "description": "工地夜间施工噪音很大",
        "location": {"lat": 39.9087, "lng": 116.3975},  # Tian'anmen, Beijing
    }
    refused = client.post(
        "/api/v1/complaints", json=body, headers=auth(resident, **{"Accept-Language": "en"})
    )
    assert refused.status_code == 422
    assert "outside the city" in refused.get_json()["errors"]["location"][0]
    assert client.get("/api/v1/complaints", headers=auth(resident)).get_json()["items"] == []


def test_dispatching_again_to_the_same_department_changes_nothing_and_tells_no_one(
    client, auth, city, staff, resident, report
):
    mine = report(resident)  # routed by rule to urban management
    seen = staff_view(client, auth, staff["dispatcher"], mine["id"])
    told = (inbox_titles(client, auth, resident), len(sandbox_log(resident.phone)))

    again = step(
        client,
        auth,
        staff["dispatcher"],
        mine["id"],
        "dispatch",
        version=seen["version"],
        department_code="city-urban-management",
    )

    assert again.status_code == 200
    after = again.get_json()
    assert after["version"] == seen["version"] and len(after["timeline"]) == len(seen["timeline"])
    assert (inbox_titles(client, auth, resident), len(sandbox_log(resident.phone))) == told
