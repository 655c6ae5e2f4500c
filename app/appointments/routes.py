"""Appointments over HTTP: the public search, residents and guardians, providers' clients."""

from __future__ import annotations

from app.appointments import fhir, services
from app.appointments.schemas import (
    AppointmentSchema,
    AppointmentsQuerySchema,
    BookableServiceSchema,
    BookingProviderSchema,
    BookSchema,
    CheckInSchema,
    ConfirmationSchema,
    DeskAppointmentSchema,
    DeskDayQuerySchema,
    NearbyProvidersQuerySchema,
    NearProviderSchema,
    ProviderCreateSchema,
    ProvidersQuerySchema,
    RulesUpdateSchema,
    ScheduleCreateSchema,
    ScheduleSchema,
    ServiceCreateSchema,
    ServicesQuerySchema,
    SlotSchema,
    SlotsQuerySchema,
    VerifyQuerySchema,
    WaitlistEntrySchema,
)
from app.core.actors import ActorKind
from app.core.api import ApiBlueprint, current_actor
from app.core.pagination import PageArgsSchema, page_schema
from app.core.replicas import replica_ok
from app.core.views import with_facts
from app.extensions import limiter

blp = ApiBlueprint(
    "appointments", __name__, description="Appointments (预约挂号, 办事预约): find a time, book, wait, cancel"
)
institution_blp = ApiBlueprint(
    "appointments_institution",
    __name__,
    description="Hospitals and service halls: publish providers, services and plans; check residents in",
)
INSTITUTION = {"kinds": (ActorKind.CLIENT,), "scopes": ("appointments:write",)}
FHIR_DOC = {
    "responses": {
        "200": {
            "description": "A FHIR R4 resource",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
}


# --- the public search ----------------------------------------------------------------------------


@blp.route("/appointments/providers")
@blp.arguments(ProvidersQuerySchema, location="query")
@blp.response(200, page_schema(BookingProviderSchema))
def list_providers(args):
    """Hospitals, service halls and community services; by kind and name."""
    return services.list_providers(**args)


@blp.route("/appointments/providers/nearby")
@replica_ok
@blp.arguments(NearbyProvidersQuerySchema, location="query")
@blp.response(200, NearProviderSchema(many=True))
def providers_nearby(args):
    """Providers near a point, nearest first (GCJ-02 accepted)."""
    return services.providers_nearby(**args)


@blp.route("/appointments/providers/<uuid:provider_id>")
@blp.response(200, BookingProviderSchema)
def get_provider(provider_id):
    """A provider and its booking rules."""
    return services.get_provider(provider_id)


@blp.route("/appointments/services")
@blp.arguments(ServicesQuerySchema, location="query")
@blp.response(200, page_schema(BookableServiceSchema))
def list_services(args):
    """Departments, doctors' clinics and counters: of a provider, by name, by practitioner."""
    return services.list_services(**args)


@blp.route("/appointments/slots")
@blp.arguments(SlotsQuerySchema, location="query")
@blp.response(200, SlotSchema(many=True))
def day_slots(args):
    """A day's slots of a service or of a provider, in time order, with the seats left."""
    return services.day_slots(
        day=args["date"],
        service_id=args["service_id"],
        provider_id=args["provider_id"],
        available=args["available"],
    )


@blp.route("/appointments/slots/<uuid:slot_id>")
@blp.response(200, SlotSchema)
def get_slot(slot_id):
    """One slot and its seats left."""
    return services.slot(slot_id)


@blp.route("/appointments/slots/<uuid:slot_id>/fhir")
@blp.doc(**FHIR_DOC)
def slot_fhir(slot_id):
    """One slot as a FHIR ``Slot``."""
    return fhir.slot_resource(services.slot(slot_id))


@blp.route("/appointments/confirmations/verify")
@limiter.limit("30 per minute")
@blp.arguments(VerifyQuerySchema, location="query")
@blp.response(200, ConfirmationSchema)
def verify_confirmation(args):
    """Check a booking confirmation by its code (anyone): the masked name and what it states."""
    return services.verify_confirmation(args["code"])


# --- residents and guardians ----------------------------------------------------------------------


@blp.route("/appointments", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.arguments(BookSchema)
@blp.response(201, AppointmentSchema)
def book(body):
    """Book a seat in a slot (send an Idempotency-Key); the provider's rules apply.

    Refusals: 409 ``slot-full`` (join the waitlist), ``booking-not-open``, ``booking-quota-reached``,
    ``booking-suspended`` (missed appointments), ``real-name-required``, ``already-booked``,
    ``slot-unavailable``.
    """
    return services.appointment_view(services.book(current_actor(), body["slot_id"]))


@blp.route("/appointments")
@blp.auth()
@blp.arguments(AppointmentsQuerySchema, location="query")
@blp.response(200, page_schema(AppointmentSchema))
def my_appointments(args):
    """My appointments, newest booked first; by status."""
    return services.my_appointments(current_actor(), **args)


@blp.route("/appointments/<uuid:appointment_id>")
@blp.auth()
@blp.response(200, AppointmentSchema)
def get_appointment(appointment_id):
    """One of my appointments: status, timeline, confirmation code, queue number and people ahead."""
    return services.get_appointment(current_actor(), appointment_id)


@blp.route("/appointments/<uuid:appointment_id>/fhir")
@blp.auth()
@blp.doc(**FHIR_DOC)
def appointment_fhir(appointment_id):
    """One of my appointments as a FHIR ``Appointment``."""
    return fhir.appointment_resource(services.load_appointment(current_actor(), appointment_id))


@blp.route("/appointments/<uuid:appointment_id>/cancel", methods=["POST"])
@blp.auth()
@blp.response(200, AppointmentSchema)
def cancel(appointment_id):
    """Cancel my booking before the provider's deadline (409 ``cancellation-closed`` after it)."""
    return services.appointment_view(services.cancel(current_actor(), appointment_id))


@blp.route("/appointments/slots/<uuid:slot_id>/waitlist", methods=["POST"])
@blp.auth()
@blp.response(201, WaitlistEntrySchema)
def join_waitlist(slot_id):
    """Wait for a seat in a full slot; a freed seat is held for the first waiting, for a while."""
    return services.join_waitlist(current_actor(), slot_id)


@blp.route("/appointments/waitlist")
@blp.auth()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(WaitlistEntrySchema))
def my_waitlist(args):
    """My places on waitlists and the seats held for me, newest first."""
    return services.my_waitlist(current_actor(), **args)


@blp.route("/appointments/waitlist/<uuid:entry_id>")
@blp.auth()
@blp.response(200, WaitlistEntrySchema)
def get_waitlist_entry(entry_id):
    """One of my waitlist places: my position, or until when a seat is held for me."""
    return services.get_entry(current_actor(), entry_id)


@blp.route("/appointments/waitlist/<uuid:entry_id>/accept", methods=["POST"])
@blp.auth()
@blp.idempotent()
@blp.response(201, AppointmentSchema)
def accept_offer(entry_id):
    """Take the seat held for me (send an Idempotency-Key): it is booked at once (409 ``offer-gone`` late)."""
    return services.appointment_view(services.accept_offer(current_actor(), entry_id))


@blp.route("/appointments/waitlist/<uuid:entry_id>/withdraw", methods=["POST"])
@blp.auth()
@blp.response(200, WaitlistEntrySchema)
def withdraw(entry_id):
    """Leave the waitlist; a seat held for me goes to the next."""
    return services.withdraw(current_actor(), entry_id)


# --- providers' clients ---------------------------------------------------------------------------


@institution_blp.route("/appointments/institution/providers", methods=["POST"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(ProviderCreateSchema)
@institution_blp.response(201, BookingProviderSchema)
def create_provider(body):
    """Publish a hospital, service hall or community service, with its booking rules."""
    return services.create_provider(current_actor(), **body)


@institution_blp.route("/appointments/institution/providers/<uuid:provider_id>/rules", methods=["PUT"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(RulesUpdateSchema)
@institution_blp.response(200, BookingProviderSchema)
def update_rules(body, provider_id):
    """Replace one of my providers' booking rules."""
    return services.update_rules(current_actor(), provider_id, body["rules"])


@institution_blp.route("/appointments/institution/providers/<uuid:provider_id>/services", methods=["POST"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(ServiceCreateSchema)
@institution_blp.response(201, BookableServiceSchema)
def add_service(body, provider_id):
    """Add a department, a doctor's clinic or a counter's business to one of my providers."""
    return services.add_service(current_actor(), provider_id, **body)


@institution_blp.route("/appointments/institution/services/<uuid:service_id>/schedules", methods=["POST"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(ScheduleCreateSchema)
@institution_blp.response(201, ScheduleSchema)
def publish_schedule(body, service_id):
    """Publish a working plan of one of my services; its slots are made at once (holidays skipped)."""
    schedule, count = services.publish_schedule(current_actor(), service_id, **body)
    return with_facts(schedule, slots=count, bookings_cancelled=0)


@institution_blp.route("/appointments/institution/schedules/<uuid:schedule_id>/withdraw", methods=["POST"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.response(200, ScheduleSchema)
def withdraw_schedule(schedule_id):
    """Withdraw a plan: its future slots close, everyone booked is told and offered another time."""
    schedule, cancelled = services.withdraw_schedule(current_actor(), schedule_id)
    return with_facts(schedule, slots=0, bookings_cancelled=cancelled)


@institution_blp.route("/appointments/institution/check-in", methods=["POST"])
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(CheckInSchema)
@institution_blp.response(200, AppointmentSchema)
def check_in(body):
    """Scan a resident's city code: today's booking here is checked in, with a queue number."""
    return services.check_in(current_actor(), body["code"])


@institution_blp.route("/appointments/institution/appointments/<uuid:appointment_id>")
@institution_blp.auth(**INSTITUTION)
@institution_blp.doc(**FHIR_DOC)
def provider_appointment(appointment_id):
    """A booking at one of my providers, as a FHIR ``Appointment`` (written to the resident's access log)."""
    return fhir.appointment_resource(services.provider_appointment(current_actor(), appointment_id))


@institution_blp.route(
    "/appointments/institution/appointments/<uuid:appointment_id>/fulfil", methods=["POST"]
)
@institution_blp.auth(**INSTITUTION)
@institution_blp.response(200, AppointmentSchema)
def fulfil(appointment_id):
    """Mark a checked-in appointment done."""
    return services.fulfil(current_actor(), appointment_id)


@institution_blp.route("/appointments/institution/providers/<uuid:provider_id>/appointments")
@institution_blp.auth(**INSTITUTION)
@institution_blp.arguments(DeskDayQuerySchema, location="query")
@institution_blp.response(200, page_schema(DeskAppointmentSchema))
def desk_day(args, provider_id):
    """A day's bookings at one of my providers (today by default), in booking order; names masked."""
    day = args.pop("date")
    return services.desk_day(current_actor(), provider_id, day=day, **args)


@institution_blp.route(
    "/appointments/institution/appointments/<uuid:appointment_id>/arrive", methods=["POST"]
)
@institution_blp.auth(**INSTITUTION)
@institution_blp.response(200, AppointmentSchema)
def desk_check_in(appointment_id):
    """Check a resident in at the desk by their booking of today (no city code at hand)."""
    return services.desk_check_in(current_actor(), appointment_id)


@institution_blp.route(
    "/appointments/institution/appointments/<uuid:appointment_id>/noshow", methods=["POST"]
)
@institution_blp.auth(**INSTITUTION)
@institution_blp.response(200, AppointmentSchema)
def mark_noshow(appointment_id):
    """Mark a booking whose time has begun a no-show (it counts towards the booking bans)."""
    return services.mark_noshow(current_actor(), appointment_id)
