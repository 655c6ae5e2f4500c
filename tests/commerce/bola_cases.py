"""BOLA cases of commerce: another resident never sees the owner's orders, nor a merchant's records."""

import io

from app.commerce import services
from app.core.actors import Actor
from app.extensions import db
from tests.bola import BolaContext, bola_case, exempt
from tests.commerce import helpers

SECRET_NOTE = "BOLA-请放门口-秘密"


def _shop(ctx: BolaContext):
    shopkeeper = ctx.make_person(name="BOLA店主")
    merchant = helpers.verified_merchant(shopkeeper)
    return shopkeeper, merchant, helpers.listing(merchant, shopkeeper)


def _order(ctx: BolaContext, *, to: str = "paid"):
    shopkeeper, merchant, item = _shop(ctx)
    placed = services.place_order(
        helpers.person_actor(ctx.owner), item.id, 1, "pickup", f"bola-{item.id}", note=SECRET_NOTE
    ).record
    db.session.commit()
    if to != "awaiting_payment":
        helpers.settle()
    as_shop = helpers.person_actor(shopkeeper)
    if to in ("ready", "completed"):
        services.accept_order(as_shop, merchant.id, placed.id)
        services.mark_ready(as_shop, merchant.id, placed.id)
    if to == "completed":
        services.confirm_received(helpers.person_actor(ctx.owner), placed.id)
    db.session.flush()
    return placed


@bola_case("GET", "/api/v1/commerce/orders/{order_id}")
def owners_order(ctx: BolaContext) -> dict:
    """The resident reads their order; another resident gets 404."""
    return {"order_id": _order(ctx).id, "secret": SECRET_NOTE}


@bola_case("GET", "/api/v1/commerce/orders", collection=True)
def owners_orders(ctx: BolaContext) -> dict:
    """Another resident's order list never shows the owner's order."""
    return {"secret": _order(ctx).id}


@bola_case("POST", "/api/v1/commerce/orders/{order_id}/cancel")
def owners_cancel(ctx: BolaContext) -> dict:
    """Only the resident cancels their order (refunded)."""
    return {"order_id": _order(ctx).id, "secret": SECRET_NOTE}


@bola_case("POST", "/api/v1/commerce/orders/{order_id}/complete")
def owners_complete(ctx: BolaContext) -> dict:
    """Only the resident confirms they have their order."""
    return {"order_id": _order(ctx, to="ready").id, "secret": SECRET_NOTE}


@bola_case(
    "POST", "/api/v1/commerce/orders/{order_id}/review", body={"rating": 5, "text": "好"}, owner_status=(201,)
)
def owners_review(ctx: BolaContext) -> dict:
    """Only the resident of a completed order reviews it."""
    return {"order_id": _order(ctx, to="completed").id, "secret": SECRET_NOTE}


@bola_case(
    "POST",
    "/api/v1/commerce/orders/{order_id}/complaint",
    body={"description": "商家卖过期商品，拒绝退换"},
    owner_status=(201,),
)
def owners_complaint(ctx: BolaContext) -> dict:
    """Only the resident of a paid order takes its merchant to 12345."""
    from app.complaints import services as complaints

    complaints.seed_categories()
    return {"order_id": _order(ctx).id, "secret": SECRET_NOTE}


def _own_merchant(ctx: BolaContext):
    merchant = helpers.verified_merchant(ctx.owner)
    return merchant, helpers.listing(merchant, ctx.owner)


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}")
def members_merchant(ctx: BolaContext) -> dict:
    """A member reads the merchant's registration; anyone else is refused."""
    merchant, _ = _own_merchant(ctx)
    return {"merchant_id": merchant.id, "secret": merchant.credit_code}


@bola_case("GET", "/api/v1/merchant/merchants", collection=True)
def members_merchants(ctx: BolaContext) -> dict:
    """Another person's list of merchants never shows the owner's."""
    merchant, _ = _own_merchant(ctx)
    return {"secret": merchant.credit_code}


