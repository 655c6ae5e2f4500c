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
    PhotoSchema,
    PhotoUploadSchema,
    RatingSchema,
    ResolveSchema,
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
from app.core.errors import NotFound
from app.core.pagination import PageArgsSchema, page_schema

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
    complaint = services.submit_complaint(current_actor(), _intake(data))
    return complaint


@blp.route("/complaints")
@blp.auth()
@blp.arguments(ComplaintQuerySchema, location="query")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ComplaintSchema))
def my_complaints(filters, page):
    """My complaints and those I follow, newest first."""
    return services.my_complaints(current_actor(), **page, **filters)


@blp.route("/complaints/<uuid:complaint_id>")
@blp.auth()
@blp.response(200, ComplaintSchema)
def get_complaint(complaint_id: uuid.UUID):
    """One of my complaints with its public timeline and deadline clock."""
    return services.resident_complaint(current_actor(), complaint_id)


@blp.route("/complaints/<uuid:complaint_id>/rating", methods=["POST"])
@blp.auth()
@blp.arguments(RatingSchema)
@blp.response(200, ComplaintSchema)
def rate(data, complaint_id: uuid.UUID):
    """Rate the reply: 3-5 closes the complaint, 1-2 reopens it for rework."""
    complaint = services.rate(current_actor(), complaint_id, data["rating"], data["comment"])
    return complaint


@blp.route("/complaints/<uuid:complaint_id>/photos", methods=["POST"])
@blp.auth()
@accepts("multipart/form-data")
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, PhotoSchema)
def add_photo(files, complaint_id: uuid.UUID):
    """Attach a photo (JPEG, PNG or WebP, at most 5 MB, 6 per complaint)."""
    photo = services.add_photo(current_actor(), complaint_id, files["photo"].read())
    return photo


@blp.route("/complaints/<uuid:complaint_id>/photos/<uuid:photo_id>")
@blp.auth()
@blp.response(200, content_type="image/*")
def get_photo(complaint_id: uuid.UUID, photo_id: uuid.UUID):
    """One photo of my complaint."""
    complaint = services.resident_complaint(current_actor(), complaint_id)
    return _photo_response(complaint, photo_id)


