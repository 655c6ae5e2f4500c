"""Compounds, passes, venues, cards and the entry log, as scanners, residents and staff send and see them."""

from __future__ import annotations

import marshmallow as ma

from app.access.models import Direction
from app.core.validation import PhoneNumber, Range, StrictSchema

POINT_CODE = ma.validate.Regexp(r"^[A-Za-z0-9._-]{1,30}$")
SCAN_ID = ma.fields.String(
    load_default=None,
    validate=ma.validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$"),
    metadata={"description": "The scanner's own id of this scan: a retry with it gets the first answer"},
)


class GateScanSchema(StrictSchema):
    """A compound gate read a code (a resident's city code, or a visitor pass ``YMTP-...``)."""

    gate = ma.fields.String(required=True, validate=POINT_CODE)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2048))
    direction = ma.fields.String(
        load_default=Direction.IN.value, validate=ma.validate.OneOf([d.value for d in Direction])
    )
    scan_id = SCAN_ID


class VenueScanSchema(StrictSchema):
    """A venue's entrance read a city code."""

    venue = ma.fields.String(required=True, validate=POINT_CODE)
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2048))
    scan_id = SCAN_ID


class ScanResultSchema(ma.Schema):
    """Open or not, why not, and only what this gate or venue may know."""

    admitted = ma.fields.Boolean(dump_only=True)
    reason = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "the city code's refusal (expired, replayed, ...), not_resident, unknown_pass, "
            "other_compound, pass_expired, pass_used_up, pass_revoked, pass_not_yet, real_name_required, "
            "no_card"
        },
    )
    visitor_name = ma.fields.String(dump_only=True, allow_none=True)
    entries_left = ma.fields.Integer(dump_only=True, allow_none=True)
    card_no = ma.fields.String(dump_only=True, allow_none=True)


class GateSchema(ma.Schema):
    """A gate of a compound."""

    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)


class CompoundBriefSchema(ma.Schema):
    """A compound."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)


class CompoundSchema(CompoundBriefSchema):
    """A compound and its gates."""

    gates = ma.fields.List(ma.fields.Nested(GateSchema), dump_only=True)


class ResidencySchema(ma.Schema):
    """A compound the resident lives in."""

    compound = ma.fields.Nested(CompoundSchema, dump_only=True)
    unit = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class PassCreateSchema(StrictSchema):
    """A pass for a visitor: who, until when (at most 7 days), how many entries (1-20)."""

    compound_id = ma.fields.UUID(required=True)
    visitor_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    valid_from = ma.fields.AwareDateTime(load_default=None)
    valid_until = ma.fields.AwareDateTime(required=True)
    max_entries = ma.fields.Integer(load_default=1, strict=True, validate=Range(1, 20))


class PassSchema(ma.Schema):
    """A visitor pass: show ``pass_code`` as a QR code to the visitor."""

    id = ma.fields.UUID(dump_only=True)
    compound = ma.fields.Nested(CompoundBriefSchema, dump_only=True)
    visitor_name = ma.fields.String(dump_only=True)
    pass_code = ma.fields.String(dump_only=True)
    valid_from = ma.fields.DateTime(dump_only=True)
    valid_until = ma.fields.DateTime(dump_only=True)
    max_entries = ma.fields.Integer(dump_only=True)
    entries_used = ma.fields.Integer(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": "not_yet | active | used_up | expired | revoked"}
    )
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class EventSchema(ma.Schema):
    """One scan of my code or of a pass I issued."""

    id = ma.fields.UUID(dump_only=True)
    place = ma.fields.Function(lambda event: (event.gate or event.venue).name, dump_only=True)
    direction = ma.fields.String(dump_only=True)
    admitted = ma.fields.Boolean(dump_only=True)
    reason = ma.fields.String(dump_only=True, allow_none=True)
    pass_id = ma.fields.UUID(dump_only=True, allow_none=True)
    visitor_name = ma.fields.Function(
        lambda event: event.visitor_pass.visitor_name if event.visitor_pass else None,
        dump_only=True,
        allow_none=True,
    )
    created_at = ma.fields.DateTime(dump_only=True)


class VenueSchema(ma.Schema):
    """A venue that accepts the city code."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "library | sports_centre | museum"})
    admission = ma.fields.String(dump_only=True, metadata={"description": "real_name | card_holders"})


class CardSchema(ma.Schema):
    """My card of a venue."""

    venue = ma.fields.Nested(VenueSchema, dump_only=True)
    card_no = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class ResidentRegisterSchema(StrictSchema):
    """Register a person (by phone) as a resident of the compound."""

    phone = PhoneNumber(required=True)
    unit = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))


class StaffResidencySchema(ma.Schema):
    """A registered residency, as staff see it."""

    id = ma.fields.UUID(dump_only=True)
    compound_id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    unit = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
