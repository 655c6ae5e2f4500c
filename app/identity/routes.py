"""The identity API: sign-in codes, the signed-in person, mandates, links, the city code, staff tools."""

import uuid

from flask import current_app, request

from app.core.actors import ActorKind, Role
from app.core.api import ApiBlueprint, current_actor
from app.core.i18n import select_locale
from app.core.pagination import PageArgsSchema, page_schema
from app.extensions import limiter
from app.identity import citycode, keys, otp, services
from app.identity.schemas import (
    AuditEntrySchema,
    CityCodeArgsSchema,
    CityCodeRevokedSchema,
    CityCodeSchema,
    JwksSchema,
    LinkCodeSchema,
    LinkSchema,
    MandateCreateSchema,
    MandateListArgsSchema,
    MandateSchema,
    MeSchema,
    OtpRequestSchema,
    OtpSentSchema,
    PreferencesSchema,
    RealNameSchema,
    RoleGrantRequestSchema,
    ScanSchema,
    StaffMandateCreateSchema,
    StaffRoleGrantSchema,
    VerifyRequestSchema,
    VerifyResultSchema,
)

blp = ApiBlueprint("identity", __name__, description="The signed-in person")
auth_blp = ApiBlueprint("sign-in", __name__, description="Sign-in codes by SMS")
citycode_blp = ApiBlueprint("citycode", __name__, description="City code verification for scanners")
staff_blp = ApiBlueprint("staff-identity", __name__, description="Roles and mandates, for staff")

PERSON_ONLY = (ActorKind.PERSON,)
NO_STORE = {"Cache-Control": "no-store"}


def _address_limit() -> str:
    return current_app.config["SIGN_IN_ADDRESS_RATE_LIMIT"]


# --- sign-in codes --------------------------------------------------------------------------------


@auth_blp.route("/auth/otp", methods=["POST"])
@limiter.limit(_address_limit)
@auth_blp.arguments(OtpRequestSchema)
@auth_blp.response(202, OtpSentSchema)
def send_sign_in_code(body):
    """Text a 6-digit sign-in code (valid 5 minutes) to a phone.

    Limits: for each client address and phone, one code a minute and five an hour, and five wrong
    codes; for a phone from all addresses together, a slow-down after five codes in an hour (the wait
    doubles up to 15 minutes); each client address is limited across phones too. Over a limit: 429
    with ``Retry-After``.
    The code is entered on the hosted sign-in page of ``/oauth/authorize``.
    """
    services.send_sign_in_code(body["phone"], select_locale(), requester=request.remote_addr)
    return {
        "expires_in": int(otp.CODE_TTL.total_seconds()),
        "resend_after": int(otp.RESEND_INTERVAL.total_seconds()),
    }


# --- the signed-in person -------------------------------------------------------------------------


@blp.route("/me")
@blp.auth(kinds=PERSON_ONLY)
@blp.response(200, MeSchema)
def get_me():
    """The signed-in person, their roles and preferences."""
    return services.my_profile_view(current_actor())


@blp.route("/me", methods=["PATCH"])
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(PreferencesSchema)
@blp.response(200, MeSchema)
def update_me(changes):
    """Change language, display name or notification channels."""
    person = services.update_preferences(current_actor(), **changes)
    return person


@blp.route("/me/real-name", methods=["POST"])
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(RealNameSchema)
@blp.response(200, MeSchema)
def verify_real_name(body):
    """Add my legal name and national ID (stored encrypted, shown masked; one ID per person: 409)."""
    person = services.verify_real_name(current_actor(), body["legal_name"], body["national_id"])
    return services.profile_of(person)


@blp.route("/me/access-log")
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(AuditEntrySchema))
def access_log(args):
    """Every staff, proxy or institutional read or change of my personal data, newest first."""
    return services.access_log(current_actor(), **args)


# --- account links --------------------------------------------------------------------------------


@blp.route("/me/links")
@blp.auth(kinds=PERSON_ONLY)
@blp.response(200, LinkSchema(many=True))
def list_links():
    """My accounts on other front ends (the Telegram bot)."""
    return services.list_links(current_actor())


@blp.route("/me/links/telegram", methods=["POST"])
@blp.auth(kinds=PERSON_ONLY)
@blp.response(201, LinkCodeSchema)
def create_telegram_link_code():
    """A one-time code (10 minutes) to send the Telegram bot as ``/start CODE``."""
    code, expires_at = services.create_link_code(current_actor(), "telegram")
    bot = current_app.config.get("TELEGRAM_BOT_USERNAME")
    deep_link = f"https://t.me/{bot}?start={code}" if bot else None
    return (
        {"provider": "telegram", "code": code, "expires_at": expires_at, "deep_link": deep_link},
        201,
        NO_STORE,
    )


@blp.route("/me/links/<provider>", methods=["DELETE"])
@blp.auth(kinds=PERSON_ONLY)
@blp.response(204)
def remove_link(provider):
    """Unlink my account on a front end (404 when not linked)."""
    services.remove_link(current_actor(), provider)


# --- mandates -------------------------------------------------------------------------------------


@blp.route("/me/mandates")
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(MandateListArgsSchema, location="query")
@blp.response(200, page_schema(MandateSchema))
def list_mandates(args):
    """Mandates I granted (``direction=granted``) or received (``direction=received``), newest first."""
    return services.list_mandates(current_actor(), **args)


