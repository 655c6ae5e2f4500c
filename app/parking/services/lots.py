"""Lots and roadside berths: the registry, guidance to free spaces with the price of a stay, occupancy."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext

from app.core.actors import Actor
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.geo import Point
from app.core.models import utcnow
from app.core.nearby import nearby
from app.core.policy import is_admin, is_system
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.parking.models import LotKind, ParkingLot
from app.parking.services._shared import operator_lot
from app.parking.tariff import Tariff, TariffInvalid, price_stay

MAX_LOTS_LISTED = 50


def _checked_tariff(data: dict) -> Tariff:
    try:
        return Tariff.from_data(data)
    except TariffInvalid as invalid:
        raise ValidationFailed({"tariff": [f"{k}: {v}" for k, v in invalid.errors.items()]}) from None


def save_lot(actor: Actor, code: str, fields: dict) -> ParkingLot:
    """Register a lot under a code, or change it (administrators, the system)."""
    if not (is_system(actor) or is_admin(actor)):
        raise Forbidden(gettext("Only an administrator can register lots."))
    tariff = _checked_tariff(fields["tariff"])
    if fields.get("kind", LotKind.LOT) not in {kind.value for kind in LotKind}:
        raise ValidationFailed({"kind": [gettext("Unknown kind of lot.")]})
    lot = db.session.scalar(db.select(ParkingLot).where(ParkingLot.code == code).with_for_update())
    if lot is None:
        lot = ParkingLot(code=code, occupied=0)
        db.session.add(lot)
    lot.set_names(fields["names"])
    lot.operator_client_id = fields["operator_client_id"]
    lot.kind = fields.get("kind", LotKind.LOT)
    lot.address = fields.get("address", "")
    lot.capacity = fields["capacity"]
    lot.opening_hours = fields.get("opening_hours", "00:00-24:00")
    lot.tariff = tariff.to_data()
    lot.active = fields.get("active", True)
    lot.place_at(fields["point"])
    db.session.flush()
    return lot


def managed_lot(actor: Actor, code: str) -> ParkingLot:
    """One of the acting operator's lots, active or not, with its occupancy."""
    return operator_lot(actor, code)


def change_lot(actor: Actor, code: str, changes: dict) -> ParkingLot:
    """The operator changes its own lot: capacity, tariff (prices stays that end from now), hours, open.

    A capacity below the spaces taken leaves the lot full until cars leave; a new tariff prices every
    stay that ends after the change, as the gate prices a stay at its exit.
    """
    lot = operator_lot(actor, code, lock=True)
    if "tariff" in changes:
        lot.tariff = _checked_tariff(changes["tariff"]).to_data()
    for name in ("capacity", "opening_hours", "active"):
        if name in changes:
            setattr(lot, name, changes[name])
    db.session.flush()
    return lot


def lots_near(centre: Point, *, radius: int, stay_minutes: int, limit: int = 20) -> list[WithFacts]:
    """Active lots within ``radius`` metres: free spaces first, nearest first, with the stay's price."""
    found = nearby(
        db.select(ParkingLot).where(ParkingLot.active.is_(True)),
        ParkingLot,
        centre,
        radius_m=radius,
        limit=MAX_LOTS_LISTED,
    )
    found.sort(
        key=lambda near: (near.row.free_spaces == 0, round(near.distance_m / 100), -near.row.free_spaces)
    )
    now = utcnow()
    return [
        _with_price(near.row, now, stay_minutes, distance_m=round(near.distance_m)) for near in found[:limit]
    ]


def _with_price(lot: ParkingLot, now: datetime, stay_minutes: int, **facts) -> WithFacts:
    quote = price_stay(lot.rules, now, now + timedelta(minutes=stay_minutes))
    return with_facts(lot, stay_fee_fen=quote.fee_fen, stay_minutes=stay_minutes, **facts)


def get_lot(lot_id, stay_minutes: int = 60) -> WithFacts:
    """One active lot, with its tariff and the price of an intended stay."""
    lot = db.session.get(ParkingLot, lot_id)
    if lot is None or not lot.active:
        raise NotFound()
    return _with_price(lot, utcnow(), stay_minutes, distance_m=None)


def report_occupancy(actor: Actor, code: str, occupied: int) -> ParkingLot:
    """The operator says how many spaces are taken now (sensors, a count at the gates)."""
    lot = operator_lot(actor, code, lock=True)
    if occupied > lot.capacity:
        message = gettext("At most the lot's capacity (%(capacity)s).", capacity=lot.capacity)
        raise ValidationFailed({"occupied": [message]})
    lot.occupied, lot.occupancy_reported_at = occupied, utcnow()
    db.session.flush()
    return lot
