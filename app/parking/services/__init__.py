"""Parking and traffic violations: lots and berths, plates, gate events, stays, frictionless pay, fines.

Operators are institutional clients (``parking:write``) posting gate events by plate; the traffic
police a client (``violations:write``) filing violations by plate. Residents bind plates (verified
against the holder's name by the vehicle registry, :mod:`app.parking.providers`), see their stays
and fines, and pay them through the payments ledger — with frictionless pay on, an exit is charged
at once with the exit event as the key. A family member under a ``parking`` mandate may do the same.

Violations live here, beside parking, because both hang on the plate: one binding says whose stays
and whose fines they are, and one mandate scope covers a family car's stays and fines alike.
"""

from __future__ import annotations

from app.core.cards import joined
from app.parking.services._shared import (  # noqa: F401
    DOMAIN,
    FINE_DOMAIN,
    MANDATE_SCOPE,
    OPERATOR_PAYEE,
    POLICE_PAYEE,
    POLICE_SCOPE,
    WRITE_SCOPE,
    operator_lot,
)
from app.parking.services.appeals import (  # noqa: F401
    appeal_violation,
    decide_appeal,
    escalate_appeal,
    get_appeal,
    list_appeals,
    police_appeals,
)
from app.parking.services.disputes import (  # noqa: F401
    answer_dispute,
    escalate_dispute,
    get_dispute,
    list_disputes,
    note_unanswered_disputes,
    operator_disputes,
    raise_dispute,
)
from app.parking.services.gates import (  # noqa: F401
    RESOLUTIONS,
    event_view,
    issue_pass,
    list_anomalies,
    record_gate_event,
    resolve_anomaly,
)
from app.parking.services.lots import (  # noqa: F401
    change_lot,
    get_lot,
    lots_near,
    managed_lot,
    publish_tariff,
    report_occupancy,
    save_lot,
    withdraw_tariff,
)
from app.parking.services.plates import (  # noqa: F401
    bind_plate,
    checked_plate,
    get_plate,
    holder_of,
    list_plates,
    set_frictionless,
    unbind_plate,
)
from app.parking.services.sessions import (  # noqa: F401
    get_session,
    list_sessions,
    on_payment_refunded,
    on_payment_settled,
    pay_session,
    remind_debts,
)
from app.parking.services.sessions import home_cards as session_cards
from app.parking.services.violations import (  # noqa: F401
    file_violation,
    get_violation,
    list_violations,
    on_fine_settled,
    pay_violation,
    police_violation,
    remind_fines_due,
    withdraw_violation,
)
from app.parking.services.violations import home_cards as violation_cards


def install() -> None:
    """Register parking fees and traffic fines as payment purposes (the parking mandate covers both)."""
    from app.payments import services as payments

    payments.register_purpose(
        DOMAIN, MANDATE_SCOPE, on_settled=on_payment_settled, on_refunded=on_payment_refunded
    )
    payments.register_purpose(FINE_DOMAIN, MANDATE_SCOPE, on_settled=on_fine_settled)


# The resident's unpaid stays and unpaid fines, as home cards (two queries, folded into the home's one).
home_cards = joined(session_cards, violation_cards)
