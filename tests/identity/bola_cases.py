"""BOLA cases of the identity domain."""

from datetime import UTC, datetime, timedelta

from app.core.actors import Actor, ActorKind
from app.core.audit import AuditAction, record
from tests.bola import BolaContext, bola_case


@bola_case("GET", "/api/v1/me/access-log", collection=True)
def owners_access_log(ctx: BolaContext) -> dict:
    """A staff read of the owner's data shows in the owner's access log, and only there."""
    staff = Actor(
        kind=ActorKind.PERSON, person_id=ctx.make_person("supervisor").id, roles=frozenset({"supervisor"})
    )
    entry = record(staff, ctx.owner.id, AuditAction.READ, "person", reason="bola-secret-reason")
    ctx.db.session.commit()
    return {"secret": entry.reason}


@bola_case("GET", "/api/v1/me", collection=True)
def owners_profile(ctx: BolaContext) -> dict:
    """/me answers with the caller's own record, never the owner's."""
    return {"secret": ctx.owner.id}


def _mandate(ctx: BolaContext) -> dict:
    """The owner lets a helper act for them; the mandate is the owner's."""
    helper = ctx.make_person(name="帮办人")
    response = ctx.client.post(
        "/api/v1/me/mandates",
        json={
            "grantee_phone": helper.phone,
            "scopes": ["bills"],
            "expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "note": "bola-secret-note",
        },
        headers=ctx.auth(ctx.owner),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"mandate_id": response.get_json()["id"], "secret": "bola-secret-note"}


@bola_case("GET", "/api/v1/me/mandates/{mandate_id}")
def owners_mandate(ctx: BolaContext) -> dict:
    """Only the grantor and grantee see a mandate."""
    return _mandate(ctx)


@bola_case("POST", "/api/v1/me/mandates/{mandate_id}/revoke")
def revoke_owners_mandate(ctx: BolaContext) -> dict:
    """Only the grantor or grantee may end a mandate."""
    return _mandate(ctx)


@bola_case("POST", "/api/v1/me/mandates/{mandate_id}/accept")
def accept_owners_mandate(ctx: BolaContext) -> dict:
    """Only the grantee may accept a mandate (accepting twice changes nothing); others get 404."""
    grantor = ctx.make_person(name="托付人")
    response = ctx.client.post(
        "/api/v1/me/mandates",
        json={
            "grantee_phone": ctx.owner.phone,
            "scopes": ["bills"],
            "expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "note": "bola-secret-note",
        },
        headers=ctx.auth(grantor),
    )
    assert response.status_code == 201, response.get_json()
    return {"mandate_id": response.get_json()["id"], "secret": "bola-secret-note"}


@bola_case("DELETE", "/api/v1/me/links/{provider}")
def owners_telegram_link(ctx: BolaContext) -> dict:
    """Unlinking removes only the caller's own link: another resident gets 404, the owner's stays."""
    from app.identity import services

    response = ctx.client.post("/api/v1/me/links/telegram", headers=ctx.auth(ctx.owner))
    services.redeem_link_code(response.get_json()["code"], 987654321)
    ctx.db.session.commit()
    return {"provider": "telegram", "secret": "987654321"}
