"""Every list at 10k and at 1M rows: does each page stay flat as its table grows? (PostgreSQL)

``python -m bench.lists --database-url postgresql+psycopg://postgres@127.0.0.1:5432/yimatong_bench_lists``
runs two tables, each on the database freshly migrated and seeded (its tables are dropped first):
:data:`LISTS`, a resident's lists, and :data:`STAFF_LISTS`, what hotline staff, a department, a parking
operator, the traffic police, a merchant, a provider's desk, the community worker and a care provider
page through (``--tables`` picks one, ``--lists`` some entries). The seed gives the home bench's resident
(``bench/home.py``: a row in every domain) and the demo resident their own rows, and for the staff
table :func:`seed_staff` adds what those readers see. Then, for each entry and each size (10,000 and
1,000,000 by default; ``--sizes``), it fills the list's table with rows the page must not show up to
that many — one ``INSERT ... SELECT`` over ``generate_series`` cloning the reader's own row with a new
id, a new owner (one of 500 filler people, or an account, plate, insured person, department, operator
or merchant nobody here reads as) or a finished state, and fresh values for the columns a unique
constraint holds — runs ``VACUUM (ANALYZE)`` (so autovacuum does not start on them mid-measurement), and
reads the first page (``limit=20``) in-process (the app's test client, no HTTP server: the figure is the
app and the database) after a warm-up, in five rounds.
Entries sharing one clone are measured on the same fill. It checks that the page holds as many items
as before the fill (the reader's own, and nobody else's), prints p50 (of every request) and CPU per
request (the best round's mean: a shared machine only adds to it) at each size and their ratios
(target ≤ 1.3), and the plan PostgreSQL chose at the largest size for the page's query (caught with a
``before_cursor_execute`` hook), with a verdict: ``index`` unless the plan scans the table or
filters away more than a thousand rows. For the lists in :data:`CROWDS` each size is measured a second
time with :data:`CROWD_ROWS` of the table the reader's own (that share of the fill takes the template's
values in the columns that kept it off the page, and gets its own back after), the page full, with the
plan at the largest size: the reader a single-column index serves well with one row, and badly with a
thousand spread among a million.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import home

ROOT = Path(__file__).resolve().parent.parent
DEMO_RESIDENT = "+8613800000001"
FILLER_PEOPLE = 500
ROUNDS = 5  # CPU per request is the best round's: a shared machine only ever adds to it
CROWD_ROWS = 1_000  # rows of a list's table made the reader's own, at every size
PAGE = 20  # the limit of every entry's path
STATEMENT_FILL = 60  # rows in a list's table for --statements: every one the reader's, a page is full
OTHER = "others.ids[1 + g % array_length(others.ids, 1)]"  # one of the filler people, by row
NEWER = "now() - make_interval(secs => g)"  # other people's rows sort among and above the resident's
FILLER_IDS = "(SELECT array_agg(id) AS ids FROM people WHERE phone LIKE '+86139000%') AS others"


@dataclass(frozen=True)
class Clone:
    """Copies of one template row: ``overrides`` are SQL over the template ``t``, the row number ``g``
    and ``others.ids`` (the filler people); every other column is copied, ``id`` is a new uuid."""

    table: str
    template: str  # a WHERE over the table, :me being the resident's person id
    overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListBench:
    name: str
    path: str  # the resident's first page
    clone: Clone
    before: tuple[Clone, ...] = ()  # rows each clone refers to, made first with the same g
    who: str = "resident"  # who reads the page: a key of READERS
    once: tuple[Clone, ...] = ()  # made once, 500 rows (g = 1..500), before the first fill
    anchor: str = ""  # whose person id :me is in the templates (a person reader's own by default)
    params: dict[str, str] = field(default_factory=dict)  # {name} in the path: SQL over :me, one value
    after: str = ""  # SQL run after each fill, with :first and :last (the fill's row numbers)
    after_table: str = ""  # the table ``after`` writes, analysed with the others

    def me(self) -> str:
        """Whose person id :me is."""
        return self.anchor or self.who

    def fill_sql(self, clone: Clone, columns: list[str], first: int, last: int) -> str:
        values = {"id": "gen_random_uuid()", "created_at": NEWER, **clone.overrides}
        select = ", ".join(values.get(column, f"t.{column}") for column in columns)
        # the table's own column names and this module's SQL, nothing from outside
        source = f"(SELECT * FROM {clone.table} WHERE {clone.template} LIMIT 1) AS t"  # noqa: S608
        rows = f"generate_series({first}, {last}) AS g, {FILLER_IDS}"
        into = f"INSERT INTO {clone.table} ({', '.join(columns)})"
        return f"{into} SELECT {select} FROM {source}, {rows}"  # noqa: S608


def _uuid(tag: str, number: str = "g") -> str:
    """A uuid derived from a tag and a row number: how a clone names the row it refers to."""
    return f"md5('{tag}-' || ({number})::text)::uuid"


OTHER_MERCHANT = (
    "(SELECT m.id FROM commerce_merchants m WHERE m.id <> t.merchant_id ORDER BY m.id LIMIT 1 OFFSET g % 4)"
)
OTHER_BILLER = "(SELECT b.id FROM billers b WHERE b.id <> t.biller_id ORDER BY b.code LIMIT 1 OFFSET g % 2)"
BENCH_SHOP = {"merchant": "SELECT id FROM commerce_merchants WHERE name = '压测便利店'"}
# a fare dispute of someone else's ride (decided: the clearing house's open queue must not show it)
RIDE_DISPUTE = Clone(
    "transit_fare_disputes",
    "person_id = :me",
    {"person_id": OTHER, "raised_by_id": OTHER, "trip_id": _uuid("bench-ride"), "status": "'rejected'"},
)
RIDE_DISPUTE_TRIPS = (
    Clone(
        "transit_trips",
        "id IN (SELECT trip_id FROM transit_fare_disputes WHERE person_id = :me)",
        {"id": _uuid("bench-ride"), "person_id": OTHER, "first_tap_id": "gen_random_uuid()"},
    ),
)
# another shop's reviews (of orders of its own) and listings
SHOP_REVIEW = Clone(
    "commerce_reviews",
    "person_id = :me",
    {"person_id": OTHER, "order_id": _uuid("bench-reviewed"), "merchant_id": OTHER_MERCHANT},
)
SHOP_REVIEW_ORDERS = (
    Clone(
        "commerce_orders",
        "id IN (SELECT order_id FROM commerce_reviews WHERE person_id = :me)",
        {
            "id": _uuid("bench-reviewed"),
            "person_id": OTHER,
            "placed_by_id": OTHER,
            "merchant_id": OTHER_MERCHANT,
        },
    ),
)
SHOP_LISTING = Clone(
    "commerce_listings",
    "merchant_id = (SELECT id FROM commerce_merchants WHERE name = '压测便利店')",
    {"merchant_id": OTHER_MERCHANT},
)


LISTS: tuple[ListBench, ...] = (
    ListBench(
        "payments",
        "/api/v1/payments?limit=20",
        Clone(
            "payment_intents",
            "payer_id = :me",
            {
                "payer_id": OTHER,
                "initiated_by_id": OTHER,
                "idempotency_key": "'bench-' || g",
                "provider_ref": "'bench-' || g",
            },
        ),  # fmt: skip
    ),
    ListBench(
        "inbox",
        "/api/v1/me/inbox?limit=20",
        Clone("inbox_items", "person_id = :me", {"person_id": OTHER, "message_id": _uuid("bench-message")}),
        before=(
            Clone(
                "outbox_messages",
                "id IN (SELECT message_id FROM inbox_items WHERE person_id = :me)",
                {"id": _uuid("bench-message"), "recipient_id": OTHER, "dedupe_key": "'bench-' || g"},
            ),
        ),
        who="demo",  # the demo resident's five messages
    ),
    ListBench(
        "bills",
        "/api/v1/bills?limit=20",
        Clone(
            "bills",
            "account_number IN (SELECT account_number FROM utility_accounts WHERE person_id = :me)",
            {"account_number": "'77' || lpad((g % 100000)::text, 8, '0')", "bill_no": "'BENCH-' || g"},
        ),
    ),
    ListBench(
        "complaints",
        "/api/v1/complaints?limit=20",
        Clone(
            "complaints",
            "reporter_id = :me",
            {
                "reporter_id": OTHER,
                "tracking_number": "'BENCH' || lpad(g::text, 12, '0')",
                "id": _uuid("bench-complaint"),
            },
        ),  # fmt: skip
        after=(
            "INSERT INTO complaint_subscriptions (id, created_at, complaint_id, person_id) "
            "SELECT gen_random_uuid(), c.created_at, c.id, c.reporter_id FROM complaints c "
            "WHERE c.tracking_number BETWEEN 'BENCH' || lpad(CAST(:first AS text), 12, '0') "
            "AND 'BENCH' || lpad(CAST(:last AS text), 12, '0')"
        ),  # the list reads a person's subscriptions: one per clone
        after_table="complaint_subscriptions",
    ),
    ListBench(
        "parking stays",
        "/api/v1/parking/sessions?limit=20",
        Clone(
            "parking_sessions",
            "person_id = :me",
            {"person_id": OTHER, "plate": "'贵Z' || lpad((g % 100000)::text, 5, '0')"},
        ),
    ),
    ListBench(
        "violations",
        "/api/v1/violations?limit=20",
        Clone(
            "traffic_violations",
            "plate IN (SELECT number FROM parking_plates WHERE person_id = :me)",
            {"plate": "'贵Z' || lpad((g % 100000)::text, 5, '0')", "reference": "'BENCH-' || g"},
        ),
    ),
    ListBench(
        "appointments",
        "/api/v1/appointments?limit=20",
        Clone(
            "appointments",
            "person_id = :me",
            {
                "person_id": OTHER,
                "booked_by_id": "NULL",
                "confirmation_serial": "'B' || g",
                "status": "'cancelled'",
            },
        ),  # fmt: skip
    ),
    ListBench(
        "commerce orders",
        "/api/v1/commerce/orders?limit=20",
        Clone("commerce_orders", "person_id = :me", {"person_id": OTHER, "placed_by_id": OTHER}),
    ),
    ListBench(
        "transit trips",
        "/api/v1/transit/trips?limit=20",
        Clone("transit_trips", "person_id = :me", {"person_id": OTHER, "first_tap_id": "gen_random_uuid()"}),
    ),
    ListBench(
        "eldercare alerts",
        "/api/v1/eldercare/alerts?limit=20",
        Clone("elder_alerts", "person_id = :me", {"person_id": OTHER, "status": "'resolved'"}),
        who="elder",
    ),
    ListBench(
        "social-security records",
        "/api/v1/social-security/records?limit=20",
        Clone(
            "ss_records",
            "record_no LIKE 'HOME-%'",
            {
                "insured_id": _uuid("bench-insured", "1 + g % 500"),
                "record_no": "'BENCH-' || g",
                "batch_id": "t.batch_id",
            },
        ),  # fmt: skip
        once=(
            Clone(
                "ss_insured",
                "id IN (SELECT insured_id FROM ss_records WHERE record_no LIKE 'HOME-%')",
                {
                    "id": _uuid("bench-insured"),
                    "national_id_hash": "md5('bench-nid-' || g)",
                    "name_hash": "md5('bench-name-' || g)",
                },
            ),  # fmt: skip
        ),
    ),
    ListBench(
        "city-code scans",
        "/api/v1/me/citycode/scans?limit=20",
        Clone("citycode_scans", "person_id = :me", {"person_id": OTHER, "jti": "'bench-' || g"}),
    ),
    ListBench(
        "access log (a guardian's looks)",
        "/api/v1/me/access-log?limit=20",
        Clone("audit_entries", "subject_person_id = :me", {"subject_person_id": OTHER}),
    ),
    ListBench(
        "mandates received",
        "/api/v1/me/mandates?direction=received&limit=20",
        Clone("mandates", "grantee_id = :me", {"grantee_id": OTHER, "grantor_id": OTHER}),
    ),
    ListBench(
        "mandates granted",
        "/api/v1/me/mandates?direction=granted&limit=20",
        Clone("mandates", "grantor_id = :me", {"grantee_id": OTHER, "grantor_id": OTHER}),
        who="elder",
    ),
    ListBench(
        "gate passages",
        "/api/v1/access/events?limit=20",
        Clone("access_events", "person_id = :me", {"person_id": OTHER, "scan_id": "'bench-' || g"}),
    ),
    ListBench(
        "visitor passes",
        "/api/v1/access/passes?limit=20",
        Clone("access_visitor_passes", "person_id = :me", {"person_id": OTHER, "token": "'bench-' || g"}),
    ),
    ListBench(
        "elder's check-ins",
        "/api/v1/eldercare/checkins?limit=20",
        Clone("elder_checkins", "person_id = :me", {"person_id": OTHER, "day": "t.day - g"}),
        who="elder",
    ),
    ListBench(
        "bill disputes",
        "/api/v1/bills/disputes?limit=20",
        Clone("bill_disputes", "person_id = :me", {"person_id": OTHER, "payment_id": "gen_random_uuid()"}),
    ),
    ListBench(
        "certificates",
        "/api/v1/social-security/certificates?limit=20",
        Clone(
            "ss_certificates",
            "person_id = :me",
            {"person_id": OTHER, "serial": "'B' || lpad(g::text, 11, '0')"},
        ),
    ),
    ListBench("fare disputes", "/api/v1/transit/disputes?limit=20", RIDE_DISPUTE, RIDE_DISPUTE_TRIPS),
    ListBench(
        "waitlist",
        "/api/v1/appointments/waitlist?limit=20",
        Clone("appointment_waitlist", "person_id = :me", {"person_id": OTHER, "status": "'expired'"}),
        who="elder",
    ),
    ListBench(
        "visitor pass scans",
        "/api/v1/access/passes/{pass}/events?limit=20",
        Clone(
            "access_events",
            "pass_id IS NOT NULL AND person_id = :me",
            {"person_id": OTHER, "pass_id": _uuid("bench-pass"), "scan_id": "'bench-pass-' || g"},
        ),
        before=(
            Clone(
                "access_visitor_passes",
                "person_id = :me",
                {"id": _uuid("bench-pass"), "person_id": OTHER, "token": "'benchscan-' || g"},
            ),
        ),
        params={"pass": "SELECT id FROM access_visitor_passes WHERE person_id = :me LIMIT 1"},
    ),
    ListBench(
        "a shop's reviews",
        "/api/v1/commerce/merchants/{merchant}/reviews?limit=20",
        SHOP_REVIEW,
        SHOP_REVIEW_ORDERS,
        params=BENCH_SHOP,
    ),
    ListBench(
        "a shop's listings",
        "/api/v1/commerce/merchants/{merchant}/listings?limit=20",
        SHOP_LISTING,
        params=BENCH_SHOP,
    ),
)


# --- the lists staff, institutions and merchants page through ------------------------------------------
# The reader's own rows are made by seed_staff() through the services; the fill is rows the page must
# not show: another department's, operator's, police client's, provider's or merchant's, or the reader's
# own in a finished state (half and half where the list is a queue by status).
OTHER_DEPARTMENT = (
    "(SELECT d.id FROM departments d WHERE d.id <> t.lead_department_id ORDER BY d.code LIMIT 1 OFFSET g % 5)"
)


def _half(other: str, mine: str) -> str:
    """Every other row ``other``, the rest ``mine``."""
    return f"CASE WHEN g % 2 = 0 THEN {other} ELSE {mine} END"


STAFF_COMPLAINT = Clone(
    "complaints",
    "reporter_id = :me AND status = 'dispatched'",
    {
        "reporter_id": OTHER,
        "tracking_number": "'STAFF' || lpad(g::text, 12, '0')",
        "lead_department_id": OTHER_DEPARTMENT,
        "status": "'resolved'",
    },
)

# Clones two lists page through: an institution's queue and the resident's own.
OPERATOR_DISPUTE = Clone(
    "parking_disputes",
    "person_id = :me",
    {
        "session_id": _uuid("bench-stay"),
        "person_id": OTHER,
        "operator_client_id": _half("'bench-operator-' || (g % 50)", "t.operator_client_id"),
        "status": _half("t.status", "'rejected'"),
    },
)
OPERATOR_DISPUTE_STAYS = (
    Clone(
        "parking_sessions",
        "id IN (SELECT session_id FROM parking_disputes WHERE person_id = :me)",
        {
            "id": _uuid("bench-stay"),
            "person_id": OTHER,
            "plate": "'贵Z' || lpad((g % 100000)::text, 5, '0')",
        },
    ),
)
POLICE_APPEAL = Clone(
    "traffic_violation_disputes",
    "person_id = :me",
    {
        "violation_id": _uuid("bench-fine"),
        "person_id": OTHER,
        "police_client_id": _half("'bench-police-' || (g % 20)", "t.police_client_id"),
        "status": _half("t.status", "'rejected'"),
    },
)
POLICE_APPEAL_FINES = (
    Clone(
        "traffic_violations",
        "id IN (SELECT violation_id FROM traffic_violation_disputes WHERE person_id = :me)",
        {
            "id": _uuid("bench-fine"),
            "reference": "'BENCH-' || g",
            "plate": "'贵Z' || lpad((g % 100000)::text, 5, '0')",
        },
    ),  # fmt: skip
)
CARE_VISIT = Clone(
    "elder_care_visits",
    "person_id = :me",
    {"person_id": OTHER, "client_id": "'bench-care-' || (g % 20)", "visit_ref": "'bench-' || g"},
)


STAFF_LISTS: tuple[ListBench, ...] = (
    ListBench(
        "hotline queue (dispatcher, dispatched)",
        "/api/v1/staff/complaints?status=dispatched&limit=20",
        STAFF_COMPLAINT,
        who="dispatcher",
        anchor="resident",
    ),
    ListBench(
        "department work list (handler)",
        "/api/v1/staff/complaints?limit=20",
        STAFF_COMPLAINT,
        who="handler",
        anchor="resident",
    ),
    ListBench(
        "deadline extensions (supervisor)",
        "/api/v1/staff/complaints/extensions?limit=20",
        Clone("complaint_extensions", "status = 'pending'", {"status": "'approved'"}),
        who="supervisor",
        anchor="resident",
    ),
    ListBench(
        "operator anomalies",
        "/api/v1/operator/anomalies?status=open&limit=20",
        Clone("parking_anomalies", "status = 'open'", {"status": "'resolved'"}),
        who="operator",
        anchor="resident",
    ),
    ListBench(
        "operator disputes",
        "/api/v1/operator/disputes?status=open&limit=20",
        OPERATOR_DISPUTE,
        before=OPERATOR_DISPUTE_STAYS,
        who="operator",
        anchor="resident",
    ),
    ListBench(
        "driver's disputes", "/api/v1/parking/disputes?limit=20", OPERATOR_DISPUTE, OPERATOR_DISPUTE_STAYS
    ),
    ListBench(
        "police appeals",
        "/api/v1/police/appeals?status=open&limit=20",
        POLICE_APPEAL,
        before=POLICE_APPEAL_FINES,
        who="police",
        anchor="resident",
    ),
    ListBench("driver's appeals", "/api/v1/violations/appeals?limit=20", POLICE_APPEAL, POLICE_APPEAL_FINES),
    ListBench(
        "merchant orders",
        "/api/v1/merchant/merchants/{merchant}/orders?limit=20",
        Clone(
            "commerce_orders",
            "person_id = :me",
            {"person_id": OTHER, "placed_by_id": OTHER, "merchant_id": OTHER_MERCHANT},
        ),
        who="shopkeeper",
        anchor="resident",
        params={"merchant": "SELECT merchant_id FROM commerce_orders WHERE person_id = :me LIMIT 1"},
    ),
    ListBench(
        "provider's day (appointments desk)",
        "/api/v1/appointments/institution/providers/{provider}/appointments?date={day}&limit=20",
        Clone(
            "appointments",
            "person_id = :me",
            {
                "person_id": OTHER,
                "booked_by_id": "NULL",
                "confirmation_serial": "'S' || g",
                "local_date": "t.local_date - (1 + g % 3650)",
                "starts_at": "t.starts_at - make_interval(days => 1 + g % 3650)",
                "ends_at": "t.ends_at - make_interval(days => 1 + g % 3650)",
                "status": "'fulfilled'",
            },
        ),  # fmt: skip
        who="service hall",
        anchor="resident",
        params={
            "provider": "SELECT provider_id FROM appointments WHERE person_id = :me LIMIT 1",
            "day": "SELECT local_date FROM appointments WHERE person_id = :me LIMIT 1",
        },
    ),
    ListBench(
        "elder-care centre alerts (worker, open)",
        "/api/v1/staff/eldercare/alerts?status=open&limit=20",
        Clone("elder_alerts", "person_id = :me", {"person_id": OTHER, "status": "'resolved'"}),
        who="worker",
        anchor="elder",
    ),
    ListBench(
        "care provider visits",
        "/api/v1/eldercare/provider/visits?limit=20",
        CARE_VISIT,
        who="care provider",
        anchor="elder",
    ),
    ListBench("elder's care visits", "/api/v1/eldercare/visits?limit=20", CARE_VISIT, who="elder"),
    ListBench(
        "a shop's listings (its owner)",
        "/api/v1/merchant/merchants/{merchant}/listings?limit=20",
        SHOP_LISTING,
        who="shopkeeper",
        anchor="resident",
        params=BENCH_SHOP,
    ),
    ListBench(
        "biller disputes (water, open)",
        "/api/v1/biller/disputes?status=open&limit=20",
        Clone(
            "bill_disputes",
            "person_id = :me",
            {
                "person_id": OTHER,
                "payment_id": "gen_random_uuid()",
                "biller_id": _half(OTHER_BILLER, "t.biller_id"),
                "status": _half("t.status", "'rejected'"),
            },
        ),  # fmt: skip
        who="water biller",
        anchor="resident",
    ),
    ListBench(
        "binding requests (gas)",
        "/api/v1/biller/account-bindings?limit=20",
        Clone(
            "utility_accounts",
            "person_id = :me AND status = 'pending'",  # the resident's binding (the fill's are pending too)
            {
                "person_id": OTHER,
                "account_number": "'G' || lpad(g::text, 9, '0')",
                "biller_id": _half(OTHER_BILLER, "t.biller_id"),
                "status": _half("t.status", "'confirmed'"),
            },
        ),  # fmt: skip
        who="gas biller",
        anchor="resident",
    ),
    ListBench(
        "clearing-house disputes (open)",
        "/api/v1/transit/clearing/disputes?status=open&limit=20",
        RIDE_DISPUTE,
        before=RIDE_DISPUTE_TRIPS,
        who="clearing house",
        anchor="resident",
    ),
    ListBench(
        "outbox (administrator, failed)",
        "/api/v1/staff/notifications?status=failed&limit=20",
        Clone(
            "outbox_messages",
            "status = 'failed'",
            {"status": "'delivered'", "recipient_id": OTHER, "dedupe_key": "'bench-' || g"},
        ),  # fmt: skip
        who="admin",
        anchor="resident",
    ),
    ListBench(
        "community worker's elders",
        "/api/v1/staff/eldercare/elders?limit=20",
        Clone("elder_profiles", "person_id = :me", {"person_id": _uuid("bench-elder"), "worker_id": OTHER}),
        before=(
            Clone(
                "people",
                "id = :me",
                {
                    "id": _uuid("bench-elder"),
                    "phone": "'+8617' || lpad(g::text, 9, '0')",
                    "national_id_hash": "md5('bench-elder-' || g)",
                    "citycode_subject": "left(md5('bench-subject-' || g), 32)",
                },
            ),  # fmt: skip
        ),
        who="worker",
        anchor="elder",
    ),
    # last: OTHER_MERCHANT in the fills above reads this table row by row
    ListBench(
        "merchants to verify (street office)",
        "/api/v1/staff/commerce/merchants?status=pending&limit=20",
        Clone(
            "commerce_merchants",
            "status = 'pending'",
            {"status": "'verified'", "credit_code": "'B' || lpad(g::text, 17, '0')"},
        ),
        who="worker",
        anchor="resident",
    ),
)


# who reads a list: a person (by phone: the bench's, the demo's staff) or an institution's client
READERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "resident": ("person", home.RESIDENT_PHONE, ()),
    "elder": ("person", home.ELDER_PHONE, ()),
    "demo": ("person", DEMO_RESIDENT, ()),
    "dispatcher": ("person", "+8613800000003", ()),  # the demo's 赵强（派单员）
    "handler": ("person", home.HANDLER_PHONE, ()),  # 陈静, city management's handler
    "supervisor": ("person", "+8613800000005", ()),  # 刘洋（督办）
    "worker": ("person", "+8613800000007", ()),  # 孙丽, the community worker
    "shopkeeper": ("person", home.SHOPKEEPER_PHONE, ()),  # owner of the bench shop
    "operator": ("client", "demo-parking-operator", ("parking:write",)),
    "police": ("client", "demo-traffic-police", ("violations:write",)),
    "service hall": ("client", "demo-service-hall", ("appointments:write",)),
    "care provider": ("client", "demo-care-provider", ("eldercare:visits",)),
    "water biller": ("client", "demo-water-biller", ("bills:write",)),
    "gas biller": ("client", "demo-gas-biller", ("bills:write",)),
    "clearing house": ("client", "demo-transit-clearing", ("transit:disputes",)),
    "admin": ("person", "+8613800000006", ()),  # 周敏（管理员）
}


def seed_staff() -> None:
    """What the staff lists show, made through the services on top of bench/home.py's rows.

    An extension of the resident's open report asked by its handler, an exit without an entry at the
    operator's lot, the resident's dispute of their unpaid stay and appeal of their fine, and a care
    visit to the elder started with her code.
    """
    import uuid
    from datetime import timedelta

    from app.complaints import services as complaints
    from app.complaints.models import Complaint
    from app.core.actors import Actor, ActorKind
    from app.core.geo import Point
    from app.core.models import utcnow
    from app.eldercare import services as eldercare
    from app.extensions import db
    from app.identity import services as identity
    from app.parking import services as parking
    from app.parking.demo import DEMO_OPERATOR

    resident = identity.person_by_phone(home.RESIDENT_PHONE)
    elder = identity.person_by_phone(home.ELDER_PHONE)
    handler = identity.person_by_phone(home.HANDLER_PHONE)
    complaint = db.session.scalars(
        db.select(Complaint).where(Complaint.reporter_id == resident.id, Complaint.status == "dispatched")
    ).first()
    as_handler = Actor(
        kind=ActorKind.PERSON, person_id=handler.id, roles=frozenset({"department_handler"}),
        department_ids=frozenset({complaint.lead_department_id}),
    )  # fmt: skip
    complaints.request_extension(
        as_handler, complaint.id, complaint.feedback_due + timedelta(days=5), "需要协调"
    )
    operator = Actor(kind=ActorKind.CLIENT, client_id=DEMO_OPERATOR, scopes=frozenset({parking.WRITE_SCOPE}))
    parking.record_gate_event(
        operator, "gy-huaguoyuan", f"bench-{uuid.uuid4()}", "exit", "贵A99999", "G1", utcnow()
    )
    me = Actor(kind=ActorKind.PERSON, person_id=resident.id)
    stay = parking.list_sessions(me, status=None, cursor=None, limit=1).items[0]
    parking.raise_dispute(me, stay.id, "wrong_fee", "月卡未抵扣", [])
    fine = parking.list_violations(me, status=None, cursor=None, limit=1).items[0]
    parking.appeal_violation(me, fine.id, "wrong_facts", "当时车辆不在现场", [])
    provider = Actor(
        kind=ActorKind.CLIENT, client_id="demo-care-provider",
        scopes=frozenset({"eldercare:visits", "citycode:verify"}),
    )  # fmt: skip
    code = identity.my_city_code(Actor(kind=ActorKind.PERSON, person_id=elder.id)).code
    eldercare.start_visit(
        provider, visit_ref="bench-visit", service="meal_help", caregiver="压测护理员", code=code,
        location=Point(26.5561, 106.6906),
    )  # fmt: skip
    db.session.commit()


def seed_scan() -> None:
    """A transit gate's online check of the resident's city code: a row of their scan log."""
    from app.core.actors import Actor, ActorKind
    from app.extensions import db
    from app.identity import services as identity

    me = Actor(kind=ActorKind.PERSON, person_id=identity.person_by_phone(home.RESIDENT_PHONE).id)
    scanner = Actor(
        kind=ActorKind.CLIENT, client_id="demo-gate-scanner", scopes=frozenset({"citycode:verify"})
    )
    identity.verify_city_code(scanner, identity.my_city_code(me).code, "transit")
    db.session.commit()


def seed_passages() -> None:
    """The resident's city code read at the museum's entrance, and the elder's check-in today."""
    from app.access import services as access
    from app.core.actors import Actor, ActorKind
    from app.eldercare import services as eldercare
    from app.extensions import db
    from app.identity import services as identity

    me = Actor(kind=ActorKind.PERSON, person_id=identity.person_by_phone(home.RESIDENT_PHONE).id)
    venue = Actor(kind=ActorKind.CLIENT, client_id="demo-venue-gate", scopes=frozenset({"citycode:verify"}))
    access.scan_at_venue(venue, "GZMUS", identity.my_city_code(me).code, scan_id="bench-museum")
    eldercare.check_in(Actor(kind=ActorKind.PERSON, person_id=identity.person_by_phone(home.ELDER_PHONE).id))
    db.session.commit()


