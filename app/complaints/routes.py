"""The 12345 hotline over HTTP: residents report and rate; staff dispatch, handle and oversee."""

from __future__ import annotations

import uuid

from flask import Response

from app.complaints import metrics, services
from app.complaints.schemas import (
    CallRecordSchema,
    CategorySchema,
    ComplaintCreateSchema,
    ComplaintQuerySchema,
    ComplaintSchema,
    DispatchSchema,
    ExtensionDecisionSchema,
    ExtensionRequestSchema,
    ExtensionSchema,
    MergeSchema,
    MetricsQuerySchema,
    MetricsSchema,
    MetricsSeriesQuerySchema,
    MetricsSeriesSchema,
    PhotoSchema,
    PhotoUploadSchema,
    RatingSchema,
    ResolveSchema,
    RoutingDryRunRequestSchema,
    RoutingDryRunSchema,
    RoutingRuleSchema,
    SendBackSchema,
    SplitSchema,
    StaffComplaintDetailSchema,
    StaffComplaintSchema,
    StaffQuerySchema,
    VersionedSchema,
)
from app.core.actors import Role
from app.core.api import ApiBlueprint, accepts, current_actor
from app.core.pagination import PageArgsSchema, page_schema
from app.core.replicas import replica_ok

blp = ApiBlueprint("complaints", __name__, description="12345 requests: report, follow and rate")
staff = ApiBlueprint("staff_complaints", __name__, description="12345 work: dispatch, handle, oversee")

STAFF = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.DEPARTMENT_HANDLER, Role.SUPERVISOR, Role.ADMIN)


def _intake(data: dict) -> services.Intake:
    return services.Intake(
        category_code=data["category"],
        description=data["description"],
        address=data["address"],
        point=data["location"],
        contact_allowed=data["contact_allowed"],
        identity_visible=data["identity_visible"],
        urgent=data["urgent"],
    )


@blp.route("/complaints/categories")
@blp.response(200, CategorySchema(many=True))
def list_categories():
    """The 12345 category tree, localized."""
    return services.list_categories()


@blp.route("/complaints", methods=["POST"])
@blp.auth()
@blp.arguments(ComplaintCreateSchema)
@blp.response(201, ComplaintSchema)
def submit(data):
    """Report something to 12345; it is routed to a department at once when a rule matches."""
    return services.view(services.submit_complaint(current_actor(), _intake(data)))


@blp.route("/complaints")
@blp.auth()
@blp.arguments(ComplaintQuerySchema, location="query")
@blp.response(200, page_schema(ComplaintSchema))
def my_complaints(args):
    """My complaints and those I follow, newest first."""
    return services.my_complaints(current_actor(), **args)


@blp.route("/complaints/<uuid:complaint_id>")
@blp.auth()
@blp.response(200, ComplaintSchema)
def get_complaint(complaint_id: uuid.UUID):
    """One of my complaints with its public timeline and deadline clock."""
    return services.view(services.resident_complaint(current_actor(), complaint_id))


@blp.route("/complaints/<uuid:complaint_id>/rating", methods=["POST"])
@blp.auth()
@blp.arguments(RatingSchema)
@blp.response(200, ComplaintSchema)
def rate(data, complaint_id: uuid.UUID):
    """Rate the reply: 3-5 closes the complaint, 1-2 reopens it for rework."""
    return services.view(services.rate(current_actor(), complaint_id, data["rating"], data["comment"]))


@blp.route("/complaints/<uuid:complaint_id>/photos", methods=["POST"])
@blp.auth()
@accepts("multipart/form-data")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema)
def add_photo(files, complaint_id: uuid.UUID):
    """Attach a photo (JPEG, PNG or WebP, at most 5 MB, 6 per complaint)."""
    return services.add_photo(current_actor(), complaint_id, files["photo"].read())


@blp.route("/complaints/<uuid:complaint_id>/photos/<uuid:photo_id>")
@blp.auth()
@blp.response(200, content_type="image/*")
def get_photo(complaint_id: uuid.UUID, photo_id: uuid.UUID):
    """One photo of my complaint."""
    content, content_type = services.resident_photo(current_actor(), complaint_id, photo_id)
    return Response(content, mimetype=content_type)


# --- staff --------------------------------------------------------------------------------


@staff.route("/staff/complaints", methods=["POST"])
@staff.auth(roles=(Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR))
@staff.arguments(CallRecordSchema)
@staff.response(201, StaffComplaintSchema)
def record_call(data):
    """Record a call on the caller's behalf, linked to their account when one exists."""
    return services.view(services.record_call(current_actor(), data.pop("caller_phone"), _intake(data)))


