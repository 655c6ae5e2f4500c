"""How people, roles and the audit log appear in the API."""

import marshmallow as ma

from app.core.i18n import SUPPORTED_LOCALES
from app.core.pii import mask_name, mask_national_id, mask_phone
from app.core.validation import StrictSchema


class RoleGrantSchema(ma.Schema):
    """A role the person holds."""

    role = ma.fields.String(dump_only=True)
    department_id = ma.fields.UUID(dump_only=True, allow_none=True)
    merchant_id = ma.fields.UUID(dump_only=True, allow_none=True)


class MeSchema(ma.Schema):
    """The signed-in person; the phone is their own so it is shown in full, the ID number masked."""

    id = ma.fields.UUID(dump_only=True)
    phone = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    locale = ma.fields.String(dump_only=True, allow_none=True)
    legal_name = ma.fields.Function(lambda p: mask_name(p.legal_name), dump_only=True, allow_none=True)
    national_id = ma.fields.Function(
        lambda p: mask_national_id(p.national_id), dump_only=True, allow_none=True
    )
    verified = ma.fields.Function(lambda p: p.verified_at is not None, dump_only=True)
    roles = ma.fields.List(ma.fields.Nested(RoleGrantSchema), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class PersonSummarySchema(ma.Schema):
    """Another person as staff see them: contact details masked."""

    id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    phone = ma.fields.Function(lambda p: mask_phone(p.phone), dump_only=True)


class PreferencesSchema(StrictSchema):
    """What a person may change about themself."""

    locale = ma.fields.String(validate=ma.validate.OneOf(SUPPORTED_LOCALES))
    display_name = ma.fields.String(validate=ma.validate.Length(min=1, max=60))


class AuditEntrySchema(ma.Schema):
    """One read or change of a person's data by someone else."""

    id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    actor_kind = ma.fields.String(dump_only=True)
    client_id = ma.fields.String(dump_only=True, allow_none=True)
    action = ma.fields.String(dump_only=True)
    resource = ma.fields.String(dump_only=True)
    reason = ma.fields.String(dump_only=True)
