"""What every part of parking shares: its names, scopes and the operator's lot look-up."""

from __future__ import annotations

import logging

from sqlalchemy import Date, Integer, bindparam, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

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


# --- late fees in SQL, for the home's one statement ------------------------------------------------


class _DaysAfter(FunctionElement):
    """Whole days from ``earlier`` to ``later`` (two dates), in each database's own date arithmetic."""

    type = Integer()
    name = "days_after"
    inherit_cache = True


@compiles(_DaysAfter)
def _days_after(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({later} - {earlier})"


@compiles(_DaysAfter, "sqlite")
def _days_after_sqlite(element, compiler, **kw) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def late_fee_due(principal, last_free_day, daily_permille, cap_pct):
    """The late fee due on the day bound as ``today``, as ``LateFeeRule.fee_after`` counts it, in SQL.

    Each argument is a column or a number; a row whose last free day or rate is NULL owes none.
    """
    daily_permille, cap_pct = (literal(v) if isinstance(v, int) else v for v in (daily_permille, cap_pct))
    days = _DaysAfter(bindparam("today", type_=Date), last_free_day)
    exact = (principal * daily_permille * days + 500) // 1000  # rounded half up to the fen
    cap = principal * cap_pct // 100
    return case(
        (last_free_day.is_(None) | daily_permille.is_(None) | (days <= 0), 0),
        (exact < cap, exact),
        else_=cap,
    )