@staff.route("/staff/complaints")
@staff.auth(roles=STAFF)
@staff.arguments(StaffQuerySchema, location="query")
@staff.response(200, page_schema(StaffComplaintSchema))
def work_list(args):
    """Work lists: the dispatcher queue (status=submitted), a department's work, overdue items."""
    return services.staff_queue(current_actor(), **args)


@staff.route("/staff/complaints/<uuid:complaint_id>")
@staff.auth(roles=STAFF)
@staff.response(200, StaffComplaintDetailSchema)
def staff_view(complaint_id: uuid.UUID):
    """One complaint in full; the reporter only where the viewer may see them (audited)."""
    return services.staff_detail(current_actor(), complaint_id)


DISPATCHERS = (Role.DISPATCHER, Role.SUPERVISOR)
HANDLERS = (Role.DEPARTMENT_HANDLER,)


@staff.route("/staff/complaints/<uuid:complaint_id>/dispatch", methods=["POST"])
@staff.auth(roles=DISPATCHERS)
@staff.arguments(DispatchSchema)
@staff.response(200, StaffComplaintSchema)
def dispatch(data, complaint_id: uuid.UUID):
    """Dispatch or reassign to a lead department, with assisting departments."""
    actor, version = current_actor(), data["version"]
    complaint = services.dispatch(
        actor, complaint_id, version, data["department_code"], data["assisting_codes"], data["note"]
    )
    return services.view(complaint)


@staff.route("/staff/complaints/<uuid:complaint_id>/dispatch-to-district", methods=["POST"])
@staff.auth(roles=DISPATCHERS)
@staff.arguments(VersionedSchema)
@staff.response(200, StaffComplaintSchema)
def dispatch_to_district(data, complaint_id: uuid.UUID):
    """Ownership unclear: hand it to the district's default department."""
    return services.view(
        services.dispatch_to_district(current_actor(), complaint_id, data["version"], data["note"])
    )


@staff.route("/staff/complaints/<uuid:complaint_id>/send-back", methods=["POST"])
@staff.auth(roles=HANDLERS)
@staff.arguments(SendBackSchema)
@staff.response(200, StaffComplaintSchema)
def send_back(data, complaint_id: uuid.UUID):
    """Return a complaint that is not the department's (退单), with a reason."""
    return services.view(services.send_back(current_actor(), complaint_id, data["version"], data["reason"]))


@staff.route("/staff/complaints/<uuid:complaint_id>/accept", methods=["POST"])
@staff.auth(roles=HANDLERS)
@staff.arguments(VersionedSchema)
@staff.response(200, StaffComplaintSchema)
def accept(data, complaint_id: uuid.UUID):
    """The lead department takes the complaint on."""
    return services.view(services.accept(current_actor(), complaint_id, data["version"]))


@staff.route("/staff/complaints/<uuid:complaint_id>/start", methods=["POST"])
@staff.auth(roles=HANDLERS)
@staff.arguments(VersionedSchema)
@staff.response(200, StaffComplaintSchema)
def start(data, complaint_id: uuid.UUID):
    """Work has started."""
    return services.view(services.start_work(current_actor(), complaint_id, data["version"], data["note"]))


@staff.route("/staff/complaints/<uuid:complaint_id>/resolve", methods=["POST"])
@staff.auth(roles=HANDLERS)
@staff.arguments(ResolveSchema)
@staff.response(200, StaffComplaintSchema)
def resolve(data, complaint_id: uuid.UUID):
    """Answer the resident in writing; they are asked to rate it."""
    return services.view(services.resolve(current_actor(), complaint_id, data["version"], data["reply"]))


@staff.route("/staff/complaints/<uuid:complaint_id>/merge", methods=["POST"])
@staff.auth(roles=DISPATCHERS)
@staff.arguments(MergeSchema)
@staff.response(200, StaffComplaintSchema)
def merge(data, complaint_id: uuid.UUID):
    """Merge this duplicate into another complaint; its reporters follow that one."""
    return services.view(services.merge(current_actor(), complaint_id, data["version"], data["into_id"]))


@staff.route("/staff/complaints/<uuid:complaint_id>/split", methods=["POST"])
@staff.auth(roles=(Role.DISPATCHER, Role.SUPERVISOR))
@staff.arguments(SplitSchema)
@staff.response(201, StaffComplaintSchema(many=True))
def split(data, complaint_id: uuid.UUID):
    """Split a complaint that asks several things; each part is dispatched on its own."""
    return services.views(services.split(current_actor(), complaint_id, data["version"], data["parts"]))


@staff.route("/staff/complaints/<uuid:complaint_id>/extensions", methods=["POST"])
@staff.auth(roles=(Role.DEPARTMENT_HANDLER,))
@staff.arguments(ExtensionRequestSchema)
@staff.response(201, ExtensionSchema)
def request_extension(data, complaint_id: uuid.UUID):
    """Ask a supervisor for a later feedback deadline."""
    extension = services.request_extension(
        current_actor(), complaint_id, data["requested_due"], data["reason"]
    )
    return extension


