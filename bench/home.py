"""The home scenario of ``bench/run.py``: a resident with a card from every domain, and an elder.

:func:`home_script` runs ``python -m bench.home`` in the app's environment, which gives a bench
resident (idempotently) an overdue and a due bill, a reply to rate and a report past its deadline,
a month without an employer contribution, unread messages and an invitation to accept, an unpaid
parking stay and a traffic fine, tomorrow's appointment, a shop order ready for pick-up, a trip
missing its exit whose charge failed, a visitor pass ending today, and a mandate from an elder who
has an overdue bill and an open SOS. It fails unless the home then shows a card from every domain
that registered a card provider (``app.core.cards``), and prints a token and the kinds expected.

The wrk script reads ``/api/v1/me/home`` with that token and counts outcomes, not statuses: a
response is good only when it is a 200 holding every expected card, and ``bench/run.py`` refuses
the figures when any response was not (the ``outcomes:`` line its ``done`` prints). Compare with
``me`` in the same run (``bench/run.py me home``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESIDENT_PHONE = "+8613800000101"
ELDER_PHONE = "+8613800000102"
NEIGHBOUR_PHONE = "+8613800000103"
SHOPKEEPER_PHONE = "+8613800000104"
WORKER_PHONE = "+8613800000105"
NATIONAL_ID = "520102198802141232"
ELDER_BORN = "52010019480315"  # the elder's national ID: area and birth date (15 March 1948)
PLATE = "贵A10101"
HANDLER_PHONE = "+8613800000004"  # the demo city-management handler
BUREAU, BUREAU_SECRET = "demo-social-security", "demo-social-security-secret"

HOME_SCRIPT = """
local threads = {}
local expected = {%(kinds)s}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good, bad = 0, 0
end

function request()
  local headers = {}
  headers["Authorization"] = "Bearer %(token)s"
  return wrk.format("GET", nil, headers, nil)
end

function response(status, headers, body)
  local whole = status == 200
  for _, kind in ipairs(expected) do
    if whole and not string.find(body, '"' .. kind .. '"', 1, true) then
      whole = false
    end
  end
  if whole then good = good + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local g, b = 0, 0
  for _, thread in ipairs(threads) do
    g, b = g + thread:get("good"), b + thread:get("bad")
  end
  io.write(string.format("outcomes: %%d good, %%d bad\\n", g, b))
end
"""


def home_script(env: dict, settings) -> str:
    """Give the bench resident every card, then return the wrk script reading their home."""
    done = subprocess.run(  # noqa: S603 - this module, run in the app's environment
        [sys.executable, "-m", "bench.home"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("preparing the home failed:\n" + "\n".join(done.stderr.splitlines()[-12:]))
    seeded = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  home: {', '.join(seeded['kinds'])}; the elder's: {', '.join(seeded['elder'])}", flush=True)
    kinds = ", ".join(f'"{kind}"' for kind in seeded["kinds"] + seeded["elder"])
    return HOME_SCRIPT % {"token": seeded["token"], "kinds": kinds}


def seed() -> dict:
    """In the app: the bench resident's cards from every domain; their token and the cards' kinds."""
    from app import create_app
    from app.core import clock
    from app.core.models import utcnow
    from app.extensions import db
    from app.home import services as home
    from app.identity import services as identity
    from app.identity import tokens

    app = create_app()
    with app.app_context():
        if identity.person_by_phone(RESIDENT_PHONE) is None:  # invited before signing up: to accept
            neighbour, _ = identity.get_or_create_person(NEIGHBOUR_PHONE, "压测邻居")
            expires = utcnow() + timedelta(days=300)
            identity.grant_mandate(
                _actor(neighbour), grantee_phone=RESIDENT_PHONE, scopes=["bills"], expires_at=expires
            )
        resident, _ = identity.get_or_create_person(RESIDENT_PHONE, "压测居民")
        elder, _ = identity.get_or_create_person(ELDER_PHONE, "压测老人")
        if identity.active_mandate(resident.id, elder.id) is None:
            identity.grant_mandate(
                _actor(elder),
                grantee_phone=RESIDENT_PHONE,
                scopes=["bills", "complaints", "social_security", "eldercare"],
                expires_at=utcnow() + timedelta(days=300),
            )
        if not identity.is_real_name_verified(resident.id):
            identity.verify_real_name(_actor(resident), "压测居民", NATIONAL_ID)
        if not identity.is_real_name_verified(elder.id):
            identity.verify_real_name(_actor(elder), "压测老人", _national_id(ELDER_BORN))
        _bills(resident, elder)
        db.session.commit()
        token = _token(tokens, resident)
        if "complaints_overdue" not in {card.kind for card in home.cards_of(resident.id)}:
            _complaints(
                app,
                clock,
                lambda: _token(tokens, resident),
                _token(tokens, identity.person_by_phone(HANDLER_PHONE)),
            )
        _social_security(app, clock)
        db.session.rollback()
        _newer_domains(resident, elder, {card.kind for card in home.cards_of(resident.id)})
        db.session.commit()
        _deliver_queued(app)
        mine, theirs = home.cards_of(resident.id), home.cards_of(elder.id)
        _every_domain_shown(mine, theirs)
        token = _token(tokens, resident)  # the seeding took a while: a token that lives its ten minutes
        kinds, elder_kinds = [card.kind for card in mine], [card.kind for card in theirs]
        db.session.rollback()
    return {"token": token, "cards": len(kinds), "kinds": kinds, "elder": elder_kinds}


def _deliver_queued(app) -> None:
    """With Redis the seed's notices wait in the queue: deliver them now, so the inbox card is there."""
    if not app.config.get("REDIS_URL"):
        return  # jobs ran inline: delivered already
    from app.core.jobs.worker import WorkerOptions, run_worker

    run_worker(app, WorkerOptions(queues=("notifications",), burst=True, with_scheduler=False, fork=False))


