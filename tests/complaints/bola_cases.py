"""BOLA cases of the complaints domain: one resident's complaint is invisible to another."""

import io

from app.complaints import services
from app.core.actors import Actor, ActorKind
from tests.bola import BolaContext, bola_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _complaint(ctx: BolaContext):
    from app.core.demo import seed_demo

    seed_demo()
    actor = Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id)
    intake = services.Intake(
        category_code="0202", description="秘密的投诉内容：路灯坏了", address="花果园街道"
    )
    complaint = services.submit_complaint(actor, intake)
    ctx.db.session.commit()
    return complaint


@bola_case("GET", "/api/v1/complaints/{complaint_id}")
def read_complaint(ctx: BolaContext) -> dict:
    complaint = _complaint(ctx)
    return {"complaint_id": complaint.id, "secret": complaint.tracking_number}


@bola_case("GET", "/api/v1/complaints", collection=True)
def list_complaints(ctx: BolaContext) -> dict:
    return {"secret": _complaint(ctx).tracking_number}


@bola_case("POST", "/api/v1/complaints/{complaint_id}/rating", body={"rating": 1}, owner_status=(409,))
def rate_complaint(ctx: BolaContext) -> dict:
    complaint = _complaint(ctx)
    return {"complaint_id": complaint.id, "secret": complaint.tracking_number}


@bola_case("GET", "/api/v1/complaints/{complaint_id}/photos/{photo_id}")
def read_photo(ctx: BolaContext) -> dict:
    complaint = _complaint(ctx)
    photo = services.add_photo(Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id), complaint.id, PNG)
    ctx.db.session.commit()
    return {"complaint_id": complaint.id, "photo_id": photo.id, "secret": "PNG"}


@bola_case(
    "POST", "/api/v1/complaints/{complaint_id}/photos", form=lambda: {"photo": (io.BytesIO(PNG), "a.png")}
)
def add_photo(ctx: BolaContext) -> dict:
    complaint = _complaint(ctx)
    return {"complaint_id": complaint.id, "secret": complaint.tracking_number}
