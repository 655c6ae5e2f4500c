"""Appointments' scenarios: booking one slot under contention, a day's slots (see bench/appointments.py)."""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "appointment_book",
        "/api/v1/appointments",
        method="POST",
        expect=201,
        prepare="bench.appointments:booking_script",
        description="every connection books a seat in the same slot as another resident with a fresh "
        "Idempotency-Key: key claimed, the slot's row locked, the rules' counts, the appointment, its "
        "timeline, the confirmation notice and two reminders written (PostgreSQL only)",
    ),
    Scenario(
        "appointment_slots",
        "/api/v1/appointments/slots",
        prepare="bench.appointments:slots_script",
        description="a day's slots of one service: one index range on (service_id, starts_at), at "
        "BENCH_APPOINTMENT_SLOTS slots in the table",
    ),
)