def _every_domain_shown(mine: list, theirs: list) -> None:
    """Fail unless the resident (and the elder's section) show a card from every card provider."""
    from app.core.cards import card_sources

    missing = {source.domain for source in card_sources()} - {card.domain for card in (*mine, *theirs)}
    if missing:
        raise RuntimeError(
            f"the bench home lacks a card from {', '.join(sorted(missing))} (seed on a fresh database)"
        )
    elder_care = [card for card in theirs if card.domain == "eldercare"]
    if not elder_care:
        raise RuntimeError("the elder's section lacks the open SOS (the mandate needs the eldercare scope)")


def _national_id(base: str) -> str:
    """A valid national ID number from its area and birth date (the serial made up, the check computed)."""
    from stdnum.cn import ric

    for serial in range(1000):
        body = f"{base}{serial:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if ric.is_valid(number):
            return number
    raise ValueError(base)


def _newer_domains(resident, elder, shown: set[str]) -> None:
    """The cards of the domains after the first home, each seeded once (its card not shown yet)."""
    steps = (
        ({"parking_unpaid", "violations_unpaid"}, lambda: _parking(resident)),
        ({"upcoming_appointment"}, lambda: _appointments(resident)),
        ({"order_ready"}, lambda: _commerce(resident)),
        ({"unpaid_fares", "incomplete_trips"}, lambda: _transit(resident)),
        ({"pass_expiring"}, lambda: _access(resident)),
        (set(), lambda: _eldercare(elder)),
    )
    from app.extensions import db

    for kinds, seed in steps:
        if not kinds or not kinds <= shown:
            seed()
            db.session.commit()


def _parking(resident) -> None:
    """A stay at the demo car park this morning, left unpaid; a fine on the same plate."""
    import uuid

    from app.core.actors import Actor, ActorKind
    from app.core.models import utcnow
    from app.core.money import Money
    from app.parking import services as parking
    from app.parking.demo import DEMO_OPERATOR, DEMO_POLICE

    if not any(plate.number == PLATE for plate in parking.list_plates(_actor(resident))):
        parking.bind_plate(_actor(resident), PLATE, "压测居民", False)
    operator = Actor(kind=ActorKind.CLIENT, client_id=DEMO_OPERATOR, scopes=frozenset({parking.WRITE_SCOPE}))
    now = utcnow()
    for direction, at in (("entry", now - timedelta(hours=3)), ("exit", now - timedelta(minutes=90))):
        parking.record_gate_event(
            operator, "gy-huaguoyuan", f"bench-{uuid.uuid4()}", direction, PLATE, "G1", at
        )
    police = Actor(kind=ActorKind.CLIENT, client_id=DEMO_POLICE, scopes=frozenset({parking.POLICE_SCOPE}))
    parking.file_violation(
        police, f"BENCH-{uuid.uuid4().hex[:12]}", PLATE, now - timedelta(days=2), "南明区遵义路", "1625",
        "驾驶机动车违反道路交通信号灯通行", Money(20_000), 6,
    )  # fmt: skip


