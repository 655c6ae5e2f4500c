"""What the social-security tests share: verified residents, the institutions' clients, records to send."""

from __future__ import annotations

import base64
import itertools
from datetime import timedelta

from stdnum.cn import ric

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.core.calendar import business_date
from app.identity import clients
from app.identity import services as identity

PUSH = "/api/v1/social-security/institution/records"
BUREAU, FUND = "test-bureau", "test-fund-centre"
EMPLOYER = ("91520100MA6DKQ1A5C", "贵阳云岭科技有限公司")
OTHER_EMPLOYER = ("91520102MA6E3HK714", "贵阳筑城物业服务有限公司")
_serial = itertools.count(1)


def national_id() -> str:
    """A fresh, valid national ID number (Guiyang, born 1980-1999)."""
    while True:
        n = next(_serial)
        base = f"520102{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        number = base + ric.calc_check_digit(base + "0")
        if ric.is_valid(number):
            return number


def verified(make_person, name: str = "张三丰", number: str | None = None):
    """A resident who verified their real name; returns (person, national ID)."""
    person = make_person(name=name)
    number = number or national_id()
    identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=person.id), name, number)
    return person, number


def institution(client, kind: str = "social_security", client_id: str = BUREAU) -> dict:
    """Headers with a client-credentials token of an institution of ``kind``."""
    if clients.client_by_id(client_id) is None:
        clients.register_client(kind, client_id, client_id=client_id, secret=f"{client_id}-secret")
    basic = base64.b64encode(f"{client_id}:{client_id}-secret".encode()).decode()
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def bureau_actor() -> Actor:
    """The bureau's client as an actor (for services called directly)."""
    return Actor(kind=ActorKind.CLIENT, client_id=BUREAU, scopes=frozenset({"social_security:write"}))


def as_of(hours_ago: float = 24) -> str:
    """An as_of moment, some hours ago."""
    return (clock.utcnow() - timedelta(hours=hours_ago)).isoformat()


def month(ago: int) -> str:
    """The month ``ago`` months before this one (Asia/Shanghai), as ``YYYY-MM``."""
    today = business_date()
    index = today.year * 12 + today.month - 1 - ago
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def day(ago: int) -> str:
    """The day ``ago`` days before today (Asia/Shanghai), ISO."""
    return (business_date() - timedelta(days=ago)).isoformat()


def contribution(record_id, number, period, *, base=800_000, employer=128_000, personal=64_000,
                 scheme="pension", employer_code=EMPLOYER, stated=None, name="张三丰") -> dict:  # fmt: skip
    """A monthly contribution as the bureau sends it."""
    item = {
        "record_id": record_id, "kind": "contribution", "national_id": number, "name": name, "scheme": scheme,
        "period": period, "base_fen": base, "employer_fen": employer, "personal_fen": personal,
        "as_of": stated or as_of(),
    }  # fmt: skip
    if employer_code:
        item["employer_code"], item["employer_name"] = employer_code
    return item


def status(record_id, number, scheme, value, on, *, stated=None, name="张三丰") -> dict:
    """An insured status from a date."""
    return {
        "record_id": record_id, "kind": "status", "national_id": number, "name": name, "scheme": scheme,
        "status": value, "date": on, "as_of": stated or as_of(),
    }  # fmt: skip


def entry(record_id, number, scheme, entry_type, amount, balance, on, *, stated=None, name="张三丰", **extra):
    """A medical or housing-fund account entry."""
    return {
        "record_id": record_id, "kind": "account_entry", "national_id": number, "name": name,
        "scheme": scheme, "entry_type": entry_type, "amount_fen": amount, "balance_fen": balance, "date": on,
        "as_of": stated or as_of(), **extra,
    }  # fmt: skip


def push(client, headers, *records) -> dict:
    """Push records as an institution; the per-item result."""
    response = client.post(PUSH, headers=headers, json={"records": list(records)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
