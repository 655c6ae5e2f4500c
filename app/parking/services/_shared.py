"""What every part of parking shares: its names, scopes and the operator's lot look-up."""

from __future__ import annotations

import logging

from app.core.actors import Actor, MandateScope
from app.core.errors import NotFound
from app.core.policy import is_client
from app.extensions import db
from app.parking.errors import NotTheOperator
from app.parking.models import ParkingLot

log = logging.getLogger(__name__)

DOMAIN = "parking"  # the payment purpose of parking fees
FINE_DOMAIN = "traffic_fine"  # the payment purpose of traffic fines
MANDATE_SCOPE = MandateScope.PARKING  # a family car: the mandate covers both
WRITE_SCOPE = "parking:write"  # operators: gate events, occupancy, passes, anomalies
POLICE_SCOPE = "violations:write"  # the traffic police: filing violations
OPERATOR_PAYEE, POLICE_PAYEE = "parking_operator", "traffic_police"


def operator_lot(actor: Actor, code: str, *, lock: bool = False) -> ParkingLot:
    """The lot ``code`` if the acting client operates it (404 for a lot that does not exist)."""
    stmt = db.select(ParkingLot).where(ParkingLot.code == code)
    if lock:
        stmt = stmt.with_for_update()
    lot = db.session.scalar(stmt)
    if lot is None:
        raise NotFound()
    if not is_client(actor, lot.operator_client_id, WRITE_SCOPE):
        raise NotTheOperator()
    return lot
