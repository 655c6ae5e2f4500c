"""BOLA cases of the home: another resident's home and directory never show the owner's cards or use."""

from datetime import timedelta

from app.home import services
from tests.bills import helpers as bills
from tests.bola import BolaContext, bola_case, exempt

SECRET_FEN = 73_519  # shown as ¥735.19 on the owner's overdue-bill card


@bola_case("GET", "/api/v1/me/home", collection=True)
def owners_home(ctx: BolaContext) -> dict:
    """The owner's overdue bill is on their home only."""
    water = bills.make_biller()
    account = bills.bind(ctx.owner, water)
    today = bills.services.business_date()
    bills.push(water, "BOLA-HOME-1", account.account_number, SECRET_FEN, due=today - timedelta(days=2))
    return {"secret": "735.19"}


@bola_case("GET", "/api/v1/services", collection=True)
def owners_directory(ctx: BolaContext) -> dict:
    """When the owner last opened a service shows in their directory only."""
    visit = services.record_visit(bills.person_actor(ctx.owner), "utility_bills")
    return {"secret": visit["my_last_used_at"].isoformat()}


exempt(
    "/api/v1/me/services/<string:code>/visits",
    "the code names a public service of the directory; the visit is always the caller's own",
)
