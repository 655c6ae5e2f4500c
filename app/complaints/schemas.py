"""How complaints appear to residents (no internal notes) and to staff (in full)."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import gettext

from app.complaints.models import ComplaintStatus
from app.core.geo import LocationSchema
from app.core.pagination import PageArgsSchema
from app.core.validation import PhoneNumber, Range, StrictSchema


class CategorySchema(ma.Schema):
    """A category of the 12345 tree."""

    code = ma.fields.String(dump_only=True)
    parent_code = ma.fields.String(dump_only=True, allow_none=True)
    name = ma.fields.String(dump_only=True)
    sla_class = ma.fields.String(dump_only=True)


class ComplaintCreateSchema(StrictSchema):
    """A new complaint from a resident."""

    category = ma.fields.String(required=True, metadata={"description": "Leaf category code, e.g. 0101"})
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=2000))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    location = ma.fields.Nested(LocationSchema, load_default=None)
    contact_allowed = ma.fields.Boolean(load_default=True)
    identity_visible = ma.fields.Boolean(
        load_default=False, metadata={"description": "May the department see who I am?"}
    )
    urgent = ma.fields.Boolean(load_default=False)

    @ma.validates_schema
    def _somewhere(self, data, **kwargs):
        if not data.get("address") and not data.get("location"):
            raise ma.ValidationError(gettext("Give an address or a location."), "address")


class CallRecordSchema(ComplaintCreateSchema):
    """A call recorded by a hotline agent."""

    caller_phone = PhoneNumber(required=True)


class PublicEventSchema(ma.Schema):
    """A step of the timeline as the resident sees it."""

    kind = ma.fields.String(dump_only=True)
    status_after = ma.fields.String(dump_only=True)
    summary = ma.fields.String(dump_only=True)
    note = ma.fields.String(attribute="public_note", dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class StaffEventSchema(PublicEventSchema):
    """A step of the timeline as staff see it."""

    internal_note = ma.fields.String(dump_only=True, metadata={"description": "What staff wrote"})
    system_note = ma.fields.String(
        dump_only=True,
        metadata={"description": "What the system noted (routing, deadlines), in your language"},
    )
    actor_kind = ma.fields.String(dump_only=True)
    department_id = ma.fields.UUID(dump_only=True, allow_none=True)


class DeadlineSchema(ma.Schema):
    """The clock that runs now."""

    kind = ma.fields.String(dump_only=True)
    due_at = ma.fields.DateTime(dump_only=True)
    overdue = ma.fields.Boolean(dump_only=True)
    seconds_left = ma.fields.Integer(dump_only=True)


class ComplaintSchema(ma.Schema):
    """A complaint as its reporter (and residents following it) see it."""

    id = ma.fields.UUID(dump_only=True)
    tracking_number = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    channel = ma.fields.String(dump_only=True)
    category = ma.fields.Nested(CategorySchema, dump_only=True)
    description = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    lat = ma.fields.Float(dump_only=True, allow_none=True)
    lng = ma.fields.Float(dump_only=True, allow_none=True)
    department = ma.fields.String(dump_only=True, allow_none=True)
    deadline = ma.fields.Nested(DeadlineSchema, dump_only=True, allow_none=True)
    attachment = ma.fields.Dict(
        attribute="attached",
        dump_only=True,
        allow_none=True,
        metadata={"description": "What was attached when another service filed it: title and facts"},
    )
    reply = ma.fields.String(dump_only=True, allow_none=True)
    rating = ma.fields.Integer(dump_only=True, allow_none=True)
    photo_ids = ma.fields.List(ma.fields.String(), dump_only=True)
    timeline = ma.fields.List(ma.fields.Nested(PublicEventSchema), attribute="events", dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    resolved_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    closed_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class StaffComplaintSchema(ComplaintSchema):
    """A complaint as staff see it: version for optimistic locking, routing, internal timeline."""

    version = ma.fields.Integer(dump_only=True)
    urgent = ma.fields.Boolean(dump_only=True)
    sla_class = ma.fields.String(dump_only=True)
    lead_department_id = ma.fields.UUID(dump_only=True, allow_none=True)
    assisting_department_ids = ma.fields.List(ma.fields.String(), dump_only=True)
    routing_rule_number = ma.fields.Integer(dump_only=True, allow_none=True)
    routing_reason = ma.fields.String(dump_only=True)
    duplicate_candidate_ids = ma.fields.List(ma.fields.String(), dump_only=True)
    merged_into_id = ma.fields.UUID(dump_only=True, allow_none=True)
    parent_id = ma.fields.UUID(dump_only=True, allow_none=True)
    reopen_count = ma.fields.Integer(dump_only=True)
    contact_allowed = ma.fields.Boolean(dump_only=True)
    identity_visible = ma.fields.Boolean(dump_only=True)
    timeline = ma.fields.List(ma.fields.Nested(StaffEventSchema), attribute="events", dump_only=True)


class ReporterSchema(ma.Schema):
    """Who reported it, for staff allowed to know."""

    name = ma.fields.String(dump_only=True, allow_none=True)
    phone = ma.fields.String(dump_only=True, allow_none=True)


class StaffComplaintDetailSchema(StaffComplaintSchema):
    """One complaint for staff, with the reporter when they may see them."""

    reporter = ma.fields.Nested(ReporterSchema, dump_only=True, allow_none=True)


class VersionedSchema(StrictSchema):
    """Every staff step names the version it saw (409 when someone acted first)."""

    version = ma.fields.Integer(required=True, validate=Range(1, None))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class DispatchSchema(VersionedSchema):
    """Dispatch or reassign."""

    department_code = ma.fields.String(required=True)
    assisting_codes = ma.fields.List(ma.fields.String(), load_default=list)


class SendBackSchema(VersionedSchema):
    """Return a complaint that is not the department's (退单)."""

    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=1000))


