"""Commerce over HTTP: residents search and order; merchants list and fulfil; the street office verifies."""

from __future__ import annotations

from flask import Response

from app.commerce import schemas, services
from app.commerce.schemas import (
    CommercePhotoSchema,
    CommercePhotoUploadSchema,
    DecisionSchema,
    HoursSchema,
    ListingCreateSchema,
    ListingFieldsSchema,
    ListingSchema,
    MemberCreateSchema,
    MemberSchema,
    MerchantCreateSchema,
    MerchantOrderSchema,
    MerchantPublicSchema,
    MerchantSchema,
    NearbyQuerySchema,
    NearbyResultSchema,
    OrderComplaintCreateSchema,
    OrderComplaintSchema,
    OrderCreateSchema,
    OrderDetailSchema,
    OrderQuerySchema,
    OrderSchema,
    OrderVisitEndSchema,
    OrderVisitStartSchema,
    ReasonSchema,
    ReplySchema,
    ReviewCreateSchema,
    ReviewSchema,
    StaffMerchantQuerySchema,
)
from app.commerce.services import settlement
from app.core.actors import Role
from app.core.api import ApiBlueprint, accepts, current_actor
from app.core.idempotency import current_key
from app.core.pagination import PageArgsSchema, page_schema
from app.core.replicas import replica_ok

blp = ApiBlueprint(
    "commerce", __name__, description="Community services (社区云商圈): nearby, orders, reviews"
)
merchant_blp = ApiBlueprint(
    "merchant", __name__, description="Merchants: registration, members, listings, orders"
)
staff_blp = ApiBlueprint("staff_commerce", __name__, description="The street office verifies merchants")

MEMBER = {"roles": (Role.MERCHANT_OWNER, Role.MERCHANT_STAFF)}
STREET_OFFICE = {"roles": (Role.COMMUNITY_WORKER, Role.ADMIN)}


# --- anyone -----------------------------------------------------------------------------------------


@blp.route("/commerce/nearby")
@replica_ok
@blp.arguments(NearbyQuerySchema, location="query")
@blp.response(200, NearbyResultSchema)
def nearby(args):
    """Verified merchants' listings within ``radius`` metres of ``near`` (GCJ-02 accepted), nearest first."""
    return {"items": services.search_nearby(args.pop("centre"), **args)}


@blp.route("/commerce/merchants/<uuid:merchant_id>")
@blp.response(200, MerchantPublicSchema)
def get_merchant(merchant_id):
    """A verified merchant: address, hours, rating."""
    return services.public_merchant(merchant_id)


@blp.route("/commerce/merchants/<uuid:merchant_id>/listings")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ListingSchema))
def merchant_listings(args, merchant_id):
    """What a verified merchant offers."""
    return services.public_listings(merchant_id, **args)


@blp.route("/commerce/merchants/<uuid:merchant_id>/reviews")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ReviewSchema))
def merchant_reviews(args, merchant_id):
    """A verified merchant's reviews and its replies, newest first."""
    return services.merchant_reviews(merchant_id, **args)


# --- the resident -----------------------------------------------------------------------------------


