"""Open311 GeoReport v2: discovery, services, and service requests, in JSON and XML.

Errors on these paths use GeoReport's own format (``[{"code": 400, "description": ...}]``)
because that is what existing Open311 clients parse. Requests reported through other channels
are listed without their description (which may hold personal details) and with the street
rather than the exact address; nothing about the reporter is ever shown.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET  # noqa: N817 - building XML, never parsing untrusted XML
from datetime import UTC, datetime, timedelta

import marshmallow as ma
from flask import Response, json, request, url_for
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from app.city import services as city
from app.complaints import services
from app.complaints.models import Category, Complaint
from app.core.api import ApiBlueprint, accepts, credential_failure_limit
from app.core.errors import AppError, ValidationFailed, from_http_exception
from app.core.geo import Point
from app.core.models import utcnow
from app.core.pii import InvalidPII, normalize_phone
from app.core.validation import Range
from app.extensions import db, limiter
from app.identity import services as identity

blp = ApiBlueprint(
    "open311", __name__, description="Open311 GeoReport v2 (JSON and XML); errors in GeoReport format"
)

FORMATS = ("json", "xml")
CLOSED_STATES = ("resolved", "closed", "merged", "split")
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


GEOREPORT_ERRORS = {
    "description": "GeoReport v2 errors, in the requested format",
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                    "required": ["code", "description"],
                },
            }
        },
        "text/xml": {"schema": {"type": "string"}},
    },
}
georeport_errors = blp.doc(responses={"default": GEOREPORT_ERRORS})


class Open311Error(Exception):
    """An error rendered in GeoReport format."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _render(payload, root: str, item: str, fmt: str, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(_to_xml(payload, root, item), status=status, mimetype="text/xml")
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")


def _to_xml(payload, root: str, item: str) -> bytes:
    top = ET.Element(root)
    for entry in payload if isinstance(payload, list) else [payload]:
        node = ET.SubElement(top, item) if isinstance(payload, list) else top
        for key, value in entry.items():
            _xml_field(node, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _xml_field(parent: ET.Element, key: str, value) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, list):
        for element in value:
            if isinstance(element, dict):
                inner = ET.SubElement(child, key.rstrip("s") or key)
                for k, v in element.items():
                    _xml_field(inner, k, v)
            else:
                ET.SubElement(child, "format" if key == "formats" else "item").text = str(element)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


@blp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    fmt = (request.view_args or {}).get("fmt", "json")
    body = [{"code": error.code, "description": error.description}]
    return _render(body, "errors", "error", fmt if fmt in FORMATS else "json", status=error.code)


@blp.errorhandler(AppError)
def _app_error(error: AppError):
    return _open311_error(Open311Error(400 if error.status == 422 else error.status, _describe(error)))


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    converted = from_http_exception(error)
    status = 400 if converted.status == 422 else converted.status
    return _open311_error(Open311Error(status, _describe(converted)))


# Our field names, as GeoReport clients know them.
GEOREPORT_FIELDS = {"category": "service_code", "address": "address_string", "location": "lat"}


def _describe(error: AppError) -> str:
    """Plain text for a GeoReport ``description``: the detail, then each field and what was wrong."""
    detail = str(error.detail or error.default_detail)
    fields = error.extra.get("errors")
    if not fields:
        return detail
    return f"{detail} " + "; ".join(f"{name}: {text}" for name, text in _field_messages(fields))


def _field_messages(errors, prefix: str = ""):
    """(field, message) pairs from a nested ``{field: [messages] | {...}}`` mapping."""
    for name, value in errors.items():
        field = GEOREPORT_FIELDS.get(str(name), str(name))
        if field in ("form", "query", "json") and isinstance(value, dict):  # the location webargs reports
            yield from _field_messages(value, prefix)
        elif isinstance(value, dict):
            yield from _field_messages(value, f"{prefix}{field}.")
        else:
            messages = value if isinstance(value, list) else [value]
            yield f"{prefix}{field}", " ".join(str(m) for m in messages)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(404, gettext("Unknown format; use .json or .xml."))
    return fmt