def _photo_response(complaint, photo_id: uuid.UUID) -> Response:
    photo = next((p for p in complaint.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound()
    return Response(services.photo_bytes(photo), mimetype=photo.content_type)


# --- staff --------------------------------------------------------------------------------


@staff.route("/staff/complaints", methods=["POST"])
@staff.auth(roles=(Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR))
@staff.arguments(CallRecordSchema)
@staff.response(201, StaffComplaintSchema)
def record_call(data):
    """Record a call on the caller's behalf, linked to their account when one exists."""
    complaint = services.record_call(current_actor(), data.pop("caller_phone"), _intake(data))
    return complaint


@staff.route("/staff/complaints")
@staff.auth(roles=STAFF)
@staff.arguments(StaffQuerySchema, location="query")
@staff.arguments(PageArgsSchema, location="query")
@staff.response(200, page_schema(StaffComplaintSchema))
def work_list(filters, page):
    """Work lists: the dispatcher queue (status=submitted), a department's work, overdue items."""
    return services.staff_queue(current_actor(), **page, **filters)


@staff.route("/staff/complaints/<uuid:complaint_id>")
@staff.auth(roles=STAFF)
@staff.response(200, StaffComplaintDetailSchema)
def staff_view(complaint_id: uuid.UUID):
    """One complaint in full; the reporter only where the viewer may see them (audited)."""
    actor = current_actor()
    complaint = services.staff_complaint(actor, complaint_id)
    complaint.reporter = services.reporter_contact(actor, complaint)
    return complaint


def _step(name: str, schema, call, roles=STAFF, doc: str = ""):
    """Register a staff step ``POST /staff/complaints/<id>/<name>`` calling ``call(actor, id, data)``."""

    def view(data, complaint_id: uuid.UUID):
        complaint = call(current_actor(), complaint_id, data)
        return complaint

    view.__name__ = "step_" + name.replace("-", "_")
    view.__doc__ = doc
    decorated = staff.response(200, StaffComplaintSchema)(view)
    decorated = staff.arguments(schema)(decorated)
    decorated = staff.auth(roles=roles)(decorated)
    staff.route(f"/staff/complaints/<uuid:complaint_id>/{name}", methods=["POST"])(decorated)


_step(
    "dispatch",
    DispatchSchema,
    lambda a, cid, d: services.dispatch(
        a, cid, d["version"], d["department_code"], d["assisting_codes"], d["note"]
    ),
    roles=(Role.DISPATCHER, Role.SUPERVISOR),
    doc="Dispatch or reassign to a lead department, with assisting departments.",
)
_step(
    "dispatch-to-district",
    VersionedSchema,
    lambda a, cid, d: services.dispatch_to_district(a, cid, d["version"], d["note"]),
    roles=(Role.DISPATCHER, Role.SUPERVISOR),
    doc="Ownership unclear: hand it to the district's default department.",
)
_step(
    "send-back",
    SendBackSchema,
    lambda a, cid, d: services.send_back(a, cid, d["version"], d["reason"]),
    roles=(Role.DEPARTMENT_HANDLER,),
    doc="Return a complaint that is not the department's (退单), with a reason.",
)
_step(
    "accept",
    VersionedSchema,
    lambda a, cid, d: services.accept(a, cid, d["version"]),
    roles=(Role.DEPARTMENT_HANDLER,),
    doc="The lead department takes the complaint on.",
)
_step(
    "start",
    VersionedSchema,
    lambda a, cid, d: services.start_work(a, cid, d["version"], d["note"]),
    roles=(Role.DEPARTMENT_HANDLER,),
    doc="Work has started.",
)
_step(
    "resolve",
    ResolveSchema,
    lambda a, cid, d: services.resolve(a, cid, d["version"], d["reply"]),
    roles=(Role.DEPARTMENT_HANDLER,),
    doc="Answer the resident in writing; they are asked to rate it.",
)
_step(
    "merge",
    MergeSchema,
    lambda a, cid, d: services.merge(a, cid, d["version"], d["into_id"]),
    roles=(Role.DISPATCHER, Role.SUPERVISOR),
    doc="Merge this duplicate into another complaint; its reporters follow that one.",
)


@staff.route("/staff/complaints/<uuid:complaint_id>/split", methods=["POST"])
@staff.auth(roles=(Role.DISPATCHER, Role.SUPERVISOR))
@staff.arguments(SplitSchema)
@staff.response(201, StaffComplaintSchema(many=True))
def split(data, complaint_id: uuid.UUID):
    """Split a complaint that asks several things; each part is dispatched on its own."""
    parts = services.split(current_actor(), complaint_id, data["version"], data["parts"])
    return parts


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
@staff.response(200, ExtensionSchema(many=True))
def pending_extensions():
    """Extension requests waiting for a decision."""
    return services.pending_extensions(current_actor())


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
@staff.response(200, RoutingRuleSchema(many=True))
def list_rules():
    """Every routing rule."""
    return services.list_rules(current_actor())


@staff.route("/staff/routing-rules", methods=["POST"])
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN))
@staff.arguments(RoutingRuleSchema)
@staff.response(201, RoutingRuleSchema)
def create_rule(data):
    """Add a routing rule; it applies to the next complaint, no restart needed."""
    rule = services.save_rule(current_actor(), data)
    return rule


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
@staff.auth(roles=(Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER, Role.DEPARTMENT_HANDLER))
@staff.arguments(MetricsQuerySchema, location="query")
@staff.response(200, MetricsSchema)
def complaint_metrics(args):
    """On-time, resolution and satisfaction rates per department; volumes; the overdue list."""
    return metrics.compute(current_actor(), args["start"], args["end"], args["department_id"])


@staff.route("/staff/complaints/metrics.csv")
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