class ResolveSchema(VersionedSchema):
    """The written reply to the resident."""

    reply = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=2000))


class MergeSchema(VersionedSchema):
    """Merge this complaint into another."""

    into_id = ma.fields.UUID(required=True)


class SplitPartSchema(StrictSchema):
    """One part of a split complaint."""

    category_code = ma.fields.String(required=True)
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=2000))
    department_code = ma.fields.String(required=True)


class SplitSchema(VersionedSchema):
    """Split into parts."""

    parts = ma.fields.List(
        ma.fields.Nested(SplitPartSchema), required=True, validate=ma.validate.Length(min=2, max=10)
    )


class RatingSchema(StrictSchema):
    """The resident's rating of the reply."""

    rating = ma.fields.Integer(required=True, validate=Range(1, 5))
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class ExtensionRequestSchema(StrictSchema):
    """A request for a later feedback deadline."""

    requested_due = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=500))


class ExtensionSchema(ma.Schema):
    """An extension request and its decision."""

    id = ma.fields.UUID(dump_only=True)
    complaint_id = ma.fields.UUID(dump_only=True)
    requested_due = ma.fields.DateTime(dump_only=True)
    reason = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)


class ExtensionDecisionSchema(StrictSchema):
    """Approve or refuse."""

    approve = ma.fields.Boolean(required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class RoutingRuleSchema(StrictSchema):
    """A routing rule: every non-empty criterion must match."""

    id = ma.fields.UUID(dump_only=True)
    number = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    priority = ma.fields.Integer(load_default=0, validate=Range(-1000, 1000))
    category_prefixes = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=12)), load_default=list
    )
    district_codes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=12)), load_default=list)
    street_codes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=16)), load_default=list)
    keywords = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), load_default=list)
    department_code = ma.fields.String(required=True)
    assisting_codes = ma.fields.List(ma.fields.String(), load_default=list)
    active = ma.fields.Boolean(dump_only=True)