@staff.route("/staff/complaints/extensions")
@staff.auth(roles=(Role.SUPERVISOR,))
@staff.arguments(PageArgsSchema, location="query")
@staff.response(200, page_schema(ExtensionSchema))
def pending_extensions(page):
    """Extension requests waiting for a decision, oldest first."""
    return services.pending_extensions(current_actor(), **page)


@staff.route("/staff/complaints/extensions/<uuid:extension_id>/decision", methods=["POST"])
@staff.auth(roles=(Role.SUPERVISOR,))
@staff.arguments(ExtensionDecisionSchema)
@staff.response(200, ExtensionSchema)
def decide_extension(data, extension_id: uuid.UUID):
    """Approve (the deadline moves) or refuse an extension."""
    extension = services.decide_extension(current_actor(), extension_id, data["approve"], data["note"])
    return extension


@staff.route("/staff/routing-rules")
@staff.auth(roles=(Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN))
@staff.arguments(PageArgsSchema, location="query")
@staff.response(200, page_schema(RoutingRuleSchema))
def list_rules(page):
    """The routing rules, oldest first."""
    return services.list_rules(current_actor(), **page)


@staff.route("/staff/routing-rules", methods=["POST"])
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN))
@staff.arguments(RoutingRuleSchema)
@staff.response(201, RoutingRuleSchema)
def create_rule(data):
    """Add a routing rule; it applies to the next complaint, no restart needed."""
    rule = services.save_rule(current_actor(), data)
    return rule


@staff.route("/staff/routing-rules/dry-run", methods=["POST"])
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN))
@staff.arguments(RoutingDryRunRequestSchema)
@staff.response(200, RoutingDryRunSchema)
def dry_run_rules(data):
    """Replay a period's complaints (default: last month) through changed rules; nothing is written."""
    rules, switched_off = data.pop("rules"), data.pop("switched_off")
    return services.dry_run(current_actor(), rules, switched_off, **data)


@staff.route("/staff/routing-rules/<uuid:rule_id>", methods=["PUT"])
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN))
@staff.arguments(RoutingRuleSchema)
@staff.response(200, RoutingRuleSchema)
def update_rule(data, rule_id: uuid.UUID):
    """Change a routing rule."""
    rule = services.save_rule(current_actor(), data, rule_id)
    return rule


@staff.route("/staff/routing-rules/<uuid:rule_id>", methods=["DELETE"])
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN))
@staff.response(204)
def deactivate_rule(rule_id: uuid.UUID):
    """Switch a routing rule off."""
    services.deactivate_rule(current_actor(), rule_id)


@staff.route("/staff/complaints/metrics")
@replica_ok
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER))
@staff.arguments(MetricsQuerySchema, location="query")
@staff.response(200, MetricsSchema)
def complaint_metrics(args):
    """On-time, resolution and satisfaction rates per department; volumes; the overdue list."""
    return metrics.compute(current_actor(), args["start"], args["end"], args["department_id"])


@staff.route("/staff/complaints/metrics.csv")
@replica_ok
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER))
@staff.arguments(MetricsQuerySchema, location="query")
@staff.response(200, content_type="text/csv")
def complaint_metrics_csv(args):
    """The per-department figures as CSV (UTF-8 with BOM)."""
    figures = metrics.compute(current_actor(), args["start"], args["end"], args["department_id"])
    filename = f"12345-metrics-{args['start'].isoformat()}-{args['end'].isoformat()}.csv"
    return Response(
        metrics.to_csv(figures),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@staff.route("/staff/complaints/metrics/series")
@replica_ok
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER))
@staff.arguments(MetricsSeriesQuerySchema, location="query")
@staff.response(200, MetricsSeriesSchema)
def complaint_metrics_series(args):
    """The three rates grouped by department, top-level category or ISO week (Asia/Shanghai), for charts."""
    return _series(args)


@staff.route("/staff/complaints/metrics/series.csv")
@replica_ok
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER))
@staff.arguments(MetricsSeriesQuerySchema, location="query")
@staff.response(200, content_type="text/csv")
def complaint_metrics_series_csv(args):
    """The series as CSV (UTF-8 with BOM), one row per group."""
    figures = _series(args)
    filename = f"12345-{args['group_by']}-{args['start'].isoformat()}-{args['end'].isoformat()}.csv"
    return Response(
        metrics.series_csv(figures),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _series(args: dict) -> metrics.Series:
    start, end = args["start"], args["end"]
    return metrics.series(current_actor(), start, end, args["group_by"], args["department_id"])