@bola_case("PUT", "/api/v1/merchant/merchants/{merchant_id}/hours", body={"opening_hours": helpers.ALL_DAY})
def members_hours(ctx: BolaContext) -> dict:
    """Only the owner sets the hours."""
    merchant, _ = _own_merchant(ctx)
    return {"merchant_id": merchant.id, "secret": merchant.credit_code}


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}/members")
def members_list(ctx: BolaContext) -> dict:
    """Only members see who works for the merchant."""
    merchant, _ = _own_merchant(ctx)
    return {"merchant_id": merchant.id, "secret": ctx.owner.id}


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}/listings")
def members_listings(ctx: BolaContext) -> dict:
    """Only members see every listing (offered or not)."""
    merchant, item = _own_merchant(ctx)
    services.update_listing(
        helpers.person_actor(ctx.owner), merchant.id, item.id, title="BOLA-下架商品", active=False
    )
    return {"merchant_id": merchant.id, "secret": "BOLA-下架商品"}


@bola_case("PATCH", "/api/v1/merchant/merchants/{merchant_id}/listings/{listing_id}", body={"stock": 3})
def members_listing(ctx: BolaContext) -> dict:
    """Only members change a listing."""
    merchant, item = _own_merchant(ctx)
    return {"merchant_id": merchant.id, "listing_id": item.id, "secret": merchant.credit_code}


def _merchant_order(ctx: BolaContext, *, to: str = "paid"):
    merchant, item = _own_merchant(ctx)
    buyer = ctx.make_person(name="BOLA顾客")
    placed = services.place_order(
        helpers.person_actor(buyer), item.id, 1, "pickup", f"bola-{item.id}", note=SECRET_NOTE
    ).record
    db.session.commit()
    helpers.settle()
    if to == "accepted":
        services.accept_order(helpers.person_actor(ctx.owner), merchant.id, placed.id)
    return {"merchant_id": merchant.id, "order_id": placed.id, "secret": SECRET_NOTE}


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}/orders")
def merchants_orders(ctx: BolaContext) -> dict:
    """Only members see the merchant's orders."""
    found = _merchant_order(ctx)
    return {"merchant_id": found["merchant_id"], "secret": SECRET_NOTE}


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}")
def merchants_order(ctx: BolaContext) -> dict:
    """Only members read one of the merchant's orders."""
    return _merchant_order(ctx)


@bola_case("POST", "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/accept")
def merchants_accept(ctx: BolaContext) -> dict:
    """Only members accept the merchant's order."""
    return _merchant_order(ctx)


@bola_case(
    "POST", "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/decline", body={"reason": "售罄"}
)
def merchants_decline(ctx: BolaContext) -> dict:
    """Only members decline the merchant's order."""
    return _merchant_order(ctx)


@bola_case("POST", "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/ready")
def merchants_ready(ctx: BolaContext) -> dict:
    """Only members mark the merchant's order ready."""
    return _merchant_order(ctx, to="accepted")


@bola_case(
    "POST", "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/cancel", body={"reason": "无法配送"}
)
def merchants_cancel(ctx: BolaContext) -> dict:
    """Only members cancel the merchant's accepted order."""
    return _merchant_order(ctx, to="accepted")


@bola_case(
    "POST", "/api/v1/merchant/merchants/{merchant_id}/reviews/{review_id}/reply", body={"reply": "谢谢"}
)
def merchants_reply(ctx: BolaContext) -> dict:
    """Only members answer a review of the merchant."""
    merchant, item = _own_merchant(ctx)
    buyer = ctx.make_person(name="BOLA顾客")
    placed = helpers.paid_order(buyer, item)
    as_shop = helpers.person_actor(ctx.owner)
    services.accept_order(as_shop, merchant.id, placed.id)
    services.mark_ready(as_shop, merchant.id, placed.id)
    services.confirm_received(helpers.person_actor(buyer), placed.id)
    review = services.review_order(helpers.person_actor(buyer), placed.id, 3, "一般")
    services.reply_to_review(Actor.system(), merchant.id, review.id, "BOLA-旧回复")
    return {"merchant_id": merchant.id, "review_id": review.id, "secret": merchant.credit_code}


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}/settlement")
def owners_settlement(ctx: BolaContext) -> dict:
    """Only the merchant's owners read its takings by day."""
    found = _merchant_order(ctx)
    return {"merchant_id": found["merchant_id"], "secret": found["merchant_id"]}


