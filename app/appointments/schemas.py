"""What residents, guardians and providers send, and how providers, slots and appointments appear."""

from __future__ import annotations

import re

import marshmallow as ma
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.appointments.models import AppointmentStatus, ProviderKind
from app.core.geo import LocationSchema
from app.core.nearby import NearbyArgsSchema
from app.core.pagination import PageArgsSchema
from app.core.validation import Range, StrictSchema

KINDS = [kind.value for kind in ProviderKind]
STATUSES = [status.value for status in AppointmentStatus]
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
clock_field = ma.validate.Regexp(CLOCK.pattern, error=_l("A time of day as HH:MM, 00:00 to 23:59."))


# --- requests from providers ---------------------------------------------------------------------


class NamesSchema(StrictSchema):
    """A name in each language."""

    zh_hans = ma.fields.String(data_key="zh_Hans", required=True, validate=ma.validate.Length(min=1, max=120))
    zh_hant = ma.fields.String(
        data_key="zh_Hant", load_default=None, validate=ma.validate.Length(min=1, max=120)
    )
    en = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=120))

    @ma.post_load
    def _names(self, data, **kwargs):
        return {"zh_Hans": data["zh_hans"], "zh_Hant": data["zh_hant"], "en": data["en"]}


class RulesSchema(StrictSchema):
    """A provider's booking rules; what is left out takes the default."""

    real_name = ma.fields.Boolean()
    window_days = ma.fields.Integer(validate=Range(0, 90))
    opens_at = ma.fields.String(validate=clock_field)
    cancel_days_before = ma.fields.Integer(validate=Range(0, 30))
    cancel_until = ma.fields.String(validate=clock_field)
    per_day = ma.fields.Integer(validate=Range(1, 20))
    per_week = ma.fields.Integer(validate=Range(1, 50))
    per_provider = ma.fields.Integer(validate=Range(1, 50))
    hold_minutes = ma.fields.Integer(validate=Range(1, 24 * 60))
    noshow_bans = ma.fields.List(
        ma.fields.Integer(validate=Range(1, 365)), validate=ma.validate.Length(max=10)
    )
    noshow_lookback_days = ma.fields.Integer(validate=Range(1, 3650))


class ProviderCreateSchema(StrictSchema):
    """A hospital, hall or community service to publish."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    names = ma.fields.Nested(NamesSchema, required=True)
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    location = ma.fields.Nested(LocationSchema, required=True)
    rules = ma.fields.Nested(RulesSchema, load_default=dict)


class RulesUpdateSchema(StrictSchema):
    """New booking rules of a provider."""

    rules = ma.fields.Nested(RulesSchema, required=True)


class ServiceCreateSchema(StrictSchema):
    """A department, a doctor's clinic or a counter's business."""

    names = ma.fields.Nested(NamesSchema, required=True)
    department = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))
    practitioner = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))
    practitioner_title = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))
    service_type = ma.fields.String(
        load_default="",
        validate=ma.validate.Regexp(r"^([a-z][a-z0-9_]{0,39})?$"),
        metadata={
            "description": "A code of the kind of service (FHIR serviceType); a home-care visit names the "
            "elder-care service: meal_help, cleaning, personal_care, medical_visit"
        },
    )


class ScheduleCreateSchema(StrictSchema):
    """A working plan: days, hours, breaks, slot length and seats over a date range (at most 62 days)."""

    weekdays = ma.fields.List(
        ma.fields.Integer(validate=Range(0, 6)),
        load_default=lambda: [0, 1, 2, 3, 4],
        validate=ma.validate.Length(max=7),
        metadata={"description": "0 = Monday; ignored when working_days_only"},
    )
    working_days_only = ma.fields.Boolean(
        load_default=False, metadata={"description": "open on the calendar's working days (调休 included)"}
    )
    day_start = ma.fields.String(required=True, validate=clock_field)
    day_end = ma.fields.String(required=True, validate=clock_field)
    breaks = ma.fields.List(
        ma.fields.List(ma.fields.String(validate=clock_field), validate=ma.validate.Length(equal=2)),
        load_default=list,
        validate=ma.validate.Length(max=5),
    )
    slot_minutes = ma.fields.Integer(required=True, validate=Range(5, 480))
    buffer_minutes = ma.fields.Integer(load_default=0, validate=Range(0, 120))
    seats = ma.fields.Integer(required=True, validate=Range(1, 500))
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(required=True)


class CheckInSchema(StrictSchema):
    """A resident's city code, scanned at the provider."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