def seed_queues() -> None:
    """What the remaining lists show, through the services where a service makes it.

    The resident pays a bill and disputes the payment, downloads a contribution certificate, disputes
    a paid ride's fare and has their visitor pass read at the compound's gate; the resident's second
    shop order is completed and reviewed; the elder waits for the resident's full slot and chose the
    demo community worker; the demo merchant owner registers a shop the street office has yet to
    verify; the gas company confirms bindings through its API, and one waits for it; one of the
    resident's messages failed for good.
    """
    import uuid
    from datetime import timedelta

    from stdnum.cn import uscc

    from app.access import services as access
    from app.access.models import VisitorPass
    from app.appointments import services as appointments
    from app.appointments.models import Appointment
    from app.bills import services as bills
    from app.bills.models import Bill
    from app.commerce import services as commerce
    from app.commerce.models import Listing, Merchant
    from app.core.actors import Actor, ActorKind
    from app.core.geo import Point
    from app.core.models import utcnow
    from app.eldercare import services as eldercare
    from app.extensions import db
    from app.identity import services as identity
    from app.payments import sandbox
    from app.social_security import services as social_security
    from app.transit import services as transit
    from app.transit.models import PaymentState, TransitLine, Trip, TripStatus

    def person(phone: str) -> Actor:
        return Actor(kind=ActorKind.PERSON, person_id=identity.person_by_phone(phone).id)

    me, elder, owner = person(home.RESIDENT_PHONE), person(home.ELDER_PHONE), person(home.SHOPKEEPER_PHONE)
    due = db.session.scalar(db.select(Bill).where(Bill.bill_no == "HOME-5201009904"))
    paid = bills.pay_bills(me, [due.id], f"bench-pay-{uuid.uuid4()}")
    db.session.commit()
    sandbox.run()
    bills.raise_dispute(me, paid.id, "not_credited", "已缴费但未到账")
    social_security.issue(me, "contribution", 12)
    now, line = utcnow(), db.session.scalars(db.select(TransitLine).order_by(TransitLine.id).limit(1)).one()
    ride = Trip(
        person_id=me.person_id,
        business_date=(now - timedelta(days=2)).date(),
        first_tap_id=uuid.uuid4(),
        line_id=line.id,
        mode=line.mode,
        started_at=now - timedelta(days=2),
        status=TripStatus.COMPLETE,
        fare_fen=400,
        payment_state=PaymentState.PAID,
        payment_id=paid.id,
    )  # fmt: skip  (a settled ride, as the daily settlement leaves it)
    db.session.add(ride)
    db.session.flush()
    transit.raise_dispute(me, ride.id, kind="wrong_fare", description="换乘优惠未计")
    gate = Actor(
        kind=ActorKind.CLIENT, client_id="demo-community-gate", scopes=frozenset({"citycode:verify"})
    )
    visitor = db.session.scalars(db.select(VisitorPass).where(VisitorPass.person_id == me.person_id)).first()
    access.scan_at_gate(gate, "JYHY-N", visitor.pass_code, "in", scan_id="bench-visitor")
    shop = db.session.scalar(db.select(Merchant).where(Merchant.name == "压测便利店"))
    item = db.session.scalars(db.select(Listing).where(Listing.merchant_id == shop.id)).first()
    order = commerce.place_order(me, item.id, 1, "pickup", f"bench-order-{uuid.uuid4()}").record
    db.session.commit()
    sandbox.run()
    commerce.accept_order(owner, shop.id, order.id)
    commerce.mark_ready(owner, shop.id, order.id)
    commerce.confirm_received(me, order.id)
    commerce.review_order(me, order.id, 5, "水很好，取货快")
    mine = db.session.scalars(db.select(Appointment).where(Appointment.person_id == me.person_id)).first()
    appointments.join_waitlist(elder, mine.slot_id)
    eldercare.save_profile(
        elder, living_situation="alone", care_level="assisted", conditions=["高血压"],
        emergency_contacts=[], checkin_by=None, worker_phone="+8613800000007",
    )  # fmt: skip
    base = f"91520102MA6C{uuid.uuid4().int % 100_000:05d}"
    commerce.register_merchant(
        person("+8613800000008"), Point(26.5570, 106.6915), name="压测洗衣店", category="laundry",
        credit_code=base + uscc.calc_check_digit(base), licence_name="贵阳市压测洗衣店",
        legal_representative="吴刚", address="贵阳市南明区", phone="+8613800000008",
        opening_hours={"mon": [["09:00", "18:00"]]}, closed_dates=[], service_radius_m=1000,
        language="zh_Hans",
    )  # fmt: skip
    gas = bills.biller_by_code("gy-gas")
    gas.confirms_by = "api"  # the sandbox rule confirms at once: this biller answers through its API
    db.session.flush()
    bills.bind_account(me, gas.id, {"account_number": "G520109902"}, "压测居民")
    db.session.execute(
        db.text(
            "UPDATE outbox_messages SET status = 'failed' WHERE id = (SELECT id FROM outbox_messages "
            "WHERE recipient_id = :me ORDER BY id LIMIT 1)"
        ),
        {"me": me.person_id},
    )  # a delivery that failed for good, as a dead channel leaves it
    db.session.commit()


