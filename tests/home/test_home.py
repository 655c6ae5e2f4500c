"""The home: a card from each domain, once, most urgent first; an elder's beside; nothing is no error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from app import extensions
from app.core import clock
from app.core.cards import card_sources
from app.core.models import utcnow
from app.home import services
from app.home.schemas import HomeSchema
from tests.bills import helpers as bills
from tests.statements import Statements

MINE = [  # every domain's card, ranked: most urgent first, then the soonest
    "bills_overdue",
    "unpaid_fares",
    "parking_unpaid",
    "order_ready",
    "complaints_to_rate",
    "mandates_to_accept",
    "complaints_overdue",
    "pass_expiring",
    "upcoming_appointment",
    "bills_due",
    "violations_unpaid",
    "employer_missing",
    "incomplete_trips",
    "inbox_unread",
]
ELDER = ["bills_overdue", "alert_open", "complaints_overdue"]


def home(client, headers, **extra):
    response = client.get("/api/v1/me/home", headers={**headers, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(section) -> list[str]:
    return [card["kind"] for card in section["cards"]]


def test_a_resident_with_something_everywhere_sees_each_card_once_in_order(client, auth, everything):
    resident, elder = everything["resident"], everything["elder"]
    body = home(client, auth(resident))
    assert kinds(body["mine"]) == MINE
    shown = {card["domain"] for section in [body["mine"], *body["on_behalf"]] for card in section["cards"]}
    assert shown == {source.domain for source in card_sources()}, "every domain of the home has a card here"
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
    assert section["scopes"] == ["bills", "complaints", "eldercare"]
    assert kinds(section) == ELDER  # not their inbox: outside the mandate
    assert section["cards"][0]["amount"]["amount_fen"] == 5_500

    english = home(client, auth(resident), **{"Accept-Language": "en"})
    titles = {card["kind"]: card["title"] for card in english["mine"]["cards"]}
    assert titles["bills_overdue"] == "1 bill overdue" and titles["complaints_to_rate"] == "1 reply to rate"
    hant = home(client, auth(resident), **{"Accept-Language": "zh-Hant"})
    assert hant["mine"]["cards"][0]["title"] == "1 筆帳單已逾期"


def test_the_home_is_written_as_its_documented_schema_dumps_it(app, client, auth, everything):
    resident = everything["resident"]
    headers = auth(resident, **{"Accept-Language": "en"})
    opened = client.post("/api/v1/me/services/utility_bills/visits", headers=headers)
    assert opened.status_code == 200, opened.get_json()
    with clock.frozen(utcnow()):
        answer = client.get("/api/v1/me/home", headers=headers)
        with app.test_request_context(headers={"Accept-Language": "en"}):
            documented = HomeSchema().dump(services.home_of(bills.person_actor(resident)))
            expected = app.json.response(documented).get_data(as_text=True)
    body = answer.get_json()
    assert body["shortcuts"][0]["my_last_used_at"] and body["on_behalf"][0]["cards"]  # every part present
    assert answer.get_data(as_text=True) == expected  # the same JSON, key for key and in order


def test_psycopg_keeps_the_home_s_statements_converted(client, auth, everything):
    engine = extensions.db.engine
    if engine.dialect.driver != "psycopg":
        pytest.skip("PostgreSQL through psycopg only")
    from psycopg import _queries

    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= extensions.LONGEST_CACHED_STATEMENT
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= extensions.MOST_CACHED_PARAMETERS
    seen = []

    def note(_connection, _cursor, statement, parameters, *_):
        seen.append((statement, parameters or ()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        home(client, auth(everything["resident"]))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert max(len(statement) for statement, _ in seen) > 4096  # the resident's gathered statement
    for statement, parameters in seen:  # else psycopg works each out again on every visit
        assert len(statement.encode()) <= extensions.LONGEST_CACHED_STATEMENT, statement[:200]
        assert len(parameters) <= extensions.MOST_CACHED_PARAMETERS, statement[:200]


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
    assert [kinds(s) for s in body["on_behalf"]] == [ELDER]


def test_one_resident_never_sees_another_s_cards(client, auth, everything, other_resident):
    body = home(client, auth(other_resident))
    assert body["mine"]["cards"] == [] and body["on_behalf"] == []
    refused = client.get(
        "/api/v1/me/home", headers=auth(other_resident, **{"X-On-Behalf-Of": str(everything["elder"].id)})
    )
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_a_resident_with_nothing_sees_an_empty_home(client, auth, resident):
    body = home(client, auth(resident))
    assert body["mine"] == {
        "person_id": str(resident.id),
        "display_name": resident.display_name,
        "scopes": [],
        "cards": [],
    }
    assert body["on_behalf"] == [] and len(body["shortcuts"]) == 8
    assert client.get("/api/v1/me/home").status_code == 401


def test_a_home_costs_the_same_few_statements_however_much_it_holds(client, auth, everything, make_person):
    resident = everything["resident"]
    headers = auth(resident)
    for _ in range(2):  # warm: the token's key, the catalogue, the elder's last look
        home(client, headers)
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
