"""Social insurance and the housing fund over HTTP: residents, proxies, institutions, staff, the public."""

from __future__ import annotations

from flask import Response, url_for

from app.core.actors import ActorKind
from app.core.api import ApiBlueprint, current_actor
from app.core.pagination import PageArgsSchema, page_schema
from app.core.replicas import replica_ok
from app.extensions import limiter
from app.social_security import policies, services
from app.social_security.schemas import (
    CertificateRequestSchema,
    CertificateSchema,
    CertificateVerifyQuerySchema,
    CertificateViewSchema,
    HistoryQuerySchema,
    InstitutionRecordSchema,
    InsuredSchema,
    RecordDetailSchema,
    RecordPushResultSchema,
    RecordPushSchema,
    RecordSchema,
    RefreshSchema,
    StaffSummaryQuerySchema,
    StatementSchema,
    SummarySchema,
    VerificationSchema,
    load_push_items,
)

blp = ApiBlueprint(
    "social_security",
    __name__,
    description="Social insurance and housing fund (社保公积金): records, statements, certificates",
)
institution_blp = ApiBlueprint(
    "social_security_institution",
    __name__,
    description="The social-security bureau and the housing-fund centre: push records, read them back",
)
staff_blp = ApiBlueprint("staff_social_security", __name__, description="Staff helping residents with 社保")

INSTITUTION = {"kinds": (ActorKind.CLIENT,)}
PDF_DOC = {
    "responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
}


# --- residents --------------------------------------------------------------------------------------


@blp.route("/social-security/summary")
@blp.auth()
@blp.response(200, SummarySchema)
def summary():
    """My status in each scheme, months paid, the latest contribution and employer; account balances; loans.

    Records are found by national ID: before real-name verification the answer is 409 ``real-name-required``;
    with no records held yet, 404 ``no-records``.
    """
    return services.my_summary(current_actor())


@blp.route("/social-security/records")
@replica_ok
@blp.auth()
@blp.arguments(HistoryQuerySchema, location="query")
@blp.response(200, page_schema(RecordSchema))
def history(args):
    """My records, newest first by when they happened; by year, scheme and kind (current versions)."""
    return services.history(current_actor(), **args)


@blp.route("/social-security/records/<uuid:record_id>")
@blp.auth()
@blp.response(200, RecordDetailSchema)
def get_record(record_id):
    """One of my records, with every version the institution sent (corrections kept)."""
    return services.get_record(current_actor(), record_id)


@blp.route("/social-security/statements/<int:year>")
@replica_ok
@blp.auth()
@blp.response(200, StatementSchema)
def statement(year):
    """My statement of one year: each scheme's months and totals, each account's ins, outs and balances."""
    return services.statement(current_actor(), year)


@blp.route("/social-security/refresh", methods=["POST"])
@limiter.limit("5 per minute")
@blp.auth()
@blp.response(200, RefreshSchema(many=True))
def refresh():
    """Ask the bureau and the fund centre for my latest records now."""
    result = services.refresh(current_actor())
    return result


@blp.route("/social-security/certificates", methods=["POST"])
@blp.auth()
@blp.arguments(CertificateRequestSchema)
@blp.response(201, CertificateSchema)
def issue_certificate(body):
    """Issue a certificate of my contributions (参保证明) or housing-fund deposits, over the last N months."""
    certificate = services.issue(current_actor(), body["kind"], body["months"])
    return certificate


@blp.route("/social-security/certificates")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(CertificateSchema))
def list_certificates(args):
    """The certificates issued to me, newest first."""
    return services.list_certificates(current_actor(), **args)


@blp.route("/social-security/certificates/<uuid:certificate_id>")
@blp.auth()
@blp.response(200, CertificateViewSchema)
def get_certificate(certificate_id):
    """One of my certificates, valid or expired."""
    return services.get_certificate(current_actor(), certificate_id)


@blp.route("/social-security/certificates/<uuid:certificate_id>/pdf")
@blp.auth()
@blp.response(200, content_type="application/pdf")
def certificate_pdf(certificate_id):
    """The certificate as PDF in my language, with its QR verification code."""
    name, body = services.certificate_pdf(
        current_actor(),
        certificate_id,
        lambda code: url_for("social_security.verify_certificate", code=code, _external=True),
    )
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return Response(body, mimetype="application/pdf", headers=headers)


@blp.route("/social-security/certificates/verify")
@limiter.limit("30 per minute")
@blp.arguments(CertificateVerifyQuerySchema, location="query")
@blp.response(200, VerificationSchema)
def verify_certificate(args):
    """Check a certificate by its code (anyone): the masked name and ID and what it states."""
    return services.verify(args["code"])


# --- institutions -----------------------------------------------------------------------------------


@institution_blp.route("/social-security/institution/records", methods=["POST"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(RecordPushSchema)
@institution_blp.response(200, RecordPushResultSchema)
def push_records(body):
    """Push up to 1,000 records (scope social_security:write or housing_fund:write); each accepted or refused.

    The record id is the key: the same record again is ``unchanged``; other content with an ``as_of`` no
    older than the one held is ``corrected`` (a new version; the old one is kept); an older one is
    refused as ``stale``.
    """
    items, invalid = load_push_items(body["records"])
    outcome = services.ingest_records(current_actor(), items, invalid)
    return outcome


@institution_blp.route("/social-security/institution/records/<string:record_id>")
@institution_blp.auth(**INSTITUTION)
@institution_blp.response(200, InstitutionRecordSchema)
def institution_record(record_id):
    """One of my records by my own id, with every version (written to the person's access log)."""
    return services.institution_record(current_actor(), record_id)


@institution_blp.route("/social-security/institution/insured/<uuid:insured_ref>")
@institution_blp.auth(**INSTITUTION)
@institution_blp.response(200, InsuredSchema)
def insured(insured_ref):
    """Who a ``records.refresh_requested`` webhook is about (written to the person's access log)."""
    return services.insured_for_institution(current_actor(), insured_ref)


# --- staff ------------------------------------------------------------------------------------------


@staff_blp.route("/social-security/people/<uuid:person_id>/summary")
@staff_blp.auth(roles=policies.STAFF_READERS)
@staff_blp.arguments(StaffSummaryQuerySchema, location="query")
@staff_blp.response(200, SummarySchema)
def staff_summary(args, person_id):
    """A resident's summary, for staff helping them; the reason goes to the resident's access log."""
    return services.staff_summary(current_actor(), person_id, args["reason"])
