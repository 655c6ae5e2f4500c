"""The FHIR R4 shapes of a slot and an appointment, for a provider's system that speaks FHIR."""

from __future__ import annotations

from app.appointments.models import Appointment, Slot

PARTICIPANT_STATUS = {"booked": "accepted", "arrived": "accepted", "fulfilled": "accepted"}


def slot_resource(slot: Slot) -> dict:
    """A ``Slot`` resource."""
    service = slot.service
    return {
        "resourceType": "Slot",
        "id": str(slot.id),
        "schedule": {"reference": f"Schedule/{slot.schedule_id}"},
        "serviceType": [{"text": service.name}],
        "status": slot.status.value,
        "start": slot.starts_at.isoformat(),
        "end": slot.ends_at.isoformat(),
        "overbooked": slot.booked > slot.capacity,
        "comment": f"{slot.seats_left}/{slot.capacity}",
    }


def appointment_resource(appointment: Appointment) -> dict:
    """An ``Appointment`` resource."""
    service = appointment.slot.service
    resource = {
        "resourceType": "Appointment",
        "id": str(appointment.id),
        "status": appointment.status,
        "serviceType": [{"text": service.name}],
        "start": appointment.starts_at.isoformat(),
        "end": appointment.ends_at.isoformat(),
        "created": appointment.created_at.isoformat(),
        "slot": [{"reference": f"Slot/{appointment.slot_id}"}],
        "participant": [
            {
                "actor": {"reference": f"Patient/{appointment.person_id}"},
                "status": PARTICIPANT_STATUS.get(appointment.status, "declined"),
            },
            {
                "actor": {"reference": f"Location/{service.provider_id}", "display": service.provider.name},
                "status": "accepted",
            },
        ],
    }
    if appointment.external_ref:
        resource["identifier"] = [
            {"system": "urn:yimatong:provider-visit", "value": appointment.external_ref}
        ]
    if appointment.cancel_reason:
        resource["cancelationReason"] = {"text": appointment.cancel_reason}
    return resource