# --- requests from residents ---------------------------------------------------------------------


class BookSchema(StrictSchema):
    """The slot to book a seat in."""

    slot_id = ma.fields.UUID(required=True)


class ProvidersQuerySchema(PageArgsSchema):
    """Providers by kind and name."""

    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40))


class NearbyProvidersQuerySchema(NearbyArgsSchema):
    """Providers near a point."""

    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(KINDS))
    limit = ma.fields.Integer(load_default=20, validate=Range(1, 50))


class ServicesQuerySchema(PageArgsSchema):
    """Services of a provider, by name or practitioner."""

    provider_id = ma.fields.UUID(load_default=None)
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40))
    practitioner = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40))


class SlotsQuerySchema(StrictSchema):
    """A day's slots of a service or a provider."""

    date = ma.fields.Date(required=True, metadata={"description": "Asia/Shanghai day, YYYY-MM-DD"})
    service_id = ma.fields.UUID(load_default=None)
    provider_id = ma.fields.UUID(load_default=None)
    available = ma.fields.Boolean(load_default=False, metadata={"description": "only slots with a seat left"})

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if (data.get("service_id") is None) == (data.get("provider_id") is None):
            raise ma.ValidationError(gettext("Give service_id or provider_id, one of them."), "service_id")


class AppointmentsQuerySchema(PageArgsSchema):
    """My appointments, by status."""

    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class DeskDayQuerySchema(PageArgsSchema):
    """A day's bookings at the desk: today unless a date is given; by service and status."""

    date = ma.fields.Date(load_default=None, metadata={"description": "Asia/Shanghai day, today by default"})
    service_id = ma.fields.UUID(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class VerifyQuerySchema(StrictSchema):
    """A confirmation code as printed or scanned."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(min=24, max=40))


# --- responses -----------------------------------------------------------------------------------


class BookingProviderSchema(ma.Schema):
    """A provider."""

    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    names = ma.fields.Dict(dump_only=True)
    address = ma.fields.String(dump_only=True)
    lat = ma.fields.Float(dump_only=True)
    lng = ma.fields.Float(dump_only=True)
    rules = ma.fields.Dict(dump_only=True)


class BookingPlaceSchema(ma.Schema):
    """Where an appointment is."""

    id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)


class NearProviderSchema(ma.Schema):
    """A provider near the centre, and how far."""

    provider = ma.fields.Nested(BookingProviderSchema, attribute="row", dump_only=True)
    distance_m = ma.fields.Float(dump_only=True)


class BookableServiceSchema(ma.Schema):
    """A service at a provider."""

    id = ma.fields.UUID(dump_only=True)
    provider_id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    department = ma.fields.String(dump_only=True)
    practitioner = ma.fields.String(dump_only=True)
    practitioner_title = ma.fields.String(dump_only=True)
    service_type = ma.fields.String(dump_only=True)
    provider_name = ma.fields.Function(lambda service: service.provider.name, dump_only=True)


class SlotSchema(ma.Schema):
    """A time with seats (FHIR Slot.status)."""

    id = ma.fields.UUID(dump_only=True)
    service_id = ma.fields.UUID(dump_only=True)
    provider_id = ma.fields.UUID(dump_only=True)
    start = ma.fields.DateTime(attribute="starts_at", dump_only=True)
    end = ma.fields.DateTime(attribute="ends_at", dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": "free | busy | busy-unavailable"})
    capacity = ma.fields.Integer(dump_only=True)
    seats_left = ma.fields.Integer(dump_only=True)


class ScheduleSchema(ma.Schema):
    """A published working plan and the slots made from it."""

    id = ma.fields.UUID(dump_only=True)
    service_id = ma.fields.UUID(dump_only=True)
    valid_from = ma.fields.Date(dump_only=True)
    valid_until = ma.fields.Date(dump_only=True)
    cancelled_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    slots = ma.fields.Integer(dump_only=True, metadata={"description": "slots made from it"})
    bookings_cancelled = ma.fields.Integer(dump_only=True)


class AppointmentEventSchema(ma.Schema):
    """A step of the appointment's timeline."""

    kind = ma.fields.String(
        dump_only=True,
        metadata={"description": "booked | cancelled | provider_cancelled | arrived | fulfilled | noshow"},
    )
    at = ma.fields.DateTime(attribute="created_at", dump_only=True)
    by = ma.fields.String(attribute="actor_kind", dump_only=True)


class AppointmentSchema(ma.Schema):
    """An appointment (FHIR Appointment.status), its confirmation code, queue and timeline."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": " | ".join(STATUSES)})
    status_label = ma.fields.String(dump_only=True)
    slot_id = ma.fields.UUID(dump_only=True)
    start = ma.fields.DateTime(attribute="starts_at", dump_only=True)
    end = ma.fields.DateTime(attribute="ends_at", dump_only=True)
    service = ma.fields.Nested(BookableServiceSchema, dump_only=True)
    provider = ma.fields.Nested(BookingPlaceSchema, dump_only=True)
    confirmation_code = ma.fields.String(dump_only=True)
    cancel_until = ma.fields.DateTime(dump_only=True)
    external_ref = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "the provider's visit number"}
    )
    queue_number = ma.fields.Integer(dump_only=True, allow_none=True)
    people_ahead = ma.fields.Integer(dump_only=True, allow_none=True)
    booked_by_id = ma.fields.UUID(dump_only=True, allow_none=True)
    alternative_slot_id = ma.fields.UUID(dump_only=True, allow_none=True)
    visit_id = ma.fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The home-care visit verified at the door that served it"},
    )
    timeline = ma.fields.List(ma.fields.Nested(AppointmentEventSchema), attribute="events", dump_only=True)


class DeskAppointmentSchema(ma.Schema):
    """A booking as the provider's desk lists it: the time, the masked name, the queue."""

    id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"description": " | ".join(STATUSES)})
    status_label = ma.fields.String(dump_only=True)
    resident_name = ma.fields.String(dump_only=True, allow_none=True, metadata={"description": "masked"})
    start = ma.fields.DateTime(attribute="starts_at", dump_only=True)
    end = ma.fields.DateTime(attribute="ends_at", dump_only=True)
    service = ma.fields.Nested(BookableServiceSchema, dump_only=True)
    queue_number = ma.fields.Integer(dump_only=True, allow_none=True)
    arrived_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    external_ref = ma.fields.String(dump_only=True, allow_none=True)
    visit_id = ma.fields.UUID(dump_only=True, allow_none=True)


class WaitlistEntrySchema(ma.Schema):
    """My place on a slot's waitlist, or the seat held for me."""

    id = ma.fields.UUID(dump_only=True)
    slot_id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"description": "waiting | offered | accepted | expired | withdrawn"}
    )
    position = ma.fields.Integer(dump_only=True, allow_none=True)
    hold_until = ma.fields.DateTime(dump_only=True, allow_none=True)
    appointment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    service = ma.fields.Nested(BookableServiceSchema, dump_only=True)
    start = ma.fields.Function(lambda entry: entry.slot.starts_at.isoformat(), dump_only=True)


class ConfirmationSchema(ma.Schema):
    """What a booking confirmation states, as anyone checking its code sees it."""

    valid = ma.fields.Constant(True, dump_only=True)
    name = ma.fields.String(dump_only=True, metadata={"description": "masked"})
    status = ma.fields.String(dump_only=True)
    start = ma.fields.DateTime(attribute="starts_at", dump_only=True)
    service = ma.fields.Nested(BookableServiceSchema, dump_only=True)
