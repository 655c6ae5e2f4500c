"""Finding 16 (in the app): every response tells browsers not to sniff its content type, photos included."""

from __future__ import annotations

import io

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_api_problem_html_and_discovery_responses_say_nosniff(client, auth, resident):
    for response in (
        client.get("/api/v1/me", headers=auth(resident)),
        client.get("/api/v1/me"),
        client.get("/api/v1/nowhere"),
        client.get("/oauth/authorize?client_id=nobody"),
        client.get("/.well-known/openid-configuration"),
        client.get("/openapi.json"),
    ):
        assert response.headers.get("X-Content-Type-Options") == "nosniff", response.request.path


def test_a_complaint_photo_is_served_with_nosniff(client, auth, demo, resident):
    complaint = client.post(
        "/api/v1/complaints",
        json={"category": "0202", "description": "路灯坏了，晚上一片漆黑", "address": "花果园小区东门"},
        headers=auth(resident),
    ).get_json()
    uploaded = client.post(
        f"/api/v1/complaints/{complaint['id']}/photos",
        data={"photo": (io.BytesIO(PNG), "lamp.png")},
        headers=auth(resident),
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    photo = client.get(
        f"/api/v1/complaints/{complaint['id']}/photos/{uploaded.get_json()['id']}", headers=auth(resident)
    )
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