STATUSES = [status.value for status in ComplaintStatus]


class ComplaintQuerySchema(PageArgsSchema):
    """The resident's list: a page, optionally of one status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class StaffQuerySchema(PageArgsSchema):
    """Filters of staff work lists."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    department_id = ma.fields.UUID(load_default=None)
    overdue = ma.fields.Boolean(load_default=False)


class PhotoSchema(ma.Schema):
    """An attached photo."""

    id = ma.fields.UUID(dump_only=True)
    content_type = ma.fields.String(dump_only=True)
    size = ma.fields.Integer(dump_only=True)


class PhotoUploadSchema(ma.Schema):
    """A photo file (multipart/form-data field ``photo``)."""

    photo = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MetricsQuerySchema(ma.Schema):
    """The period (Asia/Shanghai dates, inclusive) and optionally one department."""

    start = ma.fields.Date(required=True, validate=Range(date(2000, 1, 1), date(2100, 1, 1)))
    end = ma.fields.Date(required=True, validate=Range(date(2000, 1, 1), date(2100, 1, 1)))
    department_id = ma.fields.UUID(load_default=None)


class DepartmentFiguresSchema(ma.Schema):
    """One department's figures."""

    department_id = ma.fields.UUID(dump_only=True, allow_none=True)
    department_code = ma.fields.String(dump_only=True)
    department_name = ma.fields.String(dump_only=True)
    received = ma.fields.Integer(dump_only=True)
    replied = ma.fields.Integer(dump_only=True)
    replied_on_time = ma.fields.Integer(dump_only=True)
    on_time_rate = ma.fields.Float(dump_only=True, allow_none=True)
    resolved = ma.fields.Integer(dump_only=True)
    resolution_rate = ma.fields.Float(dump_only=True, allow_none=True)
    rated = ma.fields.Integer(dump_only=True)
    satisfied = ma.fields.Integer(dump_only=True)
    satisfaction_rate = ma.fields.Float(dump_only=True, allow_none=True)
    overdue_open = ma.fields.Integer(dump_only=True)


class OverdueSchema(ma.Schema):
    """An overdue complaint in the oversight list."""

    id = ma.fields.UUID(dump_only=True)
    tracking_number = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    lead_department_id = ma.fields.UUID(dump_only=True, allow_none=True)
    dispatch_due = ma.fields.DateTime(dump_only=True)
    feedback_due = ma.fields.DateTime(dump_only=True, allow_none=True)


class MetricsSchema(ma.Schema):
    """Figures of a period."""

    start = ma.fields.Date(dump_only=True)
    end = ma.fields.Date(dump_only=True)
    departments = ma.fields.List(ma.fields.Nested(DepartmentFiguresSchema), dump_only=True)
    by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True)
    by_district = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True)
    overdue = ma.fields.List(ma.fields.Nested(OverdueSchema), dump_only=True)


# --- the routing rules' dry run ---------------------------------------------------------------------


class RoutingDraftRuleSchema(RoutingRuleSchema):
    """A rule as it would be: a new one, or with ``id`` the changed version of that rule."""

    id = ma.fields.UUID(load_default=None, metadata={"description": "The rule this draft replaces"})


class RoutingDryRunRequestSchema(StrictSchema):
    """The changes to try, and the period to replay (default: last calendar month, Asia/Shanghai)."""

    rules = ma.fields.List(ma.fields.Nested(RoutingDraftRuleSchema), load_default=list)
    switched_off = ma.fields.List(
        ma.fields.UUID(), load_default=list, metadata={"description": "Rules the change switches off"}
    )
    start = ma.fields.Date(load_default=None, validate=Range(date(2000, 1, 1), date(2100, 1, 1)))
    end = ma.fields.Date(load_default=None, validate=Range(date(2000, 1, 1), date(2100, 1, 1)))
    sample = ma.fields.Integer(load_default=20, validate=Range(0, 50))

    @ma.validates_schema
    def _whole_period(self, data, **kwargs):
        if (data.get("start") is None) != (data.get("end") is None):
            raise ma.ValidationError(gettext("Give both the start and the end, or neither."), "end")


