"""What the bills tests share: billers, bound accounts, pushed bills and the actors that act on them."""

from __future__ import annotations

import base64
import itertools
from datetime import date, timedelta

from app.bills import services
from app.bills.models import Bill, Biller, UtilityAccount
from app.core.actors import Actor, ActorKind
from app.core.models import utcnow
from app.core.money import Money
from app.extensions import db
from app.identity import clients
from app.identity import services as identity
from app.payments import sandbox

WRITE = services.WRITE_SCOPE
_numbers = itertools.count(1)


def label(zh_hans: str, zh_hant: str, en: str) -> dict:
    """A field label in the three languages."""
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


def biller_fields(client_id: str, category: str = "water", **overrides) -> dict:
    """What a biller declares: a ten-digit account number, fetch support, app and autopay payment."""
    fields = {
        "client_id": client_id,
        "category": category,
        "city_code": "520100",
        "name_zh_hans": "测试水务集团",
        "name_zh_hant": "測試水務集團",
        "name_en": "Test Water Group",
        "department_code": "city-water",
        "account_fields": [
            {
                "name": "account_number",
                "label": label("户号", "戶號", "Account number"),
                "pattern": r"\d{10}",
                "example": "5201000012",
                "required": True,
            },
            {
                "name": "meter_no",
                "label": label("水表号", "水錶號", "Meter number"),
                "pattern": r"[A-Z]{2}\d{6}",
                "example": "GY123456",
                "required": False,
            },
        ],
        "supports_fetch": True,
        "payment_modes": ["app", "autopay"],
        "confirms_by": "rule",
        "active": True,
    }
    fields.update(overrides)
    return fields


def register_client(client_id: str, scopes: tuple[str, ...] = ()) -> str:
    """Register an institutional client of kind biller (once); returns its secret."""
    secret = f"{client_id}-secret"
    if clients.client_by_id(client_id) is None:
        clients.register_client(
            "biller", f"{client_id} 缴费平台", client_id=client_id, scopes=scopes, secret=secret
        )
    return secret


def make_biller(code: str = "test-water", client_id: str = "test-water-biller", **overrides) -> Biller:
    """Register a biller (its client first) as an administrator would."""
    register_client(client_id)
    biller, _ = services.save_biller(Actor.system(), code, biller_fields(client_id, **overrides))
    return biller


def client_token(client, client_id: str) -> dict:
    """Headers with a client-credentials access token of the institution ``client_id``."""
    basic = base64.b64encode(f"{client_id}:{client_id}-secret".encode()).decode()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def grant_bills_mandate(grantor, grantee, scopes: tuple[str, ...] = ("bills",)):
    """The grantor lets the grantee act for them in ``scopes`` for 30 days."""
    return identity.grant_mandate(
        person_actor(grantor),
        grantee_phone=grantee.phone,
        scopes=list(scopes),
        expires_at=utcnow() + timedelta(days=30),
    )


def person_actor(person) -> Actor:
    """The actor a resident's own token gives."""
    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def proxy_actor(proxy, principal, *scopes: str) -> Actor:
    """A family member acting for ``principal`` under a mandate with ``scopes``."""
    return Actor(
        kind=ActorKind.PROXY,
        person_id=proxy.id,
        principal_id=principal.id,
        proxy_scopes=frozenset(scopes),
    )


def client_actor(client_id: str, *scopes: str) -> Actor:
    """An institution's machine client."""
    return Actor(kind=ActorKind.CLIENT, client_id=client_id, scopes=frozenset(scopes))


def biller_actor(biller: Biller) -> Actor:
    """The biller's own client, with bills:write."""
    return client_actor(biller.client_id, WRITE)


def account_number(even: bool = True) -> str:
    """A fresh ten-digit account number the sandbox biller confirms (even) or refuses (odd)."""
    base = 5_201_000_000 + next(_numbers) * 10
    return str(base + (2 if even else 3))


def bind(person, biller: Biller, number: str | None = None, actor: Actor | None = None) -> UtilityAccount:
    """Bind (and, by the sandbox rule, confirm) an account for ``person``."""
    return services.bind_account(
        actor or person_actor(person),
        biller.id,
        {"account_number": number or account_number()},
        "李小明",
        alias="家里",
    )


def bill_json(
    bill_no: str,
    number: str,
    fen: int = 8_800,
    *,
    due: date | None = None,
    period: str = "2026-10",
    line_items: list | None = None,
) -> dict:
    """One bill as a biller pushes it over the API."""
    body = {
        "bill_no": bill_no,
        "account_number": number,
        "period": period,
        "amount": {"amount_fen": fen, "currency": "CNY"},
        "due_date": (due or services.business_date() + timedelta(days=20)).isoformat(),
    }
    if line_items is not None:
        body["line_items"] = line_items
    return body


def push(biller: Biller, bill_no: str, number: str, fen: int = 8_800, *, due: date | None = None) -> Bill:
    """Push one bill through the service, as the biller's client, and return it."""
    item = {
        "index": 0,
        "bill_no": bill_no,
        "account_number": number,
        "period": "2026-10",
        "amount": Money(fen),
        "due_date": due or services.business_date() + timedelta(days=20),
        "line_items": [],
    }
    outcome = services.push_bills(biller_actor(biller), [item])
    assert outcome.accepted, outcome.refused
    return bill_by_number(biller, bill_no)


def bill_by_number(biller: Biller, bill_no: str) -> Bill:
    """The stored bill."""
    return db.session.scalar(db.select(Bill).where(Bill.biller_id == biller.id, Bill.bill_no == bill_no))


def pay(person, bills: list[Bill], key: str | None = None, actor: Actor | None = None):
    """Pay bills as the resident would (committed like the end of a request); returns the intent."""
    intent = services.pay_bills(
        actor or person_actor(person), [bill.id for bill in bills], key or f"pay-{next(_numbers)}"
    )
    db.session.commit()
    return intent


def settle() -> None:
    """Let the sandbox payment provider's payers answer and deliver its callbacks."""
    sandbox.run()


def paid_bill(person, biller: Biller, bill_no: str = "PAID-1", fen: int = 8_800) -> Bill:
    """A bill of a fresh account of ``person``, paid through Yimatong and settled."""
    account = bind(person, biller)
    bill = push(biller, bill_no, account.account_number, fen)
    pay(person, [bill])
    settle()
    db.session.refresh(bill)
    return bill
