"""BOLA cases of bills: another resident never sees or touches the owner's accounts, bills or disputes."""

from app.bills import services
from app.complaints import services as complaints
from app.core.money import Money
from tests.bills import helpers
from tests.bola import BolaContext, bola_case, exempt

SECRET = "BOLA-SECRET-BILL"


def _account(ctx: BolaContext):
    biller = helpers.make_biller()
    return biller, helpers.bind(ctx.owner, biller)


def _bill(ctx: BolaContext):
    biller, account = _account(ctx)
    return helpers.push(biller, SECRET, account.account_number)


def _dispute(ctx: BolaContext, *, rejected: bool = False):
    biller = helpers.make_biller()
    bill = helpers.paid_bill(ctx.owner, biller, SECRET)
    dispute = services.raise_dispute(helpers.person_actor(ctx.owner), bill.payment_id, "not_credited", SECRET)
    if rejected:
        complaints.seed_categories()
        services.answer_dispute(helpers.biller_actor(biller), dispute.id, False, "已入账")
    ctx.db.session.commit()
    return dispute


@bola_case("GET", "/api/v1/bills/accounts", collection=True)
def owners_accounts(ctx: BolaContext) -> dict:
    """Another resident's account list never shows the owner's account."""
    _biller, account = _account(ctx)
    return {"secret": account.account_number}


@bola_case("GET", "/api/v1/bills/accounts/{account_id}")
def owners_account(ctx: BolaContext) -> dict:
    """The owner reads the account; another resident gets 404."""
    _biller, account = _account(ctx)
    return {"account_id": account.id, "secret": account.account_number}


@bola_case("DELETE", "/api/v1/bills/accounts/{account_id}")
def owners_account_unbound(ctx: BolaContext) -> dict:
    """Only the owner unbinds the account."""
    _biller, account = _account(ctx)
    return {"account_id": account.id, "secret": account.account_number}


@bola_case("POST", "/api/v1/bills/accounts/{account_id}/fetch")
def owners_account_fetched(ctx: BolaContext) -> dict:
    """Only the owner asks the biller for the account's current bill."""
    _biller, account = _account(ctx)
    return {"account_id": account.id, "secret": account.account_number}


@bola_case(
    "PUT",
    "/api/v1/bills/accounts/{account_id}/autopay",
    body={"limit": {"amount_fen": 20_000}, "days_before_due": 2},
)
def owners_autopay_set(ctx: BolaContext) -> dict:
    """Only the owner sets autopay on the account."""
    _biller, account = _account(ctx)
    return {"account_id": account.id, "secret": account.account_number}


@bola_case("DELETE", "/api/v1/bills/accounts/{account_id}/autopay")
def owners_autopay_removed(ctx: BolaContext) -> dict:
    """Only the owner stops autopay."""
    _biller, account = _account(ctx)
    services.set_autopay(helpers.person_actor(ctx.owner), account.id, Money(20_000), 2)
    return {"account_id": account.id, "secret": account.account_number}


@bola_case("GET", "/api/v1/bills", collection=True)
def owners_bills(ctx: BolaContext) -> dict:
    """Another resident's bill list never shows the owner's bills."""
    _bill(ctx)
    return {"secret": SECRET}


@bola_case("GET", "/api/v1/bills/{bill_id}")
def owners_bill(ctx: BolaContext) -> dict:
    """The owner reads the bill; another resident gets 404."""
    return {"bill_id": _bill(ctx).id, "secret": SECRET}


@bola_case("GET", "/api/v1/bills/{bill_id}/receipt")
def owners_receipt(ctx: BolaContext) -> dict:
    """The payer reads the receipt and its verification code; another resident gets 404."""
    bill = helpers.paid_bill(ctx.owner, helpers.make_biller(), SECRET)
    return {"bill_id": bill.id, "secret": SECRET}


@bola_case("GET", "/api/v1/bills/disputes", collection=True)
def owners_disputes(ctx: BolaContext) -> dict:
    """Another resident's dispute list never shows the owner's dispute."""
    _dispute(ctx)
    return {"secret": SECRET}


@bola_case("GET", "/api/v1/bills/disputes/{dispute_id}")
def owners_dispute(ctx: BolaContext) -> dict:
    """The owner reads the dispute; another resident gets 404."""
    return {"dispute_id": _dispute(ctx).id, "secret": SECRET}


@bola_case("POST", "/api/v1/bills/disputes/{dispute_id}/escalate", body={})
def owners_dispute_escalated(ctx: BolaContext) -> dict:
    """Only the owner takes a rejected dispute to 12345."""
    return {"dispute_id": _dispute(ctx, rejected=True).id, "secret": SECRET}


BILLER_ONLY = (
    "a biller's route: residents are refused (403, kinds=client) and one biller never reaches another's "
    "records (tests/bills/test_biller_api.py::test_one_biller_never_reaches_another_billers_records)"
)
for rule in (
    "/api/v1/biller/bills/<string:bill_no>",
    "/api/v1/biller/bills/<string:bill_no>/paid-elsewhere",
    "/api/v1/biller/bills/<string:bill_no>/cancel",
    "/api/v1/biller/account-bindings/<uuid:account_id>/decision",
    "/api/v1/biller/disputes/<uuid:dispute_id>/answer",
):
    exempt(rule, BILLER_ONLY)
