"""Lots and roadside berths: the registry, guidance to free spaces with the price of a stay, occupancy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask_babel import gettext
from sqlalchemy.orm.attributes import set_committed_value

from app.core.actors import Actor
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.geo import Point
from app.core.models import utcnow
from app.core.nearby import nearby
from app.core.policy import is_admin, is_system
from app.core.views import WithFacts, with_facts
from app.extensions import db
from app.parking.errors import TariffVersionInEffect
from app.parking.models import LotKind, ParkingLot, ParkingTariffVersion
from app.parking.services._shared import operator_lot
from app.parking.tariff import Tariff, TariffInvalid, price_stay, tariff_of

MAX_LOTS_LISTED = 50
MAX_UPCOMING = 10  # versions waiting to take effect, per lot
MAX_AHEAD = timedelta(days=366)


def _checked_tariff(data: dict) -> Tariff:
    try:
        return Tariff.from_data(data)
    except TariffInvalid as invalid:
        raise ValidationFailed({"tariff": [f"{k}: {v}" for k, v in invalid.errors.items()]}) from None


def save_lot(actor: Actor, code: str, fields: dict) -> ParkingLot:
    """Register a lot under a code, or change it (administrators, the system); a new tariff applies now."""
    if not (is_system(actor) or is_admin(actor)):
        raise Forbidden(gettext("Only an administrator can register lots."))
    tariff = _checked_tariff(fields["tariff"])
    if fields.get("kind", LotKind.LOT) not in {kind.value for kind in LotKind}:
        raise ValidationFailed({"kind": [gettext("Unknown kind of lot.")]})
    lot = db.session.scalar(db.select(ParkingLot).where(ParkingLot.code == code).with_for_update())
    if lot is None:
        lot = ParkingLot(code=code, occupied=0, tariff=tariff.to_data())
        db.session.add(lot)
    elif lot.tariff_now != tariff.to_data():
        _add_version(lot, utcnow(), tariff, actor.client_id or "admin")
    lot.set_names(fields["names"])
    lot.operator_client_id = fields["operator_client_id"]
    lot.kind = fields.get("kind", LotKind.LOT)
    lot.address = fields.get("address", "")
    lot.capacity = fields["capacity"]
    lot.opening_hours = fields.get("opening_hours", "00:00-24:00")
    lot.active = fields.get("active", True)
    lot.place_at(fields["point"])
    db.session.flush()
    return lot


def managed_lot(actor: Actor, code: str) -> ParkingLot:
    """One of the acting operator's lots, active or not, with its occupancy and upcoming tariffs."""
    return operator_lot(actor, code)


def change_lot(actor: Actor, code: str, changes: dict) -> ParkingLot:
    """The operator changes its own lot: capacity, tariff (in effect from now), hours, open.

    A capacity below the spaces taken leaves the lot full until cars leave; a new tariff is a version
    taking effect now: a stay in progress is priced by the old one until now and by the new one after.
    """
    lot = operator_lot(actor, code, lock=True)
    if "tariff" in changes:
        _add_version(lot, utcnow(), _checked_tariff(changes["tariff"]), actor.client_id)
    for name in ("capacity", "opening_hours", "active"):
        if name in changes:
            setattr(lot, name, changes[name])
    db.session.flush()
    return lot


def publish_tariff(actor: Actor, code: str, tariff: dict, effective_at: datetime) -> ParkingTariffVersion:
    """The operator publishes a version of its lot's tariff to take effect at a later moment.

    Drivers see it on the lot until then; a stay that crosses the moment is priced by each version
    for its part. A version published again for the same moment replaces the first.
    """
    lot = operator_lot(actor, code, lock=True)
    now, effective_at = utcnow(), effective_at.astimezone(UTC)
    if effective_at <= now:
        raise ValidationFailed({"effective_at": [gettext("Give a moment in the future.")]})
    if effective_at > now + MAX_AHEAD:
        raise ValidationFailed({"effective_at": [gettext("At most a year ahead.")]})
    pending = [v for v in lot.upcoming_tariffs if v.effective_at != effective_at]
    if len(pending) >= MAX_UPCOMING:
        message = gettext("At most %(count)s versions may wait to take effect.", count=MAX_UPCOMING)
        raise ValidationFailed({"effective_at": [message]})
    return _add_version(lot, effective_at, _checked_tariff(tariff), actor.client_id)


def withdraw_tariff(actor: Actor, code: str, version_id: uuid.UUID) -> None:
    """The operator withdraws a version that has not taken effect yet (404 for another lot's)."""
    lot = operator_lot(actor, code, lock=True)
    version = db.session.get(ParkingTariffVersion, version_id)
    if version is None or version.lot_id != lot.id:
        raise NotFound()
    if version.effective_at <= utcnow():
        raise TariffVersionInEffect()
    db.session.delete(version)
    db.session.flush()
    db.session.expire(lot, ["tariff_versions"])


def _add_version(lot: ParkingLot, effective_at: datetime, tariff: Tariff, by: str) -> ParkingTariffVersion:
    """A version of the lot's tariff in effect from ``effective_at`` (the same moment: replaced)."""
    version = db.session.scalar(
        db.select(ParkingTariffVersion).where(
            ParkingTariffVersion.lot_id == lot.id, ParkingTariffVersion.effective_at == effective_at
        )
    )
    if version is None:
        version = ParkingTariffVersion(lot_id=lot.id, effective_at=effective_at)
        db.session.add(version)
    version.tariff, version.published_by = tariff.to_data(), by or ""
    lot.has_tariff_versions = True
    db.session.flush()
    db.session.expire(lot, ["tariff_versions"])
    return version


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
    shown = found[:limit]
    _load_versions([near.row for near in shown])
    now = utcnow()
    return [_with_price(near.row, now, stay_minutes, distance_m=round(near.distance_m)) for near in shown]


def _load_versions(lots: list[ParkingLot]) -> None:
    """The tariff versions of the lots that have some, in one statement."""
    versioned = [lot for lot in lots if lot.has_tariff_versions]
    if not versioned:
        return
    rows = db.session.scalars(
        db.select(ParkingTariffVersion)
        .where(ParkingTariffVersion.lot_id.in_([lot.id for lot in versioned]))
        .order_by(ParkingTariffVersion.effective_at)
    ).all()
    for lot in versioned:
        set_committed_value(lot, "tariff_versions", [row for row in rows if row.lot_id == lot.id])


def _with_price(lot: ParkingLot, now: datetime, stay_minutes: int, **facts) -> WithFacts:
    """The lot with the price of a stay from now (across a published change of its tariff)."""
    quote = price_stay(
        tariff_of(lot.tariff), now, now + timedelta(minutes=stay_minutes), changes=lot.tariff_changes
    )
    return with_facts(lot, stay_fee_fen=quote.fee_fen, stay_minutes=stay_minutes, **facts)


def get_lot(lot_id, stay_minutes: int = 60) -> WithFacts:
    """One active lot, with its tariff, its next change and the price of an intended stay."""
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