@blp.route("/discovery.<fmt>")
@georeport_errors
@blp.response(200)
def discovery(fmt: str):
    """Where this GeoReport v2 endpoint lives and which formats it speaks."""
    endpoint = url_for("open311.service_list", fmt="json", _external=True).rsplit("/", 1)[0] + "/"
    body = {
        "changeset": "2026-11-21T00:00:00Z",
        "contact": "12345",
        "key_service": "api_key issued by the city (flask clients create --kind open311)",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": endpoint,
                "changeset": "2026-11-21T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _render(body, "discovery", "discovery", _format(fmt))


def _service(category: Category, groups: dict[str, str]) -> dict:
    return {
        "service_code": category.code,
        "service_name": services.category_name(category),
        "description": services.category_name(category),
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": groups.get(category.parent_code or "", ""),
    }


def _leaves() -> tuple[list[Category], dict[str, str]]:
    categories = services.list_categories()
    parents = {c.parent_code for c in categories if c.parent_code}
    groups = {c.code: services.category_name(c) for c in categories}
    return [c for c in categories if c.code not in parents], groups


@blp.route("/services.<fmt>")
@georeport_errors
@blp.response(200)
def service_list(fmt: str):
    """The request types (our leaf 12345 categories)."""
    leaves, groups = _leaves()
    return _render([_service(c, groups) for c in leaves], "services", "service", _format(fmt))


@blp.route("/services/<service_code>.<fmt>")
@georeport_errors
@blp.response(200)
def service_definition(service_code: str, fmt: str):
    """A request type's definition (none of ours needs extra attributes)."""
    fmt = _format(fmt)
    leaves, _ = _leaves()
    if service_code not in {c.code for c in leaves}:
        raise Open311Error(404, gettext("Unknown service_code."))
    return _render({"service_code": service_code, "attributes": []}, "service_definition", "", fmt)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _request(complaint: Complaint, names: dict) -> dict:
    public = complaint.channel == "open311"
    street = city.street_name(complaint.street_id) if complaint.street_id else None
    closed = complaint.status in CLOSED_STATES
    department = city.get_department(complaint.lead_department_id) if complaint.lead_department_id else None
    return {
        "service_request_id": str(complaint.id),
        "status": "closed" if closed else "open",
        "status_notes": complaint.reply if closed and public else None,
        "service_name": names.get(complaint.category_id),
        "service_code": complaint.category.code,
        "description": complaint.description if public else None,
        "agency_responsible": department.name if department else None,
        "service_notice": complaint.tracking_number,
        "requested_datetime": _iso(complaint.created_at),
        "updated_datetime": _iso(complaint.resolved_at or complaint.dispatched_at or complaint.created_at),
        "expected_datetime": _iso(complaint.feedback_due or complaint.dispatch_due),
        "address": complaint.address if public else street,
        "address_id": None,
        "zipcode": None,
        "lat": complaint.lat if public else None,
        "long": complaint.lng if public else None,
        "media_url": None,
    }


class RequestQuerySchema(ma.Schema):
    """GeoReport v2 filters."""

    service_request_id = ma.fields.String(load_default=None)
    service_code = ma.fields.String(load_default=None)
    start_date = ma.fields.AwareDateTime(load_default=None)
    end_date = ma.fields.AwareDateTime(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["open", "closed"]))


@blp.route("/requests.<fmt>")
@georeport_errors
@blp.arguments(RequestQuerySchema, location="query")
@blp.response(200)
def request_list(args, fmt: str):
    """Service requests, newest first: by ids, or by code, status and date (90 days by default)."""
    fmt = _format(fmt)
    stmt = db.select(Complaint).where(Complaint.merged_into_id.is_(None))
    if args["service_request_id"]:
        stmt = stmt.where(Complaint.id.in_(_ids(args["service_request_id"])))
    else:
        end = args["end_date"] or utcnow()
        start = args["start_date"] or end - DEFAULT_WINDOW
        stmt = stmt.where(Complaint.created_at >= start, Complaint.created_at <= end)
    if args["service_code"]:
        stmt = stmt.join(Category).where(Category.code == args["service_code"])
    if args["status"] == "closed":
        stmt = stmt.where(Complaint.status.in_(CLOSED_STATES))
    elif args["status"] == "open":
        stmt = stmt.where(Complaint.status.not_in(CLOSED_STATES))
    complaints = db.session.scalars(stmt.order_by(Complaint.id.desc()).limit(MAX_RESULTS))
    names = {c.id: services.category_name(c) for c in services.list_categories()}
    return _render([_request(c, names) for c in complaints], "service_requests", "request", fmt)


