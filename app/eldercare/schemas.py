"""How elder profiles, check-ins and alerts appear; what elders, guardians, workers and devices send."""

from __future__ import annotations

from datetime import time

import marshmallow as ma

from app.core.geo import LocationSchema
from app.core.money import MoneySchema
from app.core.pagination import PageArgsSchema
from app.core.validation import PhoneNumber, Range, StrictSchema
from app.eldercare.models import AlertKind, AlertStatus, CareLevel, CareService, LivingSituation

TIME_FORMAT = "%H:%M"
DEVICE_KINDS = [AlertKind.SOS.value, AlertKind.FALL.value, AlertKind.NO_ACTIVITY.value]
OUTCOMES = ["helped", "hospital", "false_alarm", "other"]
EARLIEST_CHECKIN, LATEST_CHECKIN = time(5, 0), time(21, 0)


def _text(max_length: int, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(min=1, max=max_length), **kwargs)


# --- profiles -------------------------------------------------------------------------------------


class EmergencyContactInSchema(StrictSchema):
    """An emergency contact, in the order to call them."""

    name = _text(60, required=True)
    relation = ma.fields.String(load_default="", validate=ma.validate.Length(max=30))
    phone = PhoneNumber(required=True)


class ElderProfileWriteSchema(StrictSchema):
    """The elder's profile as a whole (a change sends every field again)."""

    living_situation = ma.fields.String(
        required=True, validate=ma.validate.OneOf([s.value for s in LivingSituation])
    )
    care_level = ma.fields.String(required=True, validate=ma.validate.OneOf([c.value for c in CareLevel]))
    conditions = ma.fields.List(
        _text(60),
        load_default=list,
        validate=ma.validate.Length(max=20),
        metadata={
            "description": "Health conditions: seen only by the elder, their guardians and their worker"
        },
    )
    emergency_contacts = ma.fields.List(
        ma.fields.Nested(EmergencyContactInSchema), load_default=list, validate=ma.validate.Length(max=5)
    )
    checkin_by = ma.fields.Time(
        format=TIME_FORMAT,
        load_default=None,
        allow_none=True,
        validate=Range(EARLIEST_CHECKIN, LATEST_CHECKIN),
        metadata={
            "description": "HH:MM (Asia/Shanghai, 05:00-21:00) to check in by each day; null: no check-in"
        },
    )
    worker_phone = PhoneNumber(
        load_default=None, allow_none=True, metadata={"description": "The community worker the elder chose"}
    )


class EmergencyContactSchema(ma.Schema):
    """An emergency contact, as the elder's circle sees it."""

    position = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(dump_only=True)
    relation = ma.fields.String(dump_only=True)
    phone = ma.fields.String(dump_only=True)


class MaskedEmergencyContactSchema(EmergencyContactSchema):
    """An emergency contact as staff see it: the phone masked."""

    phone = ma.fields.String(attribute="masked_phone", dump_only=True)


class ElderProfileSchema(ma.Schema):
    """An elder's care profile."""

    person_id = ma.fields.UUID(dump_only=True)
    living_situation = ma.fields.String(dump_only=True)
    care_level = ma.fields.String(dump_only=True)
    conditions = ma.fields.List(ma.fields.String(), attribute="condition_list", dump_only=True)
    checkin_by = ma.fields.Time(format=TIME_FORMAT, dump_only=True, allow_none=True)
    has_worker = ma.fields.Function(lambda p: p.worker_id is not None, dump_only=True)
    easy_mode = ma.fields.Boolean(dump_only=True, metadata={"description": "Set with PUT /eldercare/easy"})
    emergency_contacts = ma.fields.List(
        ma.fields.Nested(EmergencyContactSchema), attribute="contacts", dump_only=True
    )
    updated_at = ma.fields.DateTime(dump_only=True)


class StaffElderProfileSchema(ElderProfileSchema):
    """An elder's profile for their assigned community worker."""

    emergency_contacts = ma.fields.List(
        ma.fields.Nested(MaskedEmergencyContactSchema), attribute="contacts", dump_only=True
    )


class AssignedElderSchema(ma.Schema):
    """An elder in their worker's list: no health data (that is on the elder's own page, logged)."""

    person_id = ma.fields.UUID(dump_only=True)
    living_situation = ma.fields.String(dump_only=True)
    care_level = ma.fields.String(dump_only=True)
    checkin_by = ma.fields.Time(format=TIME_FORMAT, dump_only=True, allow_none=True)


class CareDeviceWriteSchema(StrictSchema):
    """A device in the elder's home, and the platform (its client id) that reports it."""

    serial = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9._-]{1,64}$"))
    platform = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9._~-]{1,64}$"))


