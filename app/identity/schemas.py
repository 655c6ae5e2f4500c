"""How people, sign-in, mandates, links, the city code and the audit log appear in the API."""

from datetime import datetime
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app

from app.core.actors import MandateScope, Role
from app.core.pagination import PageArgsSchema
from app.core.pii import mask_name, mask_national_id, mask_phone
from app.core.validation import NationalId, PhoneNumber, StrictSchema
from app.identity import citycode
from app.identity.models import CONSENT_METHODS, NOTIFICATION_CHANNELS


class LocalDateTime(ma.fields.DateTime):
    """An ISO 8601 date-time; one without an offset is read in the city's time zone (Asia/Shanghai)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(current_app.config["BUSINESS_TIMEZONE"]))
        return moment


class RoleGrantSchema(ma.Schema):
    """A role the person holds."""

    id = ma.fields.UUID(dump_only=True)
    role = ma.fields.String(dump_only=True)
    department_id = ma.fields.UUID(dump_only=True, allow_none=True)
    merchant_id = ma.fields.UUID(dump_only=True, allow_none=True)


class MeSchema(ma.Schema):
    """The signed-in person; the phone is their own so it is shown in full, the ID number masked."""

    id = ma.fields.UUID(dump_only=True)
    phone = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    locale = ma.fields.String(dump_only=True, allow_none=True)
    notification_channels = ma.fields.List(
        ma.fields.String(),
        dump_only=True,
        metadata={"description": "The channels on for every topic: the in-app inbox always, then the others"},
    )
    legal_name = ma.fields.Function(lambda p: mask_name(p.legal_name), dump_only=True, allow_none=True)
    national_id = ma.fields.Function(
        lambda p: mask_national_id(p.national_id), dump_only=True, allow_none=True
    )
    verified = ma.fields.Function(lambda p: p.verified_at is not None, dump_only=True)
    roles = ma.fields.List(ma.fields.Nested(RoleGrantSchema), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class PersonSummarySchema(ma.Schema):
    """Another person as others see them: contact details masked."""

    id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    phone = ma.fields.Function(lambda p: mask_phone(p.phone), dump_only=True)


class PreferencesSchema(StrictSchema):
    """What a person may change about themself."""

    locale = ma.fields.String(
        validate=ma.validate.Length(min=2, max=35),
        metadata={
            "description": "zh-Hans, zh-Hant or en, as a BCP 47 tag or in POSIX spelling (zh_Hant); "
            "applies from the next request"
        },
    )
    display_name = ma.fields.String(validate=ma.validate.Length(min=1, max=60))
    notification_channels = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(NOTIFICATION_CHANNELS)),
        validate=ma.validate.Length(max=len(NOTIFICATION_CHANNELS)),
        metadata={"description": "Channels besides the in-app inbox (which is always on)"},
    )


class RealNameSchema(StrictSchema):
    """Legal name and PRC resident ID number (check digit and birth date are checked)."""

    legal_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    national_id = NationalId(required=True)


class AuditEntrySchema(ma.Schema):
    """One read or change of a person's data by someone else."""

    id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    actor_kind = ma.fields.String(dump_only=True)
    client_id = ma.fields.String(dump_only=True, allow_none=True)
    proxy_person_id = ma.fields.Function(
        lambda e: e.actor_person_id if e.actor_kind == "proxy" else None,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The person who acted for you under a mandate (proxy entries only)"},
    )
    action = ma.fields.String(
        dump_only=True,
        metadata={"description": "read, list, create, change, delete, pay, scan or export"},
    )
    resource = ma.fields.String(dump_only=True, metadata={"description": "What kind of record"})
    resource_id = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "Which record, when it was one"}
    )
    reason = ma.fields.String(dump_only=True)


# --- sign-in --------------------------------------------------------------------------------------


class OtpRequestSchema(StrictSchema):
    """The phone to text a sign-in code to."""

    phone = PhoneNumber(required=True, metadata={"description": "Mainland numbers may omit +86"})


class OtpSentSchema(ma.Schema):
    """A code is on its way."""

    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds the code stays valid"})
    resend_after = ma.fields.Integer(required=True, metadata={"description": "Seconds before another code"})


# --- account links --------------------------------------------------------------------------------


class LinkSchema(ma.Schema):
    """An account of the person on another front end."""

    provider = ma.fields.String(dump_only=True)
    external_id = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class LinkCodeSchema(ma.Schema):
    """A one-time link code to give the bot (``/start CODE``), valid ten minutes."""

    provider = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    expires_at = ma.fields.DateTime(required=True)
    deep_link = ma.fields.String(allow_none=True, metadata={"description": "Opens the bot with the code"})


# --- mandates -------------------------------------------------------------------------------------

_MANDATE_SCOPES = ma.fields.List(
    ma.fields.String(validate=ma.validate.OneOf([s.value for s in MandateScope])),
    required=True,
    validate=ma.validate.Length(min=1, max=len(MandateScope)),
)


