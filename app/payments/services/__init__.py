"""Payment intents, refunds, provider callbacks, reconciliation and settlement reports.

How other domains use payments (bills, parking, commerce):

1. At start-up, register the purpose domain and the mandate scope that covers paying for it:
   ``register_purpose("bills", MandateScope.BILLS, on_settled=..., on_refunded=...)``.
   ``on_settled(PaymentOutcome)`` runs exactly once per intent, inside the transaction that records
   its end (succeeded, failed or cancelled); ``on_refunded(RefundOutcome)`` once per refund.
2. Charge: ``create_intent(actor, payer_id, Payee(kind, id), Money(fen), Purpose("bills", (bill ids)),
   idempotency_key)`` from an operation that holds the key under the kernel's idempotency contract
   (``@blp.idempotent()``, or ``idempotency.run_once`` off the web). Money moves once because each
   purpose id is claimed by one intent at a time: while an intent for any of them is pending or
   succeeded, a new one is refused (PaymentInProgress / AlreadyPaid, both 409). The key is kept on
   the intent, unique per payer, as the database's last guard.
3. Read and act: ``get_intent``, ``cancel_intent``, ``refund``, ``active_intent_for``.
4. Pay from a public subsidy fund on a resident's behalf (a care voucher): ``pay_from_subsidy``,
   booked at once and once per purpose; ``subsidy_totals`` per payee for a report.
"""

from __future__ import annotations

from app.payments.services._shared import (  # noqa: F401
    CALLBACK_EVENT_RETENTION,
    DOMAIN_PATTERN,
    MAX_PURPOSE_IDS,
    READ_SCOPE,
    REFUND_SCOPE,
    SUPPORTED_CURRENCIES,
    TERMINAL,
    AlreadyPaid,
    PaymentInProgress,
    PaymentStatus,
)
from app.payments.services.callbacks import (  # noqa: F401
    CallbackReceipt,
    purge_callback_events,
    receive_callback,
    reconcile_intent,
    reconcile_pending,
)
from app.payments.services.intents import (  # noqa: F401
    active_intent_for,
    cancel_intent,
    create_intent,
    get_intent,
    list_intents,
)
from app.payments.services.purposes import (  # noqa: F401
    Payee,
    PaymentOutcome,
    Purpose,
    PurposeHandlers,
    RefundOutcome,
    mandate_scope_of,
    register_purpose,
    unregister_purpose,
)
from app.payments.services.refunds import (  # noqa: F401
    refund,
)
from app.payments.services.settlements import (  # noqa: F401
    DailyTotals,
    SettlementLine,
    SettlementReport,
    daily_totals,
    settlement_report,
)
from app.payments.services.subsidies import (  # noqa: F401
    pay_from_subsidy,
    subsidy_totals,
)
