"""Utility bills (生活缴费): the biller registry, accounts, bills, payment, receipts, autopay, disputes.

Billers are institutional clients: a ``Biller`` row links a client_id to what the biller declares
(category, city, the fields that identify an account, fetch support, payment modes). Residents
bind accounts (户号); billers push bills for bound accounts; residents (or family members holding a
mandate with the ``bills`` scope) pay one or several bills of one biller in one payment intent. The
payments domain tells us, in its settling transaction, how each intent ended (:func:`install`).

Every request a family member makes under a mandate is written to the grantor's access log by the
API layer; what billers read or decide about a resident's data is written to it here.
"""

from __future__ import annotations

from app.bills.services._shared import (  # noqa: F401
    BILLER_CLIENT_KIND,
    DISPUTE_CATEGORY,
    DOMAIN,
    LOCK_NOT_AVAILABLE,
    MANDATE_SCOPE,
    PAID_ELSEWHERE,
    PAID_HERE,
    RECEIPT_ALPHABET,
    WRITE_SCOPE,
    business_date,
)
from app.bills.services.accounts import (  # noqa: F401
    bind_account,
    decide_binding,
    get_account,
    list_accounts,
    pending_bindings,
    unbind_account,
)
from app.bills.services.autopay import (  # noqa: F401
    AutopayRun,
    ReminderRun,
    remove_autopay,
    run_autopay,
    send_reminders,
    set_autopay,
)
from app.bills.services.bills import (  # noqa: F401
    HOME_HORIZON_DAYS,
    bill_detail,
    get_bill,
    holders_of,
    home_cards,
    list_bills,
    payment_of,
)
from app.bills.services.disputes import (  # noqa: F401
    answer_deadline,
    answer_dispute,
    biller_disputes,
    escalate_dispute,
    get_dispute,
    list_disputes,
    note_unanswered_disputes,
    raise_dispute,
)
from app.bills.services.paying import (  # noqa: F401
    install,
    on_payment_refunded,
    on_payment_settled,
    pay_bills,
)
from app.bills.services.push import (  # noqa: F401
    BILL_FIELDS,
    PUSH_REASONS,
    PushOutcome,
    biller_bill,
    cancel_bill,
    fetch_bills,
    mark_paid_elsewhere,
    push_bills,
)
from app.bills.services.receipts import (  # noqa: F401
    receipt_for_bill,
    verify_receipt,
)
from app.bills.services.registry import (  # noqa: F401
    all_billers,
    biller_by_code,
    biller_for_client,
    category_label,
    list_billers,
    save_biller,
)