@blp.route("/commerce/orders", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.arguments(OrderCreateSchema)
@blp.response(201, OrderDetailSchema)
def place_order(body):
    """Order a listing and open its payment (pay it with ``payment.client_action``); stock is held for it."""
    listing_id, quantity, fulfilment = body.pop("listing_id"), body.pop("quantity"), body.pop("fulfilment")
    return services.place_order(current_actor(), listing_id, quantity, fulfilment, current_key(), **body)


@blp.route("/commerce/orders")
@blp.auth()
@blp.arguments(OrderQuerySchema, location="query")
@blp.response(200, page_schema(OrderSchema))
def list_orders(args):
    """My orders, newest first."""
    return services.list_orders(current_actor(), **args)


@blp.route("/commerce/orders/<uuid:order_id>")
@blp.auth()
@blp.response(200, OrderDetailSchema)
def get_order(order_id):
    """One of my orders, with its payment."""
    return services.get_order(current_actor(), order_id)


@blp.route("/commerce/orders/<uuid:order_id>/cancel", methods=["POST"])
@blp.auth()
@blp.response(200, OrderDetailSchema)
def cancel_order(order_id):
    """Cancel my order before the merchant accepts it (refunded in full if paid)."""
    return services.cancel_order(current_actor(), order_id)


@blp.route("/commerce/orders/<uuid:order_id>/complete", methods=["POST"])
@blp.auth()
@blp.response(200, OrderDetailSchema)
def confirm_received(order_id):
    """I have my order: it is completed."""
    return services.confirm_received(current_actor(), order_id)


@blp.route("/commerce/orders/<uuid:order_id>/complaint", methods=["POST"])
@blp.auth()
@blp.arguments(OrderComplaintCreateSchema)
@blp.response(201, OrderComplaintSchema)
def complain_about_order(body, order_id):
    """Complain to 12345 about my paid order's merchant, the order attached (routed to market supervision).

    One complaint per order: asking again returns the same complaint. 409 for an order never paid.
    """
    return services.complain_about_order(current_actor(), order_id, **body)


@blp.route("/commerce/orders/<uuid:order_id>/review", methods=["POST"])
@blp.auth()
@blp.arguments(ReviewCreateSchema)
@blp.response(201, ReviewSchema)
def review_order(body, order_id):
    """Review my completed order, once."""
    return services.review_order(current_actor(), order_id, body["rating"], body["text"])


@blp.route("/commerce/orders/<uuid:order_id>/review/photos", methods=["POST"])
@blp.auth()
@accepts("multipart/form-data")
@blp.arguments(CommercePhotoUploadSchema, location="files")
@blp.response(201, CommercePhotoSchema)
def add_review_photo(files, order_id):
    """Add a photo to my review of the order (JPEG, PNG or WebP, at most 5 MB, 3 per review)."""
    return services.add_review_photo(current_actor(), order_id, files["photo"].read())


@blp.route("/commerce/photos/<uuid:photo_id>")
@blp.response(200, content_type="image/*")
def get_photo(photo_id):
    """A photo of a verified merchant's listing or of a review of it."""
    content, content_type = services.public_photo(photo_id)
    return Response(content, mimetype=content_type)


# --- merchants --------------------------------------------------------------------------------------


@merchant_blp.route("/merchant/merchants", methods=["POST"])
@merchant_blp.auth()
@merchant_blp.arguments(MerchantCreateSchema)
@merchant_blp.response(201, MerchantSchema)
def register_merchant(body):
    """Register my business; I become its owner; it lists once the street office verifies it."""
    return services.register_merchant(current_actor(), body.pop("location"), **body)


@merchant_blp.route("/merchant/merchants")
@merchant_blp.auth()
@merchant_blp.arguments(PageArgsSchema, location="query")
@merchant_blp.response(200, page_schema(MerchantSchema))
def my_merchants(args):
    """The merchants I work for."""
    return services.my_merchants(current_actor(), **args)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>")
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(200, MerchantSchema)
def get_my_merchant(merchant_id):
    """A merchant I work for, with its registration state."""
    return services.get_merchant_as_member(current_actor(), merchant_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/hours", methods=["PUT"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(HoursSchema)
@merchant_blp.response(200, MerchantSchema)
def set_hours(body, merchant_id):
    """Set the weekly opening hours and the closed dates (owner)."""
    return services.set_hours(current_actor(), merchant_id, body["opening_hours"], body["closed_dates"])


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/members")
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(200, MemberSchema(many=True))
def list_members(merchant_id):
    """Who works for the merchant."""
    return services.list_members(current_actor(), merchant_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/members", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(MemberCreateSchema)
@merchant_blp.response(201, MemberSchema)
def add_member(body, merchant_id):
    """Add an owner or staff member by phone (owner)."""
    return services.add_member(current_actor(), merchant_id, body["phone"], body["role"])


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/members/<uuid:member_id>", methods=["DELETE"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(204)
def remove_member(merchant_id, member_id):
    """Remove an owner or staff member (owner): they lose the merchant's orders and role at once.

    409 ``merchant-last-owner`` for the only owner.
    """
    services.remove_member(current_actor(), merchant_id, member_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/listings")
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(PageArgsSchema, location="query")
@merchant_blp.response(200, page_schema(ListingSchema))
def my_listings(args, merchant_id):
    """Every listing of the merchant, offered or not."""
    return services.merchant_listings(current_actor(), merchant_id, **args)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/listings", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(ListingCreateSchema)
@merchant_blp.response(201, ListingSchema)
def create_listing(body, merchant_id):
    """List a good or service (owner)."""
    return services.create_listing(current_actor(), merchant_id, **body)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/listings/<uuid:listing_id>", methods=["PATCH"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(ListingFieldsSchema)
@merchant_blp.response(200, ListingSchema)
def update_listing(body, merchant_id, listing_id):
    """Change a listing: price, stock, texts, offered or not."""
    return services.update_listing(current_actor(), merchant_id, listing_id, **body)


@merchant_blp.route(
    "/merchant/merchants/<uuid:merchant_id>/listings/<uuid:listing_id>/photos", methods=["POST"]
)
@merchant_blp.auth(**MEMBER)
@accepts("multipart/form-data")
@merchant_blp.arguments(CommercePhotoUploadSchema, location="files")
@merchant_blp.response(201, CommercePhotoSchema)
def add_listing_photo(files, merchant_id, listing_id):
    """Add a photo to a listing (JPEG, PNG or WebP, at most 5 MB, 6 per listing; shown in order)."""
    return services.add_listing_photo(current_actor(), merchant_id, listing_id, files["photo"].read())


@merchant_blp.route(
    "/merchant/merchants/<uuid:merchant_id>/listings/<uuid:listing_id>/photos/<uuid:photo_id>",
    methods=["DELETE"],
)
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(204)
def remove_listing_photo(merchant_id, listing_id, photo_id):
    """Take a photo off a listing."""
    services.remove_listing_photo(current_actor(), merchant_id, listing_id, photo_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders")
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(OrderQuerySchema, location="query")
@merchant_blp.response(200, page_schema(MerchantOrderSchema))
def merchant_orders(args, merchant_id):
    """The merchant's paid orders, newest first."""
    return services.merchant_orders(current_actor(), merchant_id, **args)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>")
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(200, MerchantOrderSchema)
def merchant_order(merchant_id, order_id):
    """One order of the merchant."""
    return services.merchant_order(current_actor(), merchant_id, order_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>/accept", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(200, MerchantOrderSchema)
def accept_order(merchant_id, order_id):
    """Accept a paid order."""
    return services.accept_order(current_actor(), merchant_id, order_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>/decline", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(ReasonSchema)
@merchant_blp.response(200, MerchantOrderSchema)
def decline_order(body, merchant_id, order_id):
    """Decline a paid order: the resident is refunded in full."""
    return services.decline_order(current_actor(), merchant_id, order_id, body["reason"])


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>/ready", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.response(200, MerchantOrderSchema)
def mark_ready(merchant_id, order_id):
    """The order is ready for pick-up, or out for delivery."""
    return services.mark_ready(current_actor(), merchant_id, order_id)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>/cancel", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(ReasonSchema)
@merchant_blp.response(200, MerchantOrderSchema)
def cancel_by_merchant(body, merchant_id, order_id):
    """Cancel an accepted order after all: the resident is refunded in full."""
    return services.cancel_by_merchant(current_actor(), merchant_id, order_id, body["reason"])


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>/visit", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(OrderVisitStartSchema)
@merchant_blp.response(201, MerchantOrderSchema)
def start_order_visit(body, merchant_id, order_id):
    """At the elder's door: her city code scanned (purpose ``care_visit``) starts the order's care visit.

    Only an accepted or ready order of a subsidy-eligible listing (409 ``order-not-a-care-service``,
    ``order-state-conflict``); 422 ``visit-scan-refused`` for a code that is not valid,
    ``visit-scan-mismatch`` for someone else's than the order's elder. Asked again: the same visit.
    """
    return services.start_order_visit(current_actor(), merchant_id, order_id, **body)


@merchant_blp.route(
    "/merchant/merchants/<uuid:merchant_id>/orders/<uuid:order_id>/visit/end", methods=["POST"]
)
@merchant_blp.auth(**MEMBER)
@merchant_blp.idempotent()
@merchant_blp.arguments(OrderVisitEndSchema)
@merchant_blp.response(200, MerchantOrderSchema)
def end_order_visit(body, merchant_id, order_id):
    """Leaving: the same elder's code scanned again verifies the visit; the care subsidy is paid, once.

    409 ``order-visit-not-started`` before the start scan, ``visit-already-ended`` after the end;
    422 ``visit-scan-refused`` / ``visit-scan-mismatch`` without a valid scan of the same elder.
    """
    return services.end_order_visit(current_actor(), merchant_id, order_id, **body)


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/reviews/<uuid:review_id>/reply", methods=["POST"])
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(ReplySchema)
@merchant_blp.response(200, ReviewSchema)
def reply_to_review(body, merchant_id, review_id):
    """Answer a review of the merchant."""
    return services.reply_to_review(current_actor(), merchant_id, review_id, body["reply"])


# --- the street office ------------------------------------------------------------------------------


@staff_blp.route("/commerce/merchants")
@staff_blp.auth(**STREET_OFFICE)
@staff_blp.arguments(StaffMerchantQuerySchema, location="query")
@staff_blp.response(200, page_schema(MerchantSchema))
def merchants_to_verify(args):
    """Registered merchants by state (pending by default)."""
    return services.merchants_to_verify(current_actor(), **args)


@staff_blp.route("/commerce/merchants/<uuid:merchant_id>/decision", methods=["POST"])
@staff_blp.auth(**STREET_OFFICE)
@staff_blp.arguments(DecisionSchema)
@staff_blp.response(200, MerchantSchema)
def decide_merchant(body, merchant_id):
    """Verify a registered merchant (it may list) or refuse it, with a note."""
    return services.decide_merchant(current_actor(), merchant_id, **body)


# --- the merchant's settlement by day ---------------------------------------------------------------


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/settlement")
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(schemas.MerchantSettlementQuerySchema, location="query")
@merchant_blp.response(200, schemas.MerchantSettlementSchema)
def merchant_settlement(args, merchant_id):
    """Paid orders, refunds and the net per business day (owner; default: this month so far)."""
    return settlement.settlement_by_day(current_actor(), merchant_id, args["start"], args["end"])


@merchant_blp.route("/merchant/merchants/<uuid:merchant_id>/settlement.csv")
@merchant_blp.auth(**MEMBER)
@merchant_blp.arguments(schemas.MerchantSettlementQuerySchema, location="query")
@merchant_blp.response(200, content_type="text/csv")
def merchant_settlement_csv(args, merchant_id):
    """The settlement by day as CSV (amounts in yuan, UTF-8 with BOM), then the totals."""
    figures = settlement.settlement_by_day(current_actor(), merchant_id, args["start"], args["end"])
    filename = f"settlement-{figures.start.isoformat()}-{figures.end.isoformat()}.csv"
    return Response(
        settlement.settlement_csv(figures),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
