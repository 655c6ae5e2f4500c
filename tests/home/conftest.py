"""Fixtures of the home tests: the complaints stories' city, staff and report; a resident with everything."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from app.access import services as access
from app.appointments import services as appointments
from app.commerce import services as commerce
from app.core import clock
from app.core.actors import Actor, ActorKind
from app.core.models import utcnow
from app.eldercare import services as eldercare
from app.extensions import db
from app.identity import services as identity
from app.social_security import services as social_security
from app.transit.models import PaymentState, TransitLine, Trip, TripStatus
from tests.access import helpers as gates
from tests.appointments import helpers as clinic
from tests.bills import helpers as bills
from tests.commerce import helpers as shops
from tests.complaints.conftest import city, report, staff  # noqa: F401 - fixtures
from tests.eldercare import helpers as care
from tests.parking import helpers as parking
from tests.social_security import helpers as ss
from tests.transit import helpers as transit


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
def everything(client, auth, city, staff, report, make_person):  # noqa: F811 - the fixtures imported above
    """A resident with something in every domain, and an elder whose bills and complaints they handle."""
    resident, number = invited_resident(make_person)
    elder = care.verified(make_person, name="李奶奶")
    identity.grant_mandate(
        bills.person_actor(elder),
        grantee_phone=resident.phone,
        scopes=["bills", "complaints", "eldercare"],
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
        _newer_domains(resident, elder, make_person)
        yield {"resident": resident, "elder": elder, "today": today}


def _newer_domains(resident, elder, make_person):
    """A card in each domain that came after the first home (the clock frozen by the caller)."""
    now = utcnow()
    # Parking: a stay driven out and not paid, a fine on the resident's plate.
    lot = parking.make_lot("home-lot")
    parking.bind(resident, "贵A55555")
    parking.stay(lot, "贵A55555", now - timedelta(hours=3), 90)
    parking.file("贵A55555")
    # Appointments: a seat booked for the day after tomorrow: more than 24 hours ahead at any hour of
    # the day, so the card is "soon" (tomorrow's first seat is within 24 hours after 08:00 Shanghai).
    _, _, _, slots = clinic.publish(day=(now + timedelta(days=2)).astimezone(clinic.SHANGHAI).date())
    appointments.book(clinic.as_person(resident), slots[0].id)
    # Commerce: an order paid and made ready by the shop.
    owner = make_person(name="店主")
    shop = shops.verified_merchant(owner)
    placed = shops.paid_order(resident, shops.listing(shop, owner))
    commerce.accept_order(shops.person_actor(owner), shop.id, placed.id)
    commerce.mark_ready(shops.person_actor(owner), shop.id, placed.id)
    # Transit: yesterday's entry without an exit, its charge failed.
    transit.network()
    line = db.session.scalars(db.select(TransitLine).limit(1)).one()
    db.session.add(
        Trip(
            person_id=resident.id, business_date=(now - timedelta(days=1)).date(), first_tap_id=uuid.uuid4(),
            line_id=line.id, mode=line.mode, started_at=now - timedelta(days=1), status=TripStatus.INCOMPLETE,
            fare_fen=1000, payment_state=PaymentState.UNPAID,
        )
    )  # fmt: skip
    # Community gates: a visitor pass that ends within the day.
    home_compound, _ = gates.places()
    gates.live_in(home_compound, resident, make_person)
    access.issue_pass(bills.person_actor(resident), home_compound.id, "访客", now + timedelta(hours=6), 2)
    # Elder care: the elder called for help and nobody has answered yet.
    care.profile(elder)
    eldercare.raise_sos(care.person_actor(elder))
    db.session.flush()
