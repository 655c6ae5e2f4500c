"""Community commerce as clients send and see it: merchants, listings, the nearby search, orders, reviews."""

from __future__ import annotations

import re
from datetime import date

import marshmallow as ma
from flask_babel import gettext

from app.commerce.models import (
    WEEKDAYS,
    Fulfilment,
    MemberRole,
    MerchantCategory,
    MerchantStatus,
    OrderStatus,
)
from app.core.geo import LocationSchema
from app.core.money import MAX_FEN, Money, MoneySchema
from app.core.nearby import NearbyArgsSchema
from app.core.pagination import PageArgsSchema
from app.core.validation import CreditCode, PhoneNumber, Range, StrictSchema

CATEGORIES = [category.value for category in MerchantCategory]
FULFILMENTS = [way.value for way in Fulfilment]
LANGUAGES = ["zh_Hans", "zh_Hant", "en"]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_SPANS = 4


def _check_hours(hours: dict) -> None:
    for day, spans in hours.items():
        if day not in WEEKDAYS:
            raise ma.ValidationError(gettext("Days are mon, tue, wed, thu, fri, sat and sun."))
        if not isinstance(spans, list) or len(spans) > MAX_SPANS:
            raise ma.ValidationError(gettext("Give at most %(max)s opening spans a day.", max=MAX_SPANS))
        for span in spans:
            if (
                not isinstance(span, list)
                or len(span) != 2
                or not all(isinstance(t, str) and _CLOCK.match(t) for t in span)
                or span[0] == span[1]
            ):
                raise ma.ValidationError(gettext('Give each span as ["08:00", "21:00"] (24-hour clock).'))


class OpeningHoursField(ma.fields.Dict):
    """Weekly hours: ``{"mon": [["08:00", "21:00"]]}``; a span ending before it starts runs past midnight."""

    def __init__(self, **kwargs):
        super().__init__(
            keys=ma.fields.String(),
            values=ma.fields.List(ma.fields.List(ma.fields.String())),
            validate=_check_hours,
            metadata={"example": {"mon": [["08:00", "21:00"]], "sat": [["09:00", "22:00"]]}},
            **kwargs,
        )


