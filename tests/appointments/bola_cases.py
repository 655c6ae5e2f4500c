"""BOLA cases of appointments: another resident never sees the owner's bookings or waitlist places."""

from app.appointments import services
from app.core import clock
from app.core.actors import Actor, ActorKind
from app.identity import services as identity
from tests.appointments import helpers
from tests.bola import BolaContext, bola_case, exempt


def _verified_owner(ctx: BolaContext):
    identity.verify_real_name(
        Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id), "资源所有人", helpers.national_id()
    )
    return Actor(kind=ActorKind.PERSON, person_id=ctx.owner.id)


def _tomorrow_slots(seats=1):
    day = clock.utcnow().astimezone(helpers.SHANGHAI).date() + helpers.timedelta(days=2)
    return helpers.publish(seats=seats, day=day, rules={"window_days": 7})[3]


def _booking(ctx: BolaContext):
    return services.book(_verified_owner(ctx), _tomorrow_slots()[0].id)


def _waiting(ctx: BolaContext):
    slot = _tomorrow_slots()[0]
    someone = helpers.verified(ctx.make_person, "先到者")
    services.book(helpers.as_person(someone), slot.id)
    return services.join_waitlist(_verified_owner(ctx), slot.id).record


@bola_case("GET", "/api/v1/appointments/{appointment_id}")
def owners_appointment(ctx: BolaContext) -> dict:
    """The owner reads the booking and its confirmation code; another resident gets 404."""
    booking = _booking(ctx)
    return {"appointment_id": booking.id, "secret": services.confirmation_code(booking)}


@bola_case("GET", "/api/v1/appointments/{appointment_id}/fhir")
def owners_appointment_fhir(ctx: BolaContext) -> dict:
    """The owner reads the booking as FHIR; another resident gets 404."""
    booking = _booking(ctx)
    return {"appointment_id": booking.id, "secret": booking.external_ref}


@bola_case("POST", "/api/v1/appointments/{appointment_id}/cancel")
def owners_cancel(ctx: BolaContext) -> dict:
    """Only the owner cancels the booking."""
    booking = _booking(ctx)
    return {"appointment_id": booking.id, "secret": services.confirmation_code(booking)}


@bola_case("GET", "/api/v1/appointments", collection=True)
def owners_appointments(ctx: BolaContext) -> dict:
    """Another resident's list never shows the owner's booking."""
    return {"secret": services.confirmation_code(_booking(ctx))}


@bola_case("GET", "/api/v1/appointments/waitlist/{entry_id}")
def owners_waitlist_entry(ctx: BolaContext) -> dict:
    """The owner reads their waitlist place; another resident gets 404."""
    entry = _waiting(ctx)
    return {"entry_id": entry.id, "secret": str(entry.id)}


@bola_case("POST", "/api/v1/appointments/waitlist/{entry_id}/withdraw")
def owners_withdraw(ctx: BolaContext) -> dict:
    """Only the owner leaves their waitlist place."""
    entry = _waiting(ctx)
    return {"entry_id": entry.id, "secret": str(entry.id)}


PUBLIC = "public reference data (providers, slots): the same for everyone, nobody's private record"
for rule in (
    "/api/v1/appointments/providers/<uuid:provider_id>",
    "/api/v1/appointments/slots/<uuid:slot_id>",
    "/api/v1/appointments/slots/<uuid:slot_id>/fhir",
    "/api/v1/appointments/slots/<uuid:slot_id>/waitlist",
):
    exempt(rule, PUBLIC)
exempt(
    "/api/v1/appointments/waitlist/<uuid:entry_id>/accept",
    "needs an Idempotency-Key, which the sweep does not send: another resident's accept is a 404 in "
    "tests/appointments/test_story.py::test_another_hospital_and_another_resident_see_nothing",
)
INSTITUTION_ONLY = (
    "a provider's route: residents are refused (403, kinds=client); a provider reaches only its own "
    "providers, services, plans and bookings "
    "(tests/appointments/test_story.py: another hospital sees nothing; tests/appointments/test_desk.py: "
    "another hospital reaches no desk)"
)
for rule in (
    "/api/v1/appointments/institution/providers/<uuid:provider_id>/rules",
    "/api/v1/appointments/institution/providers/<uuid:provider_id>/services",
    "/api/v1/appointments/institution/services/<uuid:service_id>/schedules",
    "/api/v1/appointments/institution/schedules/<uuid:schedule_id>/withdraw",
    "/api/v1/appointments/institution/appointments/<uuid:appointment_id>",
    "/api/v1/appointments/institution/appointments/<uuid:appointment_id>/fulfil",
    "/api/v1/appointments/institution/appointments/<uuid:appointment_id>/arrive",
    "/api/v1/appointments/institution/appointments/<uuid:appointment_id>/noshow",
    "/api/v1/appointments/institution/providers/<uuid:provider_id>/appointments",
):
    exempt(rule, INSTITUTION_ONLY)
