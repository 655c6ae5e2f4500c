"""Easy mode (长辈模式): one status line and at most three big choices; family acts counted for the elder."""

from __future__ import annotations

from tests.eldercare import helpers


def test_easy_mode_shows_three_choices_then_who_is_coming(client, auth, family):
    elder, guardian = family["elder"], family["guardian"]
    turned_on = client.put("/api/v1/eldercare/easy", json={"enabled": True}, headers=auth(elder))
    assert turned_on.status_code == 200, turned_on.get_data(as_text=True)
    screen = turned_on.get_json()
    assert screen["enabled"] is True and screen["text_size"] == "large" and screen["urgent"] is False
    assert [a["key"] for a in screen["actions"]] == ["sos", "checkin", "call"]
    assert screen["actions"][2]["method"] == "TEL" and screen["actions"][2]["label"].endswith("张大爷")
    assert client.get("/api/v1/eldercare/profile", headers=auth(elder)).get_json()["easy_mode"] is True

    client.post("/api/v1/eldercare/checkins", headers=auth(elder))
    calm = client.get("/api/v1/eldercare/easy", headers=auth(elder)).get_json()
    assert [a["key"] for a in calm["actions"]] == ["sos", "call"]

    alert = client.post("/api/v1/eldercare/alerts", json={"note": ""}, headers=auth(elder)).get_json()
    on_behalf = auth(guardian, **{"X-On-Behalf-Of": str(elder.id)})
    client.post(
        f"/api/v1/eldercare/alerts/{alert['id']}/acknowledge", json={"eta_minutes": 10}, headers=on_behalf
    )
    coming = client.get("/api/v1/eldercare/easy", headers=auth(elder, **{"Accept-Language": "en"})).get_json()
    assert coming["urgent"] is True and coming["status"] == "李小明 is coming."
    assert [a["key"] for a in coming["actions"]] == ["call"]  # nothing to press but the phone
    assert coming["proxy_acts_today"] >= 1  # the guardian's answer is in the elder's access log


def test_a_guardian_without_the_scope_cannot_see_the_screen(client, auth, family, make_person):
    stranger = make_person(name="路人")
    helpers.guard(family["elder"], stranger, scopes=("bills",))
    refused = client.get(
        "/api/v1/eldercare/easy", headers=auth(stranger, **{"X-On-Behalf-Of": str(family["elder"].id)})
    )
    assert refused.status_code == 403