def _appointments(resident) -> None:
    """A clinic of the demo service hall with a morning tomorrow; the resident books its first slot."""
    import uuid

    from app.appointments import services as appointments
    from app.appointments.demo import DEMO_HALL_CLIENT
    from app.core.actors import Actor, ActorKind
    from app.core.calendar import business_date
    from app.core.geo import Point

    hall = Actor(
        kind=ActorKind.CLIENT, client_id=DEMO_HALL_CLIENT[1], scopes=frozenset({"appointments:write"})
    )
    tomorrow = business_date() + timedelta(days=1)
    provider = appointments.create_provider(
        hall, kind="service_hall", names={"zh_Hans": f"压测服务点{uuid.uuid4().hex[:4]}"}, address="南明区",
        location=Point(26.57, 106.71), rules=None,
    )  # fmt: skip
    service = appointments.add_service(hall, provider.id, names={"zh_Hans": "社保咨询"}, department="社保")
    appointments.publish_schedule(
        hall, service.id, weekdays=list(range(7)), day_start="09:00", day_end="10:00", slot_minutes=30,
        seats=1, valid_from=tomorrow, valid_until=tomorrow,
    )  # fmt: skip
    slots = appointments.day_slots(day=tomorrow, service_id=service.id, provider_id=None, available=True)
    appointments.book(_actor(resident), slots[0].id)


def _commerce(resident) -> None:
    """A shop of the bench shopkeeper; the resident's order, paid, accepted and made ready."""
    import uuid

    from stdnum.cn import uscc

    from app.commerce import services as commerce
    from app.core.actors import Actor
    from app.core.geo import Point
    from app.extensions import db
    from app.identity import services as identity
    from app.payments import sandbox

    owner, _ = identity.get_or_create_person(SHOPKEEPER_PHONE, "压测店主")
    base = f"91520102MA6B{uuid.uuid4().int % 100_000:05d}"
    all_day = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    shop = commerce.register_merchant(
        _actor(owner), Point(26.5560, 106.6905), name="压测便利店", category="retail",
        credit_code=base + uscc.calc_check_digit(base), licence_name="贵阳市压测便利店",
        legal_representative="张三", address="贵阳市南明区", phone=SHOPKEEPER_PHONE, opening_hours=all_day,
        closed_dates=[], service_radius_m=1000, language="zh_Hans",
    )  # fmt: skip
    commerce.decide_merchant(Actor.system(), shop.id, verified=True)
    item = commerce.create_listing(
        _actor(owner), shop.id, title="矿泉水", price_fen=500, stock=1000, fulfilment=["pickup"]
    )
    placed = commerce.place_order(_actor(resident), item.id, 1, "pickup", f"bench-order-{uuid.uuid4()}")
    db.session.commit()
    sandbox.run()
    commerce.accept_order(_actor(owner), shop.id, placed.record.id)
    commerce.mark_ready(_actor(owner), shop.id, placed.record.id)


def _transit(resident) -> None:
    """Yesterday's entry on the demo network without an exit, its charge failed."""
    import uuid

    from app.core.models import utcnow
    from app.extensions import db
    from app.transit.models import PaymentState, TransitLine, Trip, TripStatus

    now = utcnow()
    line = db.session.scalars(db.select(TransitLine).order_by(TransitLine.id).limit(1)).one()
    db.session.add(
        Trip(
            person_id=resident.id, business_date=(now - timedelta(days=1)).date(), first_tap_id=uuid.uuid4(),
            line_id=line.id, mode=line.mode, started_at=now - timedelta(days=1), status=TripStatus.INCOMPLETE,
            fare_fen=1000, payment_state=PaymentState.UNPAID,
        )
    )  # fmt: skip


def _access(resident) -> None:
    """The resident lives in the demo compound 金阳花园 and lets a visitor in until this evening."""
    from app.access import services as access
    from app.access.models import Compound
    from app.core.actors import Actor, ActorKind
    from app.core.models import utcnow
    from app.extensions import db
    from app.identity import services as identity

    compound = db.session.scalars(db.select(Compound).where(Compound.code == "JYHY")).one()
    worker, _ = identity.get_or_create_person(WORKER_PHONE, "压测社工")
    registrar = Actor(kind=ActorKind.PERSON, person_id=worker.id, roles=frozenset({"community_worker"}))
    access.register_resident(registrar, compound.id, RESIDENT_PHONE, "1栋101")
    access.issue_pass(_actor(resident), compound.id, "访客", utcnow() + timedelta(hours=6), 2)