class MandateCreateSchema(StrictSchema):
    """Let another person act for me within some scopes until a date."""

    grantee_phone = PhoneNumber(required=True)
    scopes = _MANDATE_SCOPES
    starts_at = LocalDateTime(load_default=None)
    expires_at = LocalDateTime(required=True, metadata={"description": "At most one year after it starts"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class StaffMandateCreateSchema(StrictSchema):
    """A community worker registers a mandate for a resident without a smartphone."""

    grantor_phone = PhoneNumber(required=True, metadata={"description": "The resident who gives authority"})
    grantee_phone = PhoneNumber(required=True, metadata={"description": "The person who will act for them"})
    scopes = _MANDATE_SCOPES
    starts_at = LocalDateTime(load_default=None)
    expires_at = LocalDateTime(required=True)
    consent_method = ma.fields.String(
        required=True, validate=ma.validate.OneOf([m for m in CONSENT_METHODS if m != "app"])
    )
    consent_note = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={"description": "How and where consent was given, witnesses, documents seen"},
    )


class MandateSchema(ma.Schema):
    """A mandate as its grantor or grantee sees it."""

    id = ma.fields.UUID(dump_only=True)
    grantor = ma.fields.Nested(PersonSummarySchema, dump_only=True)
    grantee = ma.fields.Nested(
        PersonSummarySchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "None while the invited number has no account"},
    )
    invitee_phone = ma.fields.Function(
        lambda m: mask_phone(m.invitee_phone) if m.invitee_phone else None,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The number invited, when the grantee had no account (masked)"},
    )
    accepted_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    scopes = ma.fields.List(ma.fields.String(), dump_only=True)
    starts_at = ma.fields.DateTime(dump_only=True)
    expires_at = ma.fields.DateTime(dump_only=True)
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    status = ma.fields.String(dump_only=True)
    consent_method = ma.fields.String(dump_only=True)
    consent_note = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class MandateListArgsSchema(PageArgsSchema):
    """Which mandates: those I granted, or those I received."""

    direction = ma.fields.String(load_default="granted", validate=ma.validate.OneOf(["granted", "received"]))


# --- staff: roles ---------------------------------------------------------------------------------


class RoleGrantRequestSchema(StrictSchema):
    """Give a person a role."""

    phone = PhoneNumber(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in Role]))
    department = ma.fields.String(load_default=None, metadata={"description": "Department code"})
    merchant_id = ma.fields.UUID(load_default=None)


class StaffRoleGrantSchema(RoleGrantSchema):
    """A role grant as administrators see it."""

    person = ma.fields.Nested(PersonSummarySchema, dump_only=True)


# --- the city code --------------------------------------------------------------------------------


class CityCodeSchema(ma.Schema):
    """A fresh city code and its QR images; refresh it before ``expires_at``."""

    code = ma.fields.String(
        required=True, metadata={"description": "Compact JWS (EdDSA) to encode in the QR"}
    )
    issued_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(required=True)
    qr_svg = ma.fields.String(
        attribute="svg",
        allow_none=True,
        metadata={"description": "Inline SVG; null unless `images` asks for it"},
    )
    qr_png = ma.fields.String(
        attribute="png_data_uri",
        allow_none=True,
        metadata={"description": "PNG as a data: URI; null unless `images` asks for it"},
    )


class CityCodeArgsSchema(StrictSchema):
    """Which QR images come with a fresh code."""

    images = ma.fields.String(
        load_default="svg,png",
        validate=ma.validate.OneOf(("svg,png", "png,svg", "svg", "png", "none")),
        metadata={
            "description": "The QR images to draw: `svg,png` (the default), `svg`, `png`, or `none` for an "
            "app that draws the QR of `code` itself (a code is then a signature, not a drawing, to make)"
        },
    )

    @ma.post_load
    def _as_set(self, data, **_kwargs):
        data["images"] = frozenset() if data["images"] == "none" else frozenset(data["images"].split(","))
        return data


class CityCodeRevokedSchema(ma.Schema):
    """Every code issued before ``revoked_before`` is refused; other devices were signed out."""

    revoked_before = ma.fields.DateTime(required=True)
    signed_out_sessions = ma.fields.Integer(required=True)


class ScanSchema(ma.Schema):
    """One online verification of my city code."""

    id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    client_id = ma.fields.String(dump_only=True)
    client_name = ma.fields.String(dump_only=True)
    purpose = ma.fields.String(dump_only=True)
    outcome = ma.fields.String(dump_only=True, metadata={"description": "accepted, or why it was refused"})


class VerifyRequestSchema(StrictSchema):
    """A scanned code and why it is being checked."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2048))
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf(citycode.PURPOSES))


class VerifyResultSchema(ma.Schema):
    """Valid or not, why not, and only the claims this purpose may see."""

    valid = ma.fields.Boolean(required=True)
    purpose = ma.fields.String(required=True)
    reason = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "malformed, unknown_key, bad_signature, expired, unknown_subject, "
            "revoked, replayed"
        },
    )
    message = ma.fields.String(
        allow_none=True, metadata={"description": "The reason in the caller's language"}
    )
    claims = ma.fields.Dict(
        metadata={
            "description": "transit, parking: none; library, community_gate: real_name_verified; "
            "hospital: real_name_verified, legal_name, masked national_id"
        }
    )


class JwksSchema(ma.Schema):
    """A JSON Web Key Set (RFC 7517) of public keys."""

    keys = ma.fields.List(ma.fields.Dict(), required=True)