@bola_case("GET", "/api/v1/merchant/merchants/{merchant_id}/settlement.csv")
def owners_settlement_csv(ctx: BolaContext) -> dict:
    """Only the merchant's owners export its takings by day."""
    merchant, _ = _own_merchant(ctx)
    return {"merchant_id": merchant.id, "secret": merchant.name}


PUBLIC = "a verified merchant's public page: anyone may read it (tests/commerce/test_story.py)"
for rule in (
    "/api/v1/commerce/merchants/<uuid:merchant_id>",
    "/api/v1/commerce/merchants/<uuid:merchant_id>/listings",
    "/api/v1/commerce/merchants/<uuid:merchant_id>/reviews",
):
    exempt(rule, PUBLIC)


@bola_case("DELETE", "/api/v1/merchant/merchants/{merchant_id}/members/{member_id}")
def members_removal(ctx: BolaContext) -> dict:
    """Only the merchant's owner removes one of its members; another resident gets 404."""
    merchant, _item = _own_merchant(ctx)
    staff = ctx.make_person(name="BOLA店员")
    member = services.add_member(helpers.person_actor(ctx.owner), merchant.id, staff.phone, "staff")
    return {"merchant_id": merchant.id, "member_id": member.id, "secret": str(member.id)}


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _png() -> dict:
    return {"photo": (io.BytesIO(PNG), "a.png")}


@bola_case("POST", "/api/v1/commerce/orders/{order_id}/review/photos", form=_png)
def review_photo(ctx: BolaContext) -> dict:
    """Only the reviewer adds a photo to the review of their order."""
    order = _order(ctx, to="completed")
    services.review_order(helpers.person_actor(ctx.owner), order.id, 4, "好")
    return {"order_id": order.id, "secret": SECRET_NOTE}


@bola_case("POST", "/api/v1/merchant/merchants/{merchant_id}/listings/{listing_id}/photos", form=_png)
def members_listing_photo(ctx: BolaContext) -> dict:
    """Only members add a photo to a listing."""
    merchant, item = _own_merchant(ctx)
    return {"merchant_id": merchant.id, "listing_id": item.id, "secret": merchant.credit_code}


@bola_case("DELETE", "/api/v1/merchant/merchants/{merchant_id}/listings/{listing_id}/photos/{photo_id}")
def members_listing_photo_removal(ctx: BolaContext) -> dict:
    """Only members take a photo off a listing."""
    merchant, item = _own_merchant(ctx)
    photo = services.add_listing_photo(helpers.person_actor(ctx.owner), merchant.id, item.id, PNG)
    return {
        "merchant_id": merchant.id,
        "listing_id": item.id,
        "photo_id": photo.id,
        "secret": photo.storage_key,
    }


exempt(
    "/api/v1/commerce/photos/<uuid:photo_id>",
    "a verified merchant's listing and review photos are public like its page "
    "(tests/commerce/test_photos.py::test_a_photo_of_a_merchant_no_longer_verified_is_not_served)",
)


DOOR_SCAN = {"code": "not-a-code", "location": {"lat": 26.5565, "lng": 106.691}}


@bola_case(
    "POST",
    "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/visit",
    body={**DOOR_SCAN, "service": "personal_care", "caregiver": "护理员"},
    owner_status=(409,),
)
def merchants_visit_start(ctx: BolaContext) -> dict:
    """Only members scan at the door for the merchant's order (the owner: not a care service, 409)."""
    return _merchant_order(ctx, to="accepted")


@bola_case(
    "POST",
    "/api/v1/merchant/merchants/{merchant_id}/orders/{order_id}/visit/end",
    body=DOOR_SCAN,
    owner_status=(400,),
)
def merchants_visit_end(ctx: BolaContext) -> dict:
    """Only members end the visit of the merchant's order (the owner without an Idempotency-Key: refused)."""
    return _merchant_order(ctx, to="accepted")