def _eldercare(elder) -> None:
    """The elder's profile, and an SOS nobody has answered yet (a second press joins the open one)."""
    from app.eldercare import services as eldercare

    eldercare.save_profile(
        _actor(elder), living_situation="alone", care_level="assisted", conditions=["高血压"],
        emergency_contacts=[], checkin_by=None, worker_phone=None,
    )  # fmt: skip
    eldercare.raise_sos(_actor(elder))


def _actor(person):
    from app.core.actors import Actor, ActorKind

    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def _token(tokens, person) -> str:
    from app.extensions import db

    token = tokens.issue_access_token(person, client_id="bench", scopes=["openid", "profile"])
    db.session.commit()
    return token


def _bills(resident, elder) -> None:
    """An overdue and a due bill of the resident's, an overdue one of the elder's (the demo water company)."""
    from app.bills import services as bills
    from app.core.actors import Actor, ActorKind
    from app.core.money import Money

    water = bills.biller_by_code("gy-water")
    as_biller = Actor(kind=ActorKind.CLIENT, client_id=water.client_id, scopes=frozenset({bills.WRITE_SCOPE}))
    today = bills.business_date()
    for person, account_number, fen, due_in in (
        (resident, "5201009902", 9_620, -3),
        (resident, "5201009904", 12_840, 3),
        (elder, "5201009906", 5_500, -1),
    ):
        actor = _actor(person)
        if not any(a.account_number == account_number for a in bills.list_accounts(actor)):
            bills.bind_account(actor, water.id, {"account_number": account_number}, person.display_name)
        item = {
            "index": 0,
            "bill_no": f"HOME-{account_number}",
            "account_number": account_number,
            "period": "2026-10",
            "amount": Money(fen),
            "due_date": today + timedelta(days=due_in),
            "line_items": [],
        }
        bills.push_bills(as_biller, [item])


def _complaints(app, clock, resident_token, handler_token: str) -> None:
    """Two reports over HTTP a month ago: one still open (past its deadline), one answered now."""
    from app.core.models import utcnow

    client = app.test_client()
    handler = {"Authorization": f"Bearer {handler_token}"}
    report = {
        "category": "0202",
        "address": "南明区花果园街道",
        "location": {"lat": 26.5561, "lng": 106.6906},
    }
    with clock.frozen(utcnow() - timedelta(days=30)):
        mine = {"Authorization": f"Bearer {resident_token()}"}  # a token of that day
        for description in ("花果园小区门口路灯坏了，晚上一片漆黑", "小区东门的井盖松动了，踩上去会翻"):
            created = client.post(
                "/api/v1/complaints", json={**report, "description": description}, headers=mine
            )
            _expect(created, 201)
    answered = created.get_json()["id"]
    path = f"/api/v1/staff/complaints/{answered}"
    version = _expect(client.get(path, headers=handler), 200)["version"]
    version = _expect(client.post(f"{path}/accept", json={"version": version}, headers=handler), 200)[
        "version"
    ]
    _expect(
        client.post(f"{path}/resolve", json={"version": version, "reply": "已修复"}, headers=handler), 200
    )


def _social_security(app, clock) -> None:
    """The bureau sends the resident's pension for three months ago, and nothing since."""
    import base64

    from app.social_security import services as social_security

    client = app.test_client()
    basic = base64.b64encode(f"{BUREAU}:{BUREAU_SECRET}".encode()).decode()
    granted = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    bureau = {"Authorization": f"Bearer {_expect(granted, 200)['access_token']}"}
    due = social_security.month_due()
    index = due.year * 12 + due.month - 2
    record = {
        "record_id": f"HOME-{NATIONAL_ID}-{index}", "kind": "contribution", "national_id": NATIONAL_ID,
        "name": "压测居民", "scheme": "pension", "period": f"{index // 12:04d}-{index % 12 + 1:02d}",
        "base_fen": 800_000, "employer_fen": 128_000, "personal_fen": 64_000,
        "employer_code": "91520100MA6DKQ1A5C", "employer_name": "贵阳云岭科技有限公司",
        "as_of": (clock.utcnow() - timedelta(days=1)).isoformat(),
    }  # fmt: skip
    pushed = client.post(
        "/api/v1/social-security/institution/records", json={"records": [record]}, headers=bureau
    )
    _expect(pushed, 200)


def _expect(response, status: int) -> dict:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.path}: {response.status_code} {response.get_data(as_text=True)[:500]}"
        )
    return response.get_json()


if __name__ == "__main__":
    print(json.dumps(seed()))