class MerchantCreateSchema(StrictSchema):
    """A business registering, with its licence details; the street office verifies it before it lists."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORIES))
    credit_code = CreditCode(required=True, metadata={"description": "统一社会信用代码 (18 characters)"})
    licence_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=100),
        metadata={"description": "Name on the licence"},
    )
    legal_representative = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    phone = PhoneNumber(required=True)
    location = ma.fields.Nested(LocationSchema, required=True)
    opening_hours = OpeningHoursField(load_default=dict)
    closed_dates = ma.fields.List(ma.fields.Date(), load_default=list, validate=ma.validate.Length(max=60))
    service_radius_m = ma.fields.Integer(load_default=1000, validate=Range(100, 5000), strict=True)
    language = ma.fields.String(load_default="zh_Hans", validate=ma.validate.OneOf(LANGUAGES))

    @ma.post_load
    def _dates(self, data, **kwargs):
        data["closed_dates"] = sorted({day.isoformat() for day in data["closed_dates"]})
        return data


class HoursSchema(StrictSchema):
    """The weekly opening hours and the dates the merchant is closed (holidays)."""

    opening_hours = OpeningHoursField(required=True)
    closed_dates = ma.fields.List(ma.fields.Date(), load_default=list, validate=ma.validate.Length(max=60))


class DecisionSchema(StrictSchema):
    """The street office's decision on a registration."""

    verified = ma.fields.Boolean(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class MemberCreateSchema(StrictSchema):
    """Someone to work for the merchant."""

    phone = PhoneNumber(required=True)
    role = ma.fields.String(
        load_default=MemberRole.STAFF, validate=ma.validate.OneOf([r.value for r in MemberRole])
    )


class StaffMerchantQuerySchema(PageArgsSchema):
    """The street office's list, by registration state."""

    status = ma.fields.String(
        load_default=MerchantStatus.PENDING, validate=ma.validate.OneOf([s.value for s in MerchantStatus])
    )


class MerchantPublicSchema(ma.Schema):
    """A verified merchant as anyone sees it."""

    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    category = ma.fields.String(dump_only=True)
    category_label = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    phone = ma.fields.String(dump_only=True)
    lat = ma.fields.Float(dump_only=True)
    lng = ma.fields.Float(dump_only=True)
    opening_hours = ma.fields.Dict(dump_only=True)
    closed_dates = ma.fields.List(ma.fields.String(), dump_only=True)
    service_radius_m = ma.fields.Integer(dump_only=True)
    rating = ma.fields.Float(dump_only=True, allow_none=True)
    rating_count = ma.fields.Integer(dump_only=True)
    verified = ma.fields.Boolean(dump_only=True)


class MerchantSchema(MerchantPublicSchema):
    """A merchant as its members see it, with its registration."""

    credit_code = ma.fields.String(dump_only=True)
    licence_name = ma.fields.String(dump_only=True)
    legal_representative = ma.fields.String(dump_only=True)
    language = ma.fields.String(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(s.value for s in MerchantStatus)}
    )
    decision_note = ma.fields.String(dump_only=True, allow_none=True)
    decided_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class MemberSchema(ma.Schema):
    """Someone working for the merchant."""

    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    role = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class TranslationSchema(StrictSchema):
    """A listing's text in another language."""

    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class ListingFieldsSchema(StrictSchema):
    """What a merchant says about a good or service."""

    title = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    description = ma.fields.String(validate=ma.validate.Length(max=500))
    translations = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(LANGUAGES)),
        values=ma.fields.Nested(TranslationSchema),
        metadata={"description": 'Optional texts by language: {"en": {"title": ..., "description": ...}}'},
    )
    price = ma.fields.Nested(MoneySchema)
    unit = ma.fields.String(validate=ma.validate.Length(max=10))
    stock = ma.fields.Integer(
        allow_none=True,
        strict=True,
        validate=Range(0, 1_000_000),
        metadata={"description": "null: not counted"},
    )
    fulfilment = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(FULFILMENTS)), validate=ma.validate.Length(min=1, max=2)
    )
    active = ma.fields.Boolean()
    subsidy_eligible = ma.fields.Boolean(
        metadata={"description": "An elder-care service the care subsidy pays for (elder-care listings only)"}
    )

    @ma.post_load
    def _columns(self, data, **kwargs):
        price = data.pop("price", None)
        if price is not None:
            price = price if isinstance(price, Money) else Money(price["fen"], price.get("currency", "CNY"))
            if not 0 < price.fen <= MAX_FEN:
                raise ma.ValidationError({"price": [gettext("An amount must be a positive number of fen.")]})
            data["price_fen"], data["currency"] = price.fen, price.currency
        if "fulfilment" in data:
            data["fulfilment"] = sorted(set(data["fulfilment"]))
        return data


class ListingCreateSchema(ListingFieldsSchema):
    """A new listing."""

    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    price = ma.fields.Nested(MoneySchema, required=True)
    category = ma.fields.String(
        validate=ma.validate.OneOf(CATEGORIES), metadata={"description": "The merchant's by default"}
    )
    fulfilment = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(FULFILMENTS)),
        load_default=lambda: ["pickup"],
        validate=ma.validate.Length(min=1, max=2),
    )


class ListingSchema(ma.Schema):
    """A listing, its text in the reader's language when the merchant gave one."""

    id = ma.fields.UUID(dump_only=True)
    merchant_id = ma.fields.UUID(dump_only=True)
    category = ma.fields.String(dump_only=True)
    title = ma.fields.String(dump_only=True, attribute="local_title")
    description = ma.fields.String(dump_only=True, attribute="local_description")
    price = ma.fields.Nested(MoneySchema, dump_only=True)
    unit = ma.fields.String(dump_only=True)
    stock = ma.fields.Integer(dump_only=True, allow_none=True)
    in_stock = ma.fields.Boolean(dump_only=True)
    fulfilment = ma.fields.List(ma.fields.String(), dump_only=True)
    active = ma.fields.Boolean(dump_only=True)
    subsidy_eligible = ma.fields.Boolean(dump_only=True)
    photos = ma.fields.List(
        ma.fields.String(), dump_only=True, metadata={"description": "Photo paths, in order"}
    )


class MerchantBriefSchema(ma.Schema):
    """The merchant of a listing or an order."""

    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    category_label = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    rating = ma.fields.Float(dump_only=True, allow_none=True)
    rating_count = ma.fields.Integer(dump_only=True)