class CareDeviceSchema(ma.Schema):
    """A registered device."""

    id = ma.fields.UUID(dump_only=True)
    serial = ma.fields.String(dump_only=True)
    platform = ma.fields.String(attribute="client_id", dump_only=True)
    last_event_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class CareDeviceListSchema(ma.Schema):
    """The elder's devices (a home has at most ten)."""

    items = ma.fields.List(ma.fields.Nested(CareDeviceSchema), dump_only=True)


# --- check-ins ------------------------------------------------------------------------------------


class ElderCheckInSchema(ma.Schema):
    """One day of the daily check-in."""

    id = ma.fields.UUID(dump_only=True)
    day = ma.fields.Date(dump_only=True)
    checked_in_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    source = ma.fields.String(dump_only=True, allow_none=True)
    reminded_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    alert_id = ma.fields.UUID(dump_only=True, allow_none=True)


# --- alerts ---------------------------------------------------------------------------------------


class SosSchema(StrictSchema):
    """A call for help from the app."""

    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class AlertAcknowledgeSchema(StrictSchema):
    """I am coming."""

    eta_minutes = ma.fields.Integer(required=True, validate=Range(1, 240))


class AlertResolutionSchema(StrictSchema):
    """How it ended."""

    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(OUTCOMES))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class DeviceEventSchema(StrictSchema):
    """A device platform reports a press or a sensor; the event id makes a retry harmless."""

    event_id = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$"))
    serial = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9._-]{1,64}$"))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(DEVICE_KINDS))
    occurred_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)


class AlertEventSchema(ma.Schema):
    """One thing that happened to an alert."""

    kind = ma.fields.String(
        dump_only=True,
        metadata={"description": "raised | step | acknowledged | arrived | resolved | cancelled"},
    )
    at = ma.fields.DateTime(dump_only=True)
    step = ma.fields.Integer(dump_only=True, allow_none=True)
    notified = ma.fields.Integer(dump_only=True)


class AlertSchema(ma.Schema):
    """An alert: what raised it, where it stands, who is coming, the ladder so far."""

    id = ma.fields.UUID(dump_only=True)
    person_id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": " | ".join(k.value for k in AlertKind)})
    kind_label = ma.fields.String(dump_only=True)
    source = ma.fields.String(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": " | ".join(s.value for s in AlertStatus)}
    )
    status_label = ma.fields.String(dump_only=True)
    raised_at = ma.fields.DateTime(dump_only=True)
    step = ma.fields.Integer(
        dump_only=True, metadata={"description": "The highest rung called (0: the first)"}
    )
    rungs = ma.fields.Function(lambda a: len(a.ladder), dump_only=True)
    next_step_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    responder_name = ma.fields.String(dump_only=True, allow_none=True)
    eta_minutes = ma.fields.Integer(dump_only=True, allow_none=True)
    acknowledged_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    arrived_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    resolved_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    outcome = ma.fields.String(dump_only=True, allow_none=True)
    note = ma.fields.String(dump_only=True)
    events = ma.fields.List(ma.fields.Nested(AlertEventSchema), dump_only=True)


class AlertsQuerySchema(PageArgsSchema):
    """The elder's alerts: all, or the active (open, answered, help arrived) or the ended."""

    active = ma.fields.Boolean(load_default=None, allow_none=True)


class CentreAlertsQuerySchema(PageArgsSchema):
    """Alerts in one status, for the community service centre."""

    status = ma.fields.String(
        load_default=AlertStatus.OPEN.value, validate=ma.validate.OneOf([s.value for s in AlertStatus])
    )


# --- care visits (EVV) and the subsidy voucher ------------------------------------------------------


class VisitStartSchema(StrictSchema):
    """The caregiver at the door: the service, who they are, the elder's city code scanned, where."""

    visit_ref = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$"),
        metadata={"description": "The provider's own id of the visit: sending it again returns the visit"},
    )
    service = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in CareService]))
    caregiver = _text(60, required=True)
    code = _text(2048, required=True, metadata={"description": "The elder's city code, scanned at the door"})
    location = ma.fields.Nested(LocationSchema, required=True)
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    appointment_id = ma.fields.UUID(
        load_default=None,
        metadata={
            "description": "The elder's booking (today, at one of the provider's appointment services of "
            "this care service) the visit serves: arrived now, fulfilled when the visit is verified"
        },
    )


class VisitEndSchema(StrictSchema):
    """The caregiver leaving: the same elder's code scanned again, and where."""

    code = _text(2048, required=True, metadata={"description": "The elder's city code, scanned again"})
    location = ma.fields.Nested(LocationSchema, required=True)


class ProviderVisitsQuerySchema(PageArgsSchema):
    """A provider's visits, of one day (Asia/Shanghai) when given."""

    day = ma.fields.Date(load_default=None)