def _ids(text: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        raise Open311Error(
            400, gettext("service_request_id must be a comma-separated list of ids.")
        ) from None


@blp.route("/requests/<service_request_id>.<fmt>")
@georeport_errors
@blp.response(200)
def request_detail(service_request_id: str, fmt: str):
    """One service request."""
    fmt = _format(fmt)
    try:
        complaint = db.session.get(Complaint, uuid.UUID(service_request_id))
    except ValueError:  # not one of our ids: as unknown as any other
        complaint = None
    if complaint is None:
        raise Open311Error(404, gettext("Unknown service_request_id."))
    names = {c.id: services.category_name(c) for c in services.list_categories()}
    return _render([_request(complaint, names)], "service_requests", "request", fmt)


class RequestCreateSchema(ma.Schema):
    """GeoReport v2 POST fields (form-encoded). Coordinates are WGS84."""

    class Meta:
        unknown = ma.EXCLUDE  # GeoReport clients send attribute[...] and other optional fields

    api_key = ma.fields.String(required=True)
    service_code = ma.fields.String(required=True)
    lat = ma.fields.Float(load_default=None, validate=Range(-90, 90))
    long = ma.fields.Float(load_default=None, validate=Range(-180, 180))
    address_string = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=2000))
    phone = ma.fields.String(load_default=None)
    first_name = ma.fields.String(load_default=None)
    last_name = ma.fields.String(load_default=None)
    email = ma.fields.String(load_default=None)
    device_id = ma.fields.String(load_default=None)
    account_id = ma.fields.String(load_default=None)
    media_url = ma.fields.String(load_default=None)


@blp.route("/requests.<fmt>", methods=["POST"])
@georeport_errors
@limiter.limit(
    credential_failure_limit, scope="client-credentials", deduct_when=lambda r: r.status_code == 403
)
@accepts("application/x-www-form-urlencoded", "multipart/form-data")
@blp.arguments(RequestCreateSchema, location="form")
@blp.response(201)
def create_request(args, fmt: str):
    """File a service request with the client's api_key; it enters the 12345 flow like any other."""
    fmt = _format(fmt)
    actor = identity.client_actor_for_api_key(args["api_key"])
    if actor is None:
        raise Open311Error(403, gettext("Invalid api_key."))
    if args["lat"] is None and args["long"] is None and not args["address_string"]:
        raise Open311Error(400, gettext("Give lat and long, or address_string."))
    if (args["lat"] is None) != (args["long"] is None):
        raise Open311Error(400, gettext("Give both lat and long."))
    point = Point(args["lat"], args["long"]) if args["lat"] is not None else None
    phone = _phone(args["phone"])
    intake = services.Intake(
        category_code=args["service_code"],
        description=args["description"],
        address=args["address_string"],
        point=point,
        contact_allowed=phone is not None,
    )
    try:
        complaint = services.submit_open311(actor, intake, reporter_phone=phone)
    except ValidationFailed as error:
        if "category" in error.extra.get("errors", {}):  # a parent or unknown code is no service of ours
            raise Open311Error(
                400,
                gettext(
                    "Unknown service_code: %(code)s (services.json lists them).", code=intake.category_code
                ),
            ) from None
        raise
    body = [
        {
            "service_request_id": str(complaint.id),
            "service_notice": complaint.tracking_number,
            "account_id": None,
        }
    ]
    return _render(body, "service_requests", "request", fmt, status=201)


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalize_phone(value)
    except InvalidPII:
        raise Open311Error(400, gettext("Not a valid phone number.")) from None