class NearbyListingSchema(ListingSchema):
    """A listing found near the resident."""

    merchant = ma.fields.Nested(MerchantBriefSchema, dump_only=True)
    distance_m = ma.fields.Integer(dump_only=True)
    open_now = ma.fields.Boolean(dump_only=True)
    delivers_here = ma.fields.Boolean(dump_only=True)


class NearbyQuerySchema(NearbyArgsSchema):
    """Search near a point: by category, open now only, nearest or best rated first."""

    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CATEGORIES))
    open_now = ma.fields.Boolean(load_default=False)
    sort = ma.fields.String(load_default="distance", validate=ma.validate.OneOf(["distance", "rating"]))
    limit = ma.fields.Integer(load_default=20, validate=Range(1, 50))


class NearbyResultSchema(ma.Schema):
    """Listings near the point, in the order asked."""

    items = ma.fields.List(ma.fields.Nested(NearbyListingSchema), dump_only=True)


class OrderCreateSchema(StrictSchema):
    """An order of one listing."""

    listing_id = ma.fields.UUID(required=True)
    quantity = ma.fields.Integer(load_default=1, strict=True, validate=Range(1, 99))
    fulfilment = ma.fields.String(load_default=Fulfilment.PICKUP, validate=ma.validate.OneOf(FULFILMENTS))
    delivery_address = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=200))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class OrderPaymentSchema(ma.Schema):
    """The payment of an order: pay it with ``client_action``; it stands at /payments/{id}."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True)
    client_action = ma.fields.Dict(dump_only=True, allow_none=True)


class OrderSchema(ma.Schema):
    """An order, as the resident sees it."""

    id = ma.fields.UUID(dump_only=True)
    merchant = ma.fields.Nested(MerchantBriefSchema, dump_only=True)
    listing_id = ma.fields.UUID(dump_only=True)
    title = ma.fields.String(dump_only=True)
    quantity = ma.fields.Integer(dump_only=True)
    unit_price = ma.fields.Nested(MoneySchema, dump_only=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True)
    subsidy = ma.fields.Nested(
        MoneySchema, dump_only=True, metadata={"description": "What the elder's care voucher pays"}
    )
    to_pay = ma.fields.Nested(
        MoneySchema,
        dump_only=True,
        metadata={"description": "What the resident pays: the amount less the subsidy"},
    )
    refunded = ma.fields.Nested(
        MoneySchema, dump_only=True, metadata={"description": "What was given back of the resident's payment"}
    )
    subsidy_payment_id = ma.fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The ledger's payment of the subsidy to the merchant (once completed)"},
    )
    visit_id = ma.fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "The care visit delivering it, scanned at the elder's door (/eldercare/visits)"
        },
    )
    visit_verified_at = ma.fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the visit's end scan verified it and the subsidy was paid"},
    )
    fulfilment = ma.fields.String(dump_only=True)
    delivery_address = ma.fields.String(dump_only=True, allow_none=True)
    note = ma.fields.String(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(s.value for s in OrderStatus)}
    )
    status_label = ma.fields.String(dump_only=True)
    reviewable = ma.fields.Boolean(dump_only=True)
    accept_by = ma.fields.DateTime(dump_only=True, allow_none=True)
    paid_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    accepted_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    ready_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    completed_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    ended_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    end_reason = ma.fields.String(dump_only=True, allow_none=True)
    complaint_tracking_number = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "The 12345 complaint about this order"}
    )
    created_at = ma.fields.DateTime(dump_only=True)


class OrderDetailSchema(OrderSchema):
    """An order with the payment that holds it."""

    payment = ma.fields.Nested(OrderPaymentSchema, dump_only=True, allow_none=True)


class MerchantOrderSchema(OrderSchema):
    """An order as the merchant's members see it (the resident is an id)."""

    person_id = ma.fields.UUID(dump_only=True)


class OrderQuerySchema(PageArgsSchema):
    """Orders, by status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in OrderStatus]))


class OrderVisitStartSchema(StrictSchema):
    """The merchant's caregiver at the elder's door: the care service, who they are, her code scanned."""

    service = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "meal_help | cleaning | personal_care | medical_visit"},
    )
    caregiver = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2048),
        metadata={"description": "The elder's city code, scanned at the door"},
    )
    location = ma.fields.Nested(LocationSchema, required=True)
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class OrderVisitEndSchema(StrictSchema):
    """The caregiver leaving: the same elder's code scanned again, and where."""

    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2048),
        metadata={"description": "The elder's city code, scanned again"},
    )
    location = ma.fields.Nested(LocationSchema, required=True)


