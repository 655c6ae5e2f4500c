"""The problem types of appointments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.errors import AppError, Conflict, Forbidden, NotFound


class NotTheProvider(Forbidden):
    """The caller is not an institution client allowed to publish appointments."""

    code = "not-an-appointments-provider"
    title = _l("Not an appointments provider")
    default_detail = _l(
        "Only a hospital's or service hall's client with the scope appointments:write does this."
    )


class SlotFull(Conflict):
    """Every seat of the slot is taken (or held for someone on the waitlist)."""

    code = "slot-full"
    title = _l("No seats left")
    default_detail = _l("Every seat of this time is taken. Join its waitlist to be offered a freed seat.")


class SlotUnavailable(Conflict):
    """The slot was withdrawn by the provider, or has begun."""

    code = "slot-unavailable"
    title = _l("Time not available")
    default_detail = _l("This time can no longer be booked.")


class BookingNotOpen(Conflict):
    """The slot's day is not yet within the booking window."""

    code = "booking-not-open"
    title = _l("Booking not open yet")
    default_detail = _l("Booking for this day has not opened yet.")


class QuotaReached(Conflict):
    """The resident already holds as many bookings as the provider allows."""

    code = "booking-quota-reached"
    title = _l("Booking limit reached")
    default_detail = _l("You already hold as many bookings as this provider allows.")


class BookingSuspended(Conflict):
    """Missed appointments suspend booking for a while."""

    code = "booking-suspended"
    title = _l("Booking suspended")
    default_detail = _l("You missed appointments without cancelling, so booking is suspended for a while.")


class AlreadyBooked(Conflict):
    """The resident already has a seat in this slot."""

    code = "already-booked"
    title = _l("Already booked")
    default_detail = _l("You already hold a seat at this time.")


class RealNameRequired(AppError):
    """The provider books by real name only."""

    status, code = 409, "real-name-required"
    title = _l("Real-name verification needed")
    default_detail = _l("This provider books by real name. Verify your real name first.")


class CancellationClosed(Conflict):
    """Past the provider's cancellation deadline, or the appointment is no longer booked."""

    code = "cancellation-closed"
    title = _l("Cannot cancel")
    default_detail = _l("This appointment can no longer be cancelled.")


class AlreadyWaiting(Conflict):
    """The resident is already on this slot's waitlist, or holds a seat in it."""

    code = "already-waiting"
    title = _l("Already on the waitlist")
    default_detail = _l("You are already waiting for this time, or hold a seat in it.")


class SeatsLeft(Conflict):
    """A slot with seats left has no waitlist: book it."""

    code = "seats-left"
    title = _l("Seats are left")
    default_detail = _l("This time still has seats: book it instead of waiting.")


class OfferGone(Conflict):
    """The waitlist offer expired, was accepted already, or was never made."""

    code = "offer-gone"
    title = _l("Offer no longer open")
    default_detail = _l("This seat is no longer held for you.")


class NothingToCheckIn(Conflict):
    """The scanned resident holds no appointment at this provider today."""

    code = "nothing-to-check-in"
    title = _l("No appointment today")
    default_detail = _l("This resident has no booked appointment here today.")


class CityCodeRefused(Conflict):
    """The scanned city code did not verify."""

    code = "city-code-refused"
    title = _l("City code refused")
    default_detail = _l("The city code did not verify. Ask the resident to refresh it.")


class NotCheckedIn(Conflict):
    """Only an appointment that checked in can be marked done."""

    code = "not-checked-in"
    title = _l("Not checked in")
    default_detail = _l("Only a checked-in appointment can be marked done.")


class NotDueYet(Conflict):
    """A booking is a no-show only once its time has begun; checked in only on its day."""

    code = "appointment-not-due"
    title = _l("Not its time")
    default_detail = _l("This can be done only on the appointment's day, once its time has begun.")


class NotBooked(Conflict):
    """The desk acts only on a booking still booked (not checked in, cancelled or missed already)."""

    code = "appointment-not-booked"
    title = _l("Not booked")
    default_detail = _l("This appointment is no longer waiting for its resident.")


class ConfirmationNotVerified(NotFound):
    """No booking confirmation has this code, or its signature does not match what it states."""

    code = "confirmation-not-verified"
    title = _l("Confirmation not verified")
    default_detail = _l("No booking confirmation matches this code. It may be fake or altered.")


class NotTheirBooking(AppError):
    """A home visit names a booking of someone else than the person at the door, or of another service."""

    status, code = 422, "visit-booking-mismatch"
    title = _l("Not this visit's booking")
    default_detail = _l(
        "The booking is not of the person whose code was scanned at the door, or not of this service."
    )