# A reader with a thousand rows of the table, at every size: CROWD_ROWS of the table take the template's
# values in these columns (what keeps a fill row off the reader's page), the now full page is measured
# again (with its plan at the largest size), and the rows get their own values back. A single-column
# index on the owner passes the one-row reader (a sort of one row) and fails this one: PostgreSQL
# walks the primary key backward, filtering, or sorts the thousand. Not crowded: bills (an account's
# dozen a year), complaints (read through subscriptions), violations (a plate's few), social-security
# records (a month's history, one range) and mandates (a person's few).
CROWDS: dict[str, tuple[str, ...]] = {
    "payments": ("payer_id",),
    "inbox": ("person_id",),
    "parking stays": ("person_id",),
    "appointments": ("person_id",),
    "commerce orders": ("person_id",),
    "transit trips": ("person_id",),  # a commuter's two rides a day for two years
    "eldercare alerts": ("person_id",),
    "city-code scans": ("person_id",),
    "access log (a guardian's looks)": ("subject_person_id",),
    "gate passages": ("person_id",),
    "visitor passes": ("person_id",),
    "elder's check-ins": ("person_id",),  # three years of daily check-ins
    "bill disputes": ("person_id",),
    "certificates": ("person_id",),
    "fare disputes": ("person_id",),
    "waitlist": ("person_id",),
    "visitor pass scans": ("pass_id",),  # a carer's pass, used twice a day
    "a shop's reviews": ("merchant_id",),
    "a shop's listings": ("merchant_id",),
    "hotline queue (dispatcher, dispatched)": ("status",),
    "department work list (handler)": ("lead_department_id",),
    "deadline extensions (supervisor)": ("status",),
    "operator anomalies": ("status",),
    "operator disputes": ("operator_client_id", "status"),
    "driver's disputes": ("person_id",),
    "police appeals": ("police_client_id", "status"),
    "driver's appeals": ("person_id",),
    "merchant orders": ("merchant_id",),
    "provider's day (appointments desk)": ("local_date", "starts_at", "ends_at"),  # a clinic's busy day
    "elder-care centre alerts (worker, open)": ("status",),
    "care provider visits": ("client_id",),
    "elder's care visits": ("person_id",),
    "a shop's listings (its owner)": ("merchant_id",),
    "biller disputes (water, open)": ("biller_id", "status"),
    "binding requests (gas)": ("biller_id", "status"),
    "clearing-house disputes (open)": ("status",),
    "outbox (administrator, failed)": ("status",),
    "community worker's elders": ("worker_id",),
    "merchants to verify (street office)": ("status",),
}