class ReasonSchema(StrictSchema):
    """Why the merchant declines or cancels."""

    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class ReviewCreateSchema(StrictSchema):
    """A review of a completed order."""

    rating = ma.fields.Integer(required=True, strict=True, validate=Range(1, 5))
    text = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class OrderComplaintCreateSchema(StrictSchema):
    """What the resident tells 12345 about the merchant of an order."""

    description = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=2000))
    identity_visible = ma.fields.Boolean(
        load_default=True, metadata={"description": "Whether the merchant may learn who complained"}
    )


class OrderComplaintSchema(ma.Schema):
    """The 12345 complaint filed about an order (see it in GET /complaints)."""

    complaint_id = ma.fields.UUID(attribute="id", dump_only=True)
    tracking_number = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    order_id = ma.fields.UUID(dump_only=True)
    merchant_id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ReplySchema(StrictSchema):
    """The merchant's answer to a review."""

    reply = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class ReviewSchema(ma.Schema):
    """A review (the reviewer is not named) and the merchant's reply."""

    id = ma.fields.UUID(dump_only=True)
    merchant_id = ma.fields.UUID(dump_only=True)
    rating = ma.fields.Integer(dump_only=True)
    text = ma.fields.String(dump_only=True)
    reply = ma.fields.String(dump_only=True, allow_none=True)
    replied_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    photos = ma.fields.List(ma.fields.String(), dump_only=True, metadata={"description": "Photo paths"})


class CommercePhotoUploadSchema(ma.Schema):
    """A photo file (multipart/form-data field ``photo``)."""

    photo = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class CommercePhotoSchema(ma.Schema):
    """A stored photo and where anyone fetches it."""

    id = ma.fields.UUID(dump_only=True)
    url = ma.fields.String(dump_only=True)
    content_type = ma.fields.String(dump_only=True)
    size = ma.fields.Integer(dump_only=True)


# --- the merchant's settlement by day ---------------------------------------------------------------


class MerchantSettlementQuerySchema(ma.Schema):
    """The business days (Asia/Shanghai, inclusive; default: this month so far)."""

    start = ma.fields.Date(load_default=None, validate=Range(date(2000, 1, 1), date(2100, 1, 1)))
    end = ma.fields.Date(load_default=None, validate=Range(date(2000, 1, 1), date(2100, 1, 1)))

    @ma.validates_schema
    def _whole_period(self, data, **kwargs):
        if (data.get("start") is None) != (data.get("end") is None):
            raise ma.ValidationError(gettext("Give both the start and the end, or neither."), "end")


class MerchantSettlementDaySchema(ma.Schema):
    """One business day: paid orders, the care subsidy, refunds and the net."""

    date = ma.fields.Date(dump_only=True)
    paid_orders = ma.fields.Integer(dump_only=True, metadata={"description": "Residents' payments"})
    paid = ma.fields.Nested(MoneySchema, dump_only=True, metadata={"description": "Paid by residents"})
    subsidised_orders = ma.fields.Integer(dump_only=True)
    subsidy = ma.fields.Nested(
        MoneySchema,
        dump_only=True,
        metadata={"description": "Paid from elders' care vouchers (completed orders)"},
    )
    refunds = ma.fields.Integer(dump_only=True)
    refunded = ma.fields.Nested(MoneySchema, dump_only=True)
    net = ma.fields.Nested(MoneySchema, dump_only=True)


class MerchantSettlementSchema(ma.Schema):
    """A merchant's settlement per business day, and the period's totals."""

    merchant_id = ma.fields.UUID(dump_only=True)
    start = ma.fields.Date(dump_only=True)
    end = ma.fields.Date(dump_only=True)
    days = ma.fields.List(ma.fields.Nested(MerchantSettlementDaySchema), dump_only=True)
    paid_orders = ma.fields.Integer(dump_only=True)
    paid = ma.fields.Nested(MoneySchema, dump_only=True)
    subsidised_orders = ma.fields.Integer(dump_only=True)
    subsidy = ma.fields.Nested(MoneySchema, dump_only=True)
    refunds = ma.fields.Integer(dump_only=True)
    refunded = ma.fields.Nested(MoneySchema, dump_only=True)
    net = ma.fields.Nested(MoneySchema, dump_only=True)
