"""Administrators see where a message stands, channel by channel, and can give a failed one another go."""

from unittest import mock

from app.core.models import AuditEntry
from app.extensions import db as _db
from app.notifications import services


def test_an_administrator_finds_a_failed_message_and_retries_it(app, client, db, make_person, resident, auth):
    admin = make_person("admin")
    with mock.patch.dict(app.config, {"SMS_SANDBOX_FAILING": resident.phone, "NOTIFY_MAX_ATTEMPTS": 1}):
        message = services.notify(
            resident.id, "welcome", {"name": "小明"}, topic="account", dedupe_key="test:staff"
        )
        db.session.commit()

    failed = client.get("/api/v1/staff/notifications?status=failed", headers=auth(admin)).get_json()
    assert [m["id"] for m in failed["items"]] == [str(message.id)]
    assert "sandbox provider refused" in failed["items"][0]["last_error"]

    detail = client.get(f"/api/v1/staff/notifications/{message.id}", headers=auth(admin)).get_json()
    channels = {d["channel"]: d for d in detail["deliveries"]}
    assert channels["sms"]["status"] == "failed" and channels["sms"]["attempts"] == 1
    assert channels["sms"]["error"] == f"sms provider: sandbox provider refused {resident.phone}"
    assert channels["inbox"]["status"] == "delivered"
    audited = _db.session.scalars(_db.select(AuditEntry).where(AuditEntry.subject_person_id == resident.id))
    assert [(e.action, e.resource, e.resource_id) for e in audited] == [
        ("read", "notification", str(message.id))
    ]

    retried = client.post(f"/api/v1/staff/notifications/{message.id}/retry", headers=auth(admin))
    assert retried.status_code == 202
    again = client.get(f"/api/v1/staff/notifications/{message.id}", headers=auth(admin)).get_json()
    assert again["status"] == "delivered"
    assert {d["channel"]: d["attempts"] for d in again["deliveries"]} == {"inbox": 1, "sms": 2, "telegram": 1}
    assert (
        client.post(f"/api/v1/staff/notifications/{message.id}/retry", headers=auth(admin)).status_code == 422
    )


def test_the_outbox_is_for_administrators_only(client, db, resident, auth):
    message = services.notify(resident.id, "welcome", {"name": "x"}, topic="account", dedupe_key="test:own")
    db.session.commit()
    assert client.get("/api/v1/staff/notifications", headers=auth(resident)).status_code == 403
    assert client.get(f"/api/v1/staff/notifications/{message.id}", headers=auth(resident)).status_code == 403