# the rows a crowd is picked from, where not every row of the table would do
CROWD_WHERE: dict[str, str] = {
    "elder's check-ins": "day > current_date - 3650",  # the fill's days run back a million; hers, ten years
}


# The paginated lists of the API not in the tables above, and why a million rows is not their shape
# (tests/test_bench_lists.py checks every list of /openapi.json is in a table or here).
NOT_AT_SCALE: dict[str, str] = {
    "/api/v1/staff/webhook-endpoints": "an administrator's registered endpoints: tens of rows",
    "/api/v1/staff/routing-rules": "the dispatch rules: a thousand at most, the engine benched with 1,000"
    " (bench/complaint_routing.py)",
    "/api/v1/staff/bills/billers": "the city's billers: tens of rows",
    "/api/v1/merchant/merchants": "the shops a person works for: a few, by their memberships' index",
    "/api/v1/appointments/providers": "the city's hospitals, halls and community services: hundreds",
    "/api/v1/appointments/services": "the services those providers publish: thousands at most",
}


TABLES = {"resident": LISTS, "staff": STAFF_LISTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database for this benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--tables", nargs="+", choices=list(TABLES), default=list(TABLES))
    names = [entry.name for table in TABLES.values() for entry in table]
    parser.add_argument("--lists", nargs="+", choices=names, metavar="LIST")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="no timing: a crowded list's page is the same statements for 1 item as for 20 (else exit 1)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("bench/lists.py needs PostgreSQL (--database-url postgresql+psycopg://...)")
    os.environ.update(DATABASE_URL=args.database_url, ACCESS_TOKEN_TTL_SECONDS="3600")  # noqa: S106 - a lifetime
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    if args.statements:
        sys.exit(_statements_main(args))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; sizes {args.sizes}", flush=True)
    rows = []
    for table in args.tables:
        chosen = [entry for entry in TABLES[table] if not args.lists or entry.name in args.lists]
        if chosen:  # each table on a database of its own: its fills would show in the other's pages
            rows += _bench_table(args.database_url, chosen, sorted(args.sizes), args.requests)
    print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print("\n| list | rows | p50 ms | CPU ms/req | rows | p50 ms | CPU ms/req ", end="")
    print("| p50 ratio | CPU ratio | plan | 1,000 own: p50 ms | p50 ms | CPU ms/req | p50 ratio | plan |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for line in rows:
        print(line)


def _bench_table(database_url: str, chosen: list[ListBench], sizes: list[int], requests: int) -> list[str]:
    """Reset, migrate and seed the database, then bench the entries; entries sharing a clone, together."""
    app, client, readers = _world(database_url)
    rows = []
    for _, group in itertools.groupby(chosen, key=lambda entry: id(entry.clone)):
        rows += _bench(app, client, list(group), readers, sizes, requests)
    return rows


def _world(database_url: str):
    """The database reset, migrated and seeded: the app, its test client and the readers' headers."""
    from flask_migrate import upgrade

    from app import create_app
    from app.core.demo import seed_demo
    from app.extensions import db
    from bench.run import reset_database

    reset_database(database_url)
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    home.seed()
    with app.app_context():
        seed_scan()
        seed_staff()
        seed_passages()
        seed_queues()
        readers = _readers()
    return app, app.test_client(), readers


def _statements_main(args) -> int:
    """Each crowded list with every row of its fill the reader's own: its page of one item and of
    twenty cost the same statements (no query per item). Returns the exit status."""
    failures = []
    for table in args.tables:
        chosen = [e for e in TABLES[table] if e.name in CROWDS and (not args.lists or e.name in args.lists)]
        if not chosen:
            continue
        app, client, readers = _world(args.database_url)
        for _, group in itertools.groupby(chosen, key=lambda entry: id(entry.clone)):
            entries = list(group)
            person_id = readers[entries[0].me()][1]
            with app.app_context():
                _fill_once(entries[0], person_id)
                _fill_to(entries[0], person_id, STATEMENT_FILL)
            for entry in entries:
                failures += _check_statements(app, client, entry, readers)
    print("every crowded page: the same statements for 1 item as for 20" if not failures else "")
    for failure in failures:
        print(f"NOT CONSTANT: {failure}")
    return 1 if failures else 0


def _check_statements(app, client, entry: ListBench, readers) -> list[str]:
    from sqlalchemy import event

    from app.extensions import db

    headers, person_id = readers[entry.who][0], readers[entry.me()][1]
    with app.app_context():
        path, engine = _path(entry, person_id), db.engine
        given = _crowd(entry, CROWDS[entry.name], person_id, rows=None)
    counts, sizes = {}, {}
    try:
        for limit in (1, PAGE):
            one = path.replace(f"limit={PAGE}", f"limit={limit}")
            _page(client, one, headers)  # warm: reference data, the token's key
            seen = []

            def count(*_args, seen=seen):
                seen.append(1)

            event.listen(engine, "before_cursor_execute", count)
            try:
                sizes[limit] = len(_page(client, one, headers))
            finally:
                event.remove(engine, "before_cursor_execute", count)
            counts[limit] = len(seen)
    finally:
        with app.app_context():
            _uncrowd(entry, CROWDS[entry.name], given)
    print(f"{entry.name:>40}: {counts[1]} statements for {sizes[1]} item, {counts[PAGE]} for {sizes[PAGE]}")
    if sizes[PAGE] < 2:
        return [f"{entry.name}: the crowded page shows {sizes[PAGE]} item(s), nothing proved"]
    if counts[1] != counts[PAGE]:
        return [f"{entry.name}: {counts[1]} statements for 1 item, {counts[PAGE]} for {sizes[PAGE]}"]
    return []


def _readers() -> dict:
    """The headers and person id of each reader, and the 500 filler people who own everyone else's rows."""
    from app.extensions import db
    from app.identity import services as identity
    from app.identity import tokens

    for n in range(FILLER_PEOPLE):
        identity.get_or_create_person(f"+86139000{n:05d}")
    readers = {}
    for who, (kind, name, scopes) in READERS.items():
        if kind == "client":
            token = tokens.issue_client_token(name, scopes)
            readers[who] = ({"Authorization": f"Bearer {token}"}, None)
            continue
        person = identity.person_by_phone(name)
        token = tokens.issue_access_token(person, client_id="yimatong-app", scopes=("openid",))
        readers[who] = ({"Authorization": f"Bearer {token}"}, person.id)
    db.session.commit()
    return readers


def _bench(app, client, entries: list[ListBench], readers, sizes: list[int], requests: int) -> list[str]:
    first = entries[0]
    person_id = readers[first.me()][1]
    with app.app_context():
        paths = {entry.name: _path(entry, readers[entry.me()][1]) for entry in entries}
    own = {entry.name: _page(client, paths[entry.name], readers[entry.who][0]) for entry in entries}
    for entry in entries:
        if not own[entry.name]:
            raise RuntimeError(f"{entry.name}: the reader has no rows of their own to clone")
    figures = {entry.name: {} for entry in entries}
    crowded = {entry.name: {} for entry in entries}  # size: (p50, CPU, the plan at the largest)
    with app.app_context():
        _fill_once(first, person_id)
    for size in sizes:
        with app.app_context():
            filled = _fill_to(first, person_id, size)
        for entry in entries:
            headers = readers[entry.who][0]
            figures[entry.name][filled] = _measure(
                client, entry, paths[entry.name], headers, requests, len(own[entry.name])
            )
            p50, cpu = figures[entry.name][filled]
            print(f"{entry.name:>40} {filled:>9,} rows: p50 {p50:6.2f} ms  cpu/req {cpu:5.2f} ms", flush=True)
            if entry.name in CROWDS:
                crowded[entry.name][filled] = _measure_crowded(
                    app, client, entry, paths[entry.name], readers, requests, filled, last=size == sizes[-1]
                )
    rows = []
    for entry in entries:
        measured = figures[entry.name]
        small, large = min(measured), max(measured)
        headers = readers[entry.who][0]
        with app.app_context():
            plan = _plan(client, entry, paths[entry.name], headers)
        verdict = plan_verdict(plan, entry.clone.table)
        _print_plan(entry, f"at {large:,}", verdict, plan)
        (sp, sc), (lp, lc) = measured[small], measured[large]
        crowd = "| — | — | — | — |"
        if crowded[entry.name]:
            (csp, _, _), (clp, clc, crowd_plan) = crowded[entry.name][small], crowded[entry.name][large]
            crowd_verdict = plan_verdict(crowd_plan, entry.clone.table)
            _print_plan(
                entry, f"at {large:,} with {CROWD_ROWS:,} of the reader's own", crowd_verdict, crowd_plan
            )
            crowd = f"| {csp:.2f} | {clp:.2f} | {clc:.2f} | {clp / csp:.2f} | {crowd_verdict} |"
        rows.append(
            f"| {entry.name} | {small:,} | {sp:.2f} | {sc:.2f} | {large:,} | {lp:.2f} | {lc:.2f} "
            f"| {lp / sp:.2f} | {lc / sc:.2f} | {verdict} {crowd}"
        )
    return rows


def _measure_crowded(
    app, client, entry: ListBench, path: str, readers, requests: int, filled: int, *, last: bool
):
    """The full page with CROWD_ROWS of the table the reader's own (and the plan, at the largest size)."""
    headers, person_id = readers[entry.who][0], readers[entry.me()][1]
    with app.app_context():
        given = _crowd(entry, CROWDS[entry.name], person_id, rows=CROWD_ROWS)
    try:
        p50, cpu = _measure(client, entry, path, headers, requests, PAGE)
        plan = ""
        if last:
            with app.app_context():
                plan = _plan(client, entry, path, headers)
    finally:
        with app.app_context():
            _uncrowd(entry, CROWDS[entry.name], given)
    print(
        f"{entry.name:>40} {filled:>9,} rows, {len(given):,} the reader's: "
        f"p50 {p50:6.2f} ms  cpu/req {cpu:5.2f} ms",
        flush=True,
    )
    return p50, cpu, plan


def _print_plan(entry: ListBench, when: str, verdict: str, plan: str) -> None:
    print(f"  {entry.name}: plan {when} ({verdict}):\n    " + "\n    ".join(plan.splitlines()), flush=True)


def _crowd(entry: ListBench, crowd: tuple[str, ...], person_id, rows: int | None) -> list[dict]:
    """``rows`` of the table picked at random (every row: None) take the template's values in the
    ``crowd`` columns: the reader's own now, spread among the fill (its ids are random). Returns the
    rows' values, to give back."""
    from app.extensions import db

    table, columns = entry.clone.table, ", ".join(crowd)
    where = CROWD_WHERE.get(entry.name, "TRUE")
    # the table's own column names and this module's SQL, nothing from outside
    picked = db.session.execute(
        db.text(f"SELECT id, {columns} FROM {table} WHERE {where} ORDER BY random() LIMIT :rows"),  # noqa: S608
        {"rows": rows},
    )
    given = [dict(row._mapping) for row in picked]
    template = f"(SELECT {columns} FROM {table} WHERE {entry.clone.template} LIMIT 1) AS tmpl"  # noqa: S608
    assignments = ", ".join(f"{column} = tmpl.{column}" for column in crowd)
    db.session.execute(
        db.text(f"UPDATE {table} SET {assignments} FROM {template} WHERE {table}.id = ANY(:ids)"),  # noqa: S608
        {"me": person_id, "ids": [row["id"] for row in given]},
    )
    db.session.commit()
    _analyse(table)
    return given


def _uncrowd(entry: ListBench, crowd: tuple[str, ...], given: list[dict]) -> None:
    from app.extensions import db

    table = entry.clone.table
    assignments = ", ".join(f"{column} = :{column}" for column in crowd)
    if given:
        db.session.execute(db.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), given)  # noqa: S608
    db.session.commit()
    _analyse(table)


def _analyse(*tables: str) -> None:
    """VACUUM (ANALYZE) each table, outside a transaction."""
    from app.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            if table:
                connection.execute(db.text(f"VACUUM (ANALYZE) {table}"))


def _path(entry: ListBench, person_id) -> str:
    """The entry's path with its {params} filled from the database."""
    from app.extensions import db

    values = {name: db.session.scalar(db.text(sql), {"me": person_id}) for name, sql in entry.params.items()}
    return entry.path.format(**values)


def _page(client, path: str, headers) -> list:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.get_json())
    return response.get_json()["items"]


def _execute(sql: str, person_id) -> None:
    from app.extensions import db

    db.session.execute(db.text(sql), {"me": person_id} if ":me" in sql else {})


def _columns(table: str) -> list[str]:
    from app.extensions import db

    return list(
        db.session.scalars(
            db.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                "AND table_schema = current_schema() ORDER BY ordinal_position"
            ),
            {"t": table},
        )
    )


