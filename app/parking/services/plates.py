"""Plates: a resident binds up to three, verified against the holder's name; frictionless pay per plate."""

from __future__ import annotations

import uuid

from flask_babel import gettext

from app.core import access
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import ValidationFailed
from app.core.models import add_new, utcnow
from app.core.policy import acting_for
from app.extensions import db
from app.parking.errors import PlateAlreadyBound, PlateNotConfirmed
from app.parking.models import MAX_PLATES, Plate, is_valid_plate, normalize_plate
from app.parking.providers import registry
from app.parking.services._shared import MANDATE_SCOPE


def list_plates(actor: Actor) -> list[Plate]:
    """The resident's plates (a family member with a parking mandate sees the grantor's), oldest first."""
    resident = access.list_owner(actor, MANDATE_SCOPE, "parking_plate")
    return list(db.session.scalars(db.select(Plate).where(Plate.person_id == resident).order_by(Plate.id)))


def get_plate(actor: Actor, plate_id: uuid.UUID, *, lock: bool = False, action=AuditAction.READ) -> Plate:
    """One of the resident's plates (404 for anyone else's)."""
    return access.load_private(actor, Plate, plate_id, scope=MANDATE_SCOPE, lock=lock, action=action)


def checked_plate(number: str, field: str = "number") -> str:
    """The plate normalized, or a 422 naming ``field``."""
    plate = normalize_plate(number)
    if not is_valid_plate(plate):
        message = gettext("Not a Chinese plate: 7 characters (8 for new-energy), e.g. 贵A12345.")
        raise ValidationFailed({field: [message]})
    return plate


def bind_plate(actor: Actor, number: str, holder_name: str, frictionless: bool = False) -> Plate:
    """Bind a plate once the vehicle registry confirms the holder's name; one plate, one holder."""
    resident = acting_for(actor, MANDATE_SCOPE)
    plate = checked_plate(number)
    holder_name = holder_name.strip()
    if not holder_name:
        raise ValidationFailed({"holder_name": [gettext("Give the name the vehicle is registered in.")]})
    if db.session.scalar(db.select(Plate.id).where(Plate.number == plate)) is not None:
        raise PlateAlreadyBound()
    count = db.session.scalar(
        db.select(db.func.count()).select_from(Plate).where(Plate.person_id == resident)
    )
    if count >= MAX_PLATES:
        raise ValidationFailed({"number": [gettext("You can bind at most %(max)s plates.", max=MAX_PLATES)]})
    answer = registry().check_holder(plate, holder_name)
    if not answer.confirmed:
        raise PlateNotConfirmed(answer.reason, reason_code=answer.reason_code)
    record = Plate(
        person_id=resident,
        number=plate,
        holder_name=holder_name,
        frictionless=frictionless,
        verified_by=registry().name,
        verified_at=utcnow(),
        bound_by_id=actor.person_id,
    )
    if not add_new(record):
        raise PlateAlreadyBound()
    return record


def set_frictionless(actor: Actor, plate_id: uuid.UUID, enabled: bool) -> Plate:
    """Turn frictionless pay (无感支付) on or off: exits of the plate are charged without stopping."""
    plate = get_plate(actor, plate_id, lock=True, action=AuditAction.CHANGE)
    plate.frictionless = enabled
    db.session.flush()
    return plate


def unbind_plate(actor: Actor, plate_id: uuid.UUID) -> Plate:
    """Remove a plate (returned as it was); its past stays and paid fines stay in the history."""
    plate = get_plate(actor, plate_id, lock=True, action=AuditAction.DELETE)
    db.session.delete(plate)
    db.session.flush()
    return plate


def holder_of(number: str) -> Plate | None:
    """The binding of a plate, if someone holds it."""
    return db.session.scalar(db.select(Plate).where(Plate.number == number))