class CareVisitSchema(ma.Schema):
    """A care visit and its six verified facts: service, recipient, date, place, provider, start and end."""

    id = ma.fields.UUID(dump_only=True)
    visit_ref = ma.fields.String(dump_only=True)
    service = ma.fields.String(dump_only=True)
    service_label = ma.fields.String(dump_only=True)
    recipient_id = ma.fields.UUID(dump_only=True, attribute="person_id")
    provider = ma.fields.String(dump_only=True, attribute="provider_name")
    caregiver = ma.fields.String(dump_only=True, attribute="caregiver_name")
    status = ma.fields.String(
        dump_only=True,
        metadata={"description": "in_progress | verified | lapsed (never verified in time: not paid)"},
    )
    started_at = ma.fields.DateTime(dump_only=True)
    ended_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    minutes = ma.fields.Integer(dump_only=True, allow_none=True)
    lat = ma.fields.Float(dump_only=True)
    lng = ma.fields.Float(dump_only=True)
    subsidy = ma.fields.Nested(MoneySchema, dump_only=True)
    payment_id = ma.fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The ledger's payment of the subsidy to the provider"},
    )
    provider_kind = ma.fields.String(
        dump_only=True, metadata={"description": "care_provider (a terminal) | merchant (a commerce order)"}
    )
    appointment_id = ma.fields.UUID(
        dump_only=True, allow_none=True, metadata={"description": "The booking it served (/appointments)"}
    )
    order_id = ma.fields.UUID(
        dump_only=True, allow_none=True, metadata={"description": "The commerce order it delivered"}
    )


class SubsidyReportArgsSchema(StrictSchema):
    """The business days (Asia/Shanghai) of the report, at most a year."""

    start = ma.fields.Date(required=True)
    end = ma.fields.Date(required=True)


class ProviderSubsidySchema(ma.Schema):
    """What one provider redeemed from elders' vouchers."""

    client_id = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    payments_count = ma.fields.Integer(dump_only=True, metadata={"description": "Verified visits paid"})
    amount = ma.fields.Nested(MoneySchema, dump_only=True)


class MerchantSubsidySchema(ma.Schema):
    """What one commerce merchant redeemed from elders' vouchers (orders of subsidised listings)."""

    merchant_id = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    payments_count = ma.fields.Integer(dump_only=True, metadata={"description": "Completed orders paid"})
    amount = ma.fields.Nested(MoneySchema, dump_only=True)


class SubsidyReportSchema(ma.Schema):
    """The care subsidy redeemed per provider and per commerce merchant, from the payments ledger."""

    start = ma.fields.Date(dump_only=True)
    end = ma.fields.Date(dump_only=True)
    total = ma.fields.Nested(MoneySchema, dump_only=True, metadata={"description": "Providers and merchants"})
    providers = ma.fields.List(ma.fields.Nested(ProviderSubsidySchema), dump_only=True)
    merchants = ma.fields.List(ma.fields.Nested(MerchantSubsidySchema), dump_only=True)


class CareVoucherSchema(ma.Schema):
    """The elder's care-subsidy voucher."""

    balance = ma.fields.Nested(MoneySchema, dump_only=True)
    granted = ma.fields.Nested(MoneySchema, dump_only=True)


class VoucherTopUpSchema(StrictSchema):
    """A grant added to an elder's voucher."""

    amount = ma.fields.Nested(MoneySchema, required=True)


# --- easy mode ----------------------------------------------------------------------------------


class EasyModeSchema(StrictSchema):
    """Turn easy mode (长辈模式) on or off."""

    enabled = ma.fields.Boolean(required=True)


class EasyActionSchema(ma.Schema):
    """One big button and the one request it makes (``TEL``: dial ``phone``)."""

    key = ma.fields.String(dump_only=True, metadata={"description": "sos | checkin | call"})
    label = ma.fields.String(dump_only=True)
    method = ma.fields.String(dump_only=True, metadata={"description": "POST, or TEL to dial"})
    target = ma.fields.String(dump_only=True)
    phone = ma.fields.String(dump_only=True, allow_none=True)


class EasyScreenSchema(ma.Schema):
    """The elder's one screen: a status line and at most three choices, in short words."""

    enabled = ma.fields.Boolean(dump_only=True, metadata={"description": "The elder chose easy mode"})
    status = ma.fields.String(dump_only=True)
    urgent = ma.fields.Boolean(dump_only=True, metadata={"description": "An alert is active"})
    actions = ma.fields.List(ma.fields.Nested(EasyActionSchema), dump_only=True)
    proxy_acts_today = ma.fields.Integer(
        dump_only=True,
        metadata={"description": "Acts of family members under a mandate today (see the access log)"},
    )
    text_size = ma.fields.String(dump_only=True, metadata={"description": "large: render in large type"})