def _fill_once(entry: ListBench, person_id) -> None:
    from app.extensions import db

    for clone in entry.once:
        _execute(entry.fill_sql(clone, _columns(clone.table), 1, FILLER_PEOPLE), person_id)
    db.session.commit()


def _fill_to(entry: ListBench, person_id, size: int) -> int:
    from app.extensions import db

    table = entry.clone.table
    have = db.session.scalar(db.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - our own table names
    if have < size:
        started = time.perf_counter()
        first, last = have + 1, size  # g numbers the clones: unique values grow with it
        for clone in (*entry.before, entry.clone):
            _execute(entry.fill_sql(clone, _columns(clone.table), first, last), person_id)
        if entry.after:
            db.session.execute(db.text(entry.after), {"first": first, "last": last})
        db.session.commit()
        # VACUUM as well as ANALYZE: autovacuum would otherwise start on the fresh million rows while the
        # page is measured (two cores: it takes one), and the visibility map lets index-only scans skip rows
        _analyse(*(clone.table for clone in (*entry.before, entry.clone)), entry.after_table)
        print(f"  {table}: filled {size - have:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return db.session.scalar(db.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - our own table names


def _measure(client, entry: ListBench, path: str, headers, requests: int, own: int) -> tuple[float, float]:
    started = time.perf_counter()
    for _ in range(20):
        _page(client, path, headers)
    if time.perf_counter() - started > 5:  # over 250 ms a page: the plan says why, a few will do
        requests = ROUNDS
    walls, cpus = [], []
    per_round = max(1, requests // ROUNDS)
    for _ in range(ROUNDS):
        cpu_started = time.process_time()
        for _ in range(per_round):
            started = time.perf_counter()
            items = _page(client, path, headers)
            walls.append((time.perf_counter() - started) * 1000)
            assert len(items) == own, (
                f"{entry.name}: the reader's own {own}, and nobody else's ({len(items)})"
            )
        cpus.append((time.process_time() - cpu_started) * 1000 / per_round)
    return statistics.median(walls), min(cpus)


def _plan(client, entry: ListBench, path: str, headers) -> str:
    """EXPLAIN ANALYZE of the page's query: the statement naming the table with a LIMIT."""
    from sqlalchemy import event

    from app.extensions import db

    captured = []

    def keep(_conn, _cursor, statement, parameters, *_):
        if f"FROM {entry.clone.table}" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        _page(client, path, headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    if not captured:
        return "(no statement with a LIMIT over the table was seen)"
    statement, parameters = captured[0]
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_verdict(plan: str, table: str) -> str:
    """``index`` unless the plan reads the table whole or throws away more than a thousand rows;
    ``index, sorts N`` when it sorts more than a page's rows to find the page (N grows with the owner's
    rows: flat as the table grows, not as the owner's share of it does)."""
    if f"Seq Scan on {table}" in plan:
        return "SEQ SCAN"
    lines = plan.splitlines()
    sorted_rows = 0
    for n, line in enumerate(lines):
        if "Rows Removed by Filter:" in line and int(line.rsplit(":", 1)[1]) > 1000:
            return "FILTERS"
        if "->  Sort (" in line or line.startswith("Sort ("):
            below = [rows for rows in map(_actual_rows, lines[n + 1 :]) if rows is not None]
            sorted_rows = max(sorted_rows, below[0] if below else 0)
    return f"index, sorts {sorted_rows:,}" if sorted_rows > 2 * PAGE else "index"


def _actual_rows(line: str) -> int | None:
    """N of a plan node's ``(actual rows=N loops=L)``, times its loops; None for a line that is no node."""
    if "(actual rows=" not in line:
        return None
    rows, loops = line.split("(actual rows=", 1)[1].split(" loops=")
    return int(rows) * int(loops.rstrip(")"))


if __name__ == "__main__":
    main()