class RoutingMoveSchema(ma.Schema):
    """How many complaints would leave one department (or the dispatchers' queue) for another."""

    from_code = ma.fields.String(dump_only=True)
    from_name = ma.fields.String(dump_only=True)
    to_code = ma.fields.String(dump_only=True)
    to_name = ma.fields.String(dump_only=True)
    count = ma.fields.Integer(dump_only=True)


class RoutingDryRunSampleSchema(ma.Schema):
    """A complaint that would be routed differently."""

    complaint_id = ma.fields.UUID(dump_only=True)
    tracking_number = ma.fields.String(dump_only=True)
    received_at = ma.fields.DateTime(dump_only=True)
    category_code = ma.fields.String(dump_only=True)
    current_code = ma.fields.String(dump_only=True)
    current_rule = ma.fields.Integer(dump_only=True, allow_none=True)
    proposed_code = ma.fields.String(dump_only=True)
    proposed_rule = ma.fields.Integer(dump_only=True, allow_none=True)
    proposed_reasons = ma.fields.List(ma.fields.List(ma.fields.String()), dump_only=True)


class RoutingDryRunSchema(ma.Schema):
    """What the changed rules would have done to the period's complaints."""

    start = ma.fields.Date(dump_only=True)
    end = ma.fields.Date(dump_only=True)
    replayed = ma.fields.Integer(dump_only=True, metadata={"description": "Complaints of the period"})
    routed_again = ma.fields.Integer(
        dump_only=True, metadata={"description": "Those of categories a changed rule names, routed by both"}
    )
    changed = ma.fields.Integer(dump_only=True, metadata={"description": "Would go to another department"})
    other_rule = ma.fields.Integer(
        dump_only=True, metadata={"description": "Would go to the same department by another rule"}
    )
    unchanged = ma.fields.Integer(dump_only=True)
    moves = ma.fields.List(ma.fields.Nested(RoutingMoveSchema), dump_only=True)
    sample = ma.fields.List(ma.fields.Nested(RoutingDryRunSampleSchema), dump_only=True)


# --- the figures as series --------------------------------------------------------------------------


class MetricsSeriesQuerySchema(MetricsQuerySchema):
    """The period, how to group it (department, top-level category or ISO week), one department."""

    group_by = ma.fields.String(
        load_default="department", validate=ma.validate.OneOf(("department", "category", "week"))
    )


class MetricsPointSchema(ma.Schema):
    """One group's figures: a department, a top-level category or an ISO week."""

    key = ma.fields.String(dump_only=True)
    label = ma.fields.String(dump_only=True)
    start = ma.fields.Date(dump_only=True, allow_none=True)
    end = ma.fields.Date(dump_only=True, allow_none=True)
    received = ma.fields.Integer(dump_only=True)
    replied = ma.fields.Integer(dump_only=True)
    replied_on_time = ma.fields.Integer(dump_only=True)
    on_time_rate = ma.fields.Float(dump_only=True, allow_none=True)
    resolved = ma.fields.Integer(dump_only=True)
    resolution_rate = ma.fields.Float(dump_only=True, allow_none=True)
    rated = ma.fields.Integer(dump_only=True)
    satisfied = ma.fields.Integer(dump_only=True)
    satisfaction_rate = ma.fields.Float(dump_only=True, allow_none=True)
    overdue_open = ma.fields.Integer(dump_only=True)


class MetricsSeriesSchema(ma.Schema):
    """A period's figures grouped one way, in chart order."""

    start = ma.fields.Date(dump_only=True)
    end = ma.fields.Date(dump_only=True)
    group_by = ma.fields.String(dump_only=True)
    points = ma.fields.List(ma.fields.Nested(MetricsPointSchema), dump_only=True)