@blp.route("/me/mandates", methods=["POST"])
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(MandateCreateSchema)
@blp.response(201, MandateSchema)
def grant_mandate(body):
    """Let another person act for me within scopes until a date (帮办代办).

    The grantee then sends ``X-On-Behalf-Of: <my person id>`` with their own token; every such
    request shows in my access log.
    """
    mandate = services.grant_mandate(current_actor(), **body)
    return mandate


@blp.route("/me/mandates/<uuid:mandate_id>")
@blp.auth(kinds=PERSON_ONLY)
@blp.response(200, MandateSchema)
def get_mandate(mandate_id: uuid.UUID):
    """A mandate I granted or received."""
    return services.get_mandate(current_actor(), mandate_id)


@blp.route("/me/mandates/<uuid:mandate_id>/revoke", methods=["POST"])
@blp.auth(kinds=PERSON_ONLY)
@blp.response(200, MandateSchema)
def revoke_mandate(mandate_id: uuid.UUID):
    """End a mandate now (its grantor withdraws it or its grantee gives it up)."""
    mandate = services.revoke_mandate(current_actor(), mandate_id)
    return mandate


@blp.route("/me/mandates/<uuid:mandate_id>/accept", methods=["POST"])
@blp.auth(kinds=PERSON_ONLY)
@blp.response(200, MandateSchema)
def accept_mandate(mandate_id: uuid.UUID):
    """Accept a mandate I was invited to (``pending``): from now on I may act within it."""
    return services.accept_mandate(current_actor(), mandate_id)


# --- the city code --------------------------------------------------------------------------------


@blp.route("/me/citycode")
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(CityCodeArgsSchema, location="query")
@blp.response(200, CityCodeSchema)
def get_city_code(args):
    """A fresh city code (valid about a minute) as a compact JWS, with the SVG and PNG QR images asked for."""
    issued = services.my_city_code(current_actor(), images=args["images"])
    return issued, 200, NO_STORE


@blp.route("/me/citycode/revoke", methods=["POST"])
@blp.auth(kinds=PERSON_ONLY)
@blp.response(200, CityCodeRevokedSchema)
def report_lost_phone():
    """Lost phone: refuse every code issued until now and sign out every other device.

    The person is told urgently: their Telegram chat, else SMS, else whoever holds a mandate from them.
    """
    moment, ended = services.report_lost_phone(current_actor())
    return {"revoked_before": moment, "signed_out_sessions": ended}


@blp.route("/me/citycode/scans")
@blp.auth(kinds=PERSON_ONLY)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(ScanSchema))
def city_code_scans(args):
    """Every online verification of my city code: when, which scanner, for what, and the outcome.

    Where the deployment buffers scans in Redis, a scan appears here within a few seconds of the
    verification (once the flusher has run), in the order the scans happened.
    """
    return services.my_city_code_scans(current_actor(), **args)


@citycode_blp.route("/citycode/verify", methods=["POST"])
@citycode_blp.auth(scopes=(citycode.VERIFY_SCOPE,), kinds=(ActorKind.CLIENT,))
@citycode_blp.arguments(VerifyRequestSchema)
@citycode_blp.response(200, VerifyResultSchema)
def verify_city_code(body):
    """Check a scanned code online: signature, expiry, revocation and replay.

    Answers only what the purpose may see; ``hospital`` also needs the scope ``citycode:identity``.
    A refused code is ``valid: false`` with a stable ``reason``. Every verification, accepted or not,
    is in the holder's scan log: with the answer, or within seconds where scans are buffered in Redis.
    """
    result = services.verify_city_code(current_actor(), body["code"], body["purpose"])
    return result


@citycode_blp.route("/citycode/jwks")
@citycode_blp.response(200, JwksSchema)
def city_code_keys():
    """The public keys (Ed25519, ``alg: EdDSA``) that sign city codes, for offline verification."""
    return keys.jwks(keys.CITYCODE), 200, {"Cache-Control": f"public, max-age={keys.JWKS_MAX_AGE}"}


# --- staff ----------------------------------------------------------------------------------------


@staff_blp.route("/staff/mandates", methods=["POST"])
@staff_blp.auth(roles=(Role.COMMUNITY_WORKER,))
@staff_blp.arguments(StaffMandateCreateSchema)
@staff_blp.response(201, MandateSchema)
def register_mandate(body):
    """Register a mandate for a resident without a smartphone, recording how they consented."""
    mandate = services.register_mandate_for(current_actor(), **body)
    return mandate


@staff_blp.route("/staff/role-grants", methods=["POST"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(RoleGrantRequestSchema)
@staff_blp.response(201, StaffRoleGrantSchema)
def grant_role(body):
    """Give a person (by phone) a role; handlers need a department, merchant roles a merchant."""
    grant = services.grant_role_by_phone(
        current_actor(),
        body["phone"],
        body["role"],
        department_code=body["department"],
        merchant_id=body["merchant_id"],
    )
    return grant


@staff_blp.route("/staff/role-grants/<uuid:grant_id>", methods=["DELETE"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.response(204)
def revoke_role(grant_id: uuid.UUID):
    """Take a role away; the person's next request is without it (tokens do not carry roles)."""
    services.revoke_role(current_actor(), grant_id)
