"""The home: a card from each domain, once, most urgent first; an elder's beside; nothing is no error."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.core import clock
from app.core.actors import Actor, ActorKind
from app.core.models import utcnow
from app.identity import services as identity
from app.social_security import services as social_security
from tests.bills import helpers as bills
from tests.social_security import helpers as ss
from tests.statements import Statements

MINE = [
    "bills_overdue",
    "complaints_to_rate",
    "mandates_to_accept",
    "complaints_overdue",
    "bills_due",
    "employer_missing",
    "inbox_unread",
]


def home(client, headers, **extra):
    response = client.get("/api/v1/me/home", headers={**headers, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(section) -> list[str]:
    return [card["kind"] for card in section["cards"]]


def invited_resident(make_person):
    """A neighbour invites a phone number; its owner signs up afterwards and verifies their name."""
    neighbour = make_person(name="邻居")
    phone = "+8613912345678"
    identity.grant_mandate(
        bills.person_actor(neighbour),
        grantee_phone=phone,
        scopes=["bills"],
        expires_at=utcnow() + timedelta(days=30),
    )
    person, _ = identity.get_or_create_person(phone, "李小明")
    number = ss.national_id()
    identity.verify_real_name(Actor(kind=ActorKind.PERSON, person_id=person.id), "李小明", number)
    return person, number


def resolve(client, auth, handler, complaint_id):
    seen = client.get(f"/api/v1/staff/complaints/{complaint_id}", headers=auth(handler)).get_json()
    path = f"/api/v1/staff/complaints/{complaint_id}"
    accepted = client.post(
        f"{path}/accept", json={"version": seen["version"]}, headers=auth(handler)
    ).get_json()
    done = client.post(
        f"{path}/resolve", json={"version": accepted["version"], "reply": "已修复"}, headers=auth(handler)
    )
    assert done.status_code == 200, done.get_json()


@pytest.fixture
def everything(client, auth, city, staff, report, make_person):
    """A resident with something in every domain, and an elder whose bills and complaints they handle."""
    resident, number = invited_resident(make_person)
    elder = make_person(name="李奶奶")
    identity.grant_mandate(
        bills.person_actor(elder),
        grantee_phone=resident.phone,
        scopes=["bills", "complaints"],
        expires_at=utcnow() + timedelta(days=300),
    )
    late = report(resident)
    rated = report(resident, description="小区东门的井盖松动了，踩上去会翻")
    report(elder, description="楼下的路灯一直不亮，老人晚上出门不便")
    due_at = datetime.fromisoformat(late["deadline"]["due_at"])
    with clock.frozen(due_at + timedelta(days=1)):
        resolve(client, auth, staff["handler"], rated["id"])
        water = bills.make_biller()
        mine = bills.bind(resident, water)
        today = bills.services.business_date()
        bills.push(water, "OLD-1", mine.account_number, 9_620, due=today - timedelta(days=3))
        bills.push(water, "NEW-1", mine.account_number, 12_840, due=today + timedelta(days=3))
        theirs = bills.bind(elder, water)
        bills.push(water, "ELDER-1", theirs.account_number, 5_500, due=today - timedelta(days=1))
        bureau = ss.institution(client)
        due = social_security.month_due()
        before = date(due.year - (due.month == 1), (due.month - 2) % 12 + 1, 1)
        ss.push(client, bureau, ss.contribution("E-1", number, f"{before:%Y-%m}", name="李小明"))
        yield {"resident": resident, "elder": elder, "today": today}


def test_a_resident_with_something_everywhere_sees_each_card_once_in_order(client, auth, everything):
    resident, elder = everything["resident"], everything["elder"]
    body = home(client, auth(resident))
    assert kinds(body["mine"]) == MINE
    cards = {card["kind"]: card for card in body["mine"]["cards"]}
    assert cards["bills_overdue"]["urgency"] == "now" and cards["bills_overdue"]["title"] == "1 笔账单已逾期"
    assert cards["bills_overdue"]["amount"] == {"amount_fen": 9_620, "currency": "CNY"}
    assert cards["bills_overdue"]["body"] == "共 ¥96.20，请尽快缴纳。"
    assert cards["complaints_to_rate"]["urgency"] == "today" and cards["complaints_overdue"]["count"] == 1
    assert cards["employer_missing"]["title"] == "单位未缴费提醒"
    assert cards["mandates_to_accept"]["target"] == "/api/v1/me/mandates?direction=received"
    assert cards["inbox_unread"]["count"] >= 3  # the bills and the replies told the resident

    # The elder's section: marked with who and the scopes, their bills and complaints only.
    [section] = body["on_behalf"]
    assert section["person_id"] == str(elder.id) and section["display_name"] == "李奶奶"
    assert section["scopes"] == ["bills", "complaints"]
    assert kinds(section) == ["bills_overdue", "complaints_overdue"]  # not their inbox: outside the mandate
    assert section["cards"][0]["amount"]["amount_fen"] == 5_500

    english = home(client, auth(resident), **{"Accept-Language": "en"})
    titles = {card["kind"]: card["title"] for card in english["mine"]["cards"]}
    assert titles["bills_overdue"] == "1 bill overdue" and titles["complaints_to_rate"] == "1 reply to rate"
    hant = home(client, auth(resident), **{"Accept-Language": "zh-Hant"})
    assert hant["mine"]["cards"][0]["title"] == "1 筆帳單已逾期"


def test_the_elder_s_access_log_has_the_guardian_s_looks_once_an_hour(client, auth, everything):
    resident, elder = everything["resident"], everything["elder"]

    def looks():
        log = client.get("/api/v1/me/access-log?limit=100", headers=auth(elder)).get_json()["items"]
        return [entry for entry in log if entry["resource"] == "home" and entry["action"] == "list"]

    with clock.frozen(utcnow()):
        home(client, auth(resident))
        home(client, auth(resident))
        assert len(looks()) == 1
        clock.advance(timedelta(minutes=61))
        home(client, auth(resident))
        assert len(looks()) == 2


def test_a_proxy_request_sees_only_that_person_within_the_mandate(client, auth, everything):
    resident, elder = everything["resident"], everything["elder"]
    body = home(client, auth(resident), **{"X-On-Behalf-Of": str(elder.id)})
    assert body["mine"] is None and body["shortcuts"] == []
    assert [kinds(s) for s in body["on_behalf"]] == [["bills_overdue", "complaints_overdue"]]


def test_one_resident_never_sees_another_s_cards(client, auth, everything, other_resident):
    body = home(client, auth(other_resident))
    assert body["mine"]["cards"] == [] and body["on_behalf"] == []
    refused = client.get(
        "/api/v1/me/home", headers=auth(other_resident, **{"X-On-Behalf-Of": str(everything["elder"].id)})
    )
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_a_resident_with_nothing_sees_an_empty_home(client, auth, resident):
    body = home(client, auth(resident))
    assert body["mine"] == {"person_id": str(resident.id), "display_name": None, "scopes": [], "cards": []}
    assert body["on_behalf"] == [] and len(body["shortcuts"]) == 8
    assert client.get("/api/v1/me/home").status_code == 401


def test_a_home_costs_the_same_few_statements_however_much_it_holds(client, auth, everything, make_person):
    resident = everything["resident"]
    headers = auth(resident)
    home(client, headers)  # warm: the token's key, the catalogue
    with Statements() as full:
        home(client, headers)
    empty = make_person(name="空")
    empty_headers = auth(empty)
    home(client, empty_headers)
    with Statements() as bare:
        home(client, empty_headers)
    # One elder's section more adds each shared provider once; nothing grows with the cards.
    assert full.count <= 2 * bare.count
    for n in range(3):
        bills.bind(resident, bills.make_biller(code=f"power-{n}", client_id=f"power-{n}-biller"))
    with Statements() as more:
        home(client, headers)
    assert more.count == full.count
