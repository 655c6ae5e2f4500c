"""How billers, accounts, bills, receipts and disputes appear to residents, to billers and to the public."""

from __future__ import annotations

from app.bills.schemas.accounts import (  # noqa: F401
    AccountCreateSchema,
    AccountSchema,
    AutopayRequestSchema,
    AutopaySchema,
    BindingDecisionSchema,
    BindingSchema,
)
from app.bills.schemas.bills import (  # noqa: F401
    BillDetailSchema,
    BillPaymentBriefSchema,
    BillPaymentRequestSchema,
    BillPaymentSchema,
    BillQuerySchema,
    BillSchema,
    LineItemSchema,
)
from app.bills.schemas.disputes import (  # noqa: F401
    DISPUTE_KINDS,
    DISPUTE_STATUSES,
    BillerDisputeQuerySchema,
    BillerDisputeSchema,
    DisputeAnswerSchema,
    DisputeCreateSchema,
    DisputeSchema,
    EscalateSchema,
)
from app.bills.schemas.push import (  # noqa: F401
    BILL_NO_PATTERN,
    PERIOD_PATTERN,
    BillerBillSchema,
    BillPushItemSchema,
    BillPushSchema,
    ItemByItem,
    PaidElsewhereSchema,
    PushAcceptedSchema,
    PushRefusedSchema,
    PushResultSchema,
    load_push_items,
)
from app.bills.schemas.receipts import (  # noqa: F401
    ReceiptSchema,
    ReceiptVerificationSchema,
    VerifyQuerySchema,
)
from app.bills.schemas.registry import (  # noqa: F401
    CATEGORIES,
    CITY_CODE_PATTERN,
    AccountFieldSchema,
    BillerBriefSchema,
    BillerQuerySchema,
    BillerSaveSchema,
    BillerSchema,
    LabelSchema,
    StaffBillerSchema,
)
