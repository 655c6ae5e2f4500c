"""The tables of bench/lists.py: every entry reads a list route that exists, and clones real columns;
on PostgreSQL, every crowded list's page costs the same statements for one item as for twenty."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app.extensions import db
from bench.lists import (
    CROWD_WHERE,
    CROWDS,
    LISTS,
    NOT_AT_SCALE,
    READERS,
    STAFF_LISTS,
    TABLES,
    ListBench,
    plan_verdict,
)
from tests.databases import fresh_database

EVERY = (*LISTS, *STAFF_LISTS)


def test_every_entry_names_a_list_route_of_the_app(app):
    adapter = app.url_map.bind("localhost")
    for entry in EVERY:
        path = re.sub(r"\{\w+\}", str(uuid.uuid4()), entry.path.split("?")[0])
        endpoint, _ = adapter.match(path, method="GET")  # raises unless a GET route serves it
        assert endpoint, entry.name
        named = set(re.findall(r"\{(\w+)\}", entry.path))
        assert named == set(entry.params), (
            f"{entry.name}: the path names {named}, params give {set(entry.params)}"
        )


def test_every_clone_writes_columns_its_table_has(app):
    tables = db.metadata.tables
    for entry in EVERY:
        for clone in (*entry.once, *entry.before, entry.clone):
            assert clone.table in tables, f"{entry.name}: no table {clone.table}"
            columns = set(tables[clone.table].columns.keys())
            assert set(clone.overrides) <= columns, (entry.name, set(clone.overrides) - columns)


def test_the_resident_facing_lists_are_all_in_the_table():
    names = {entry.name for entry in LISTS}
    assert len(names) == len(LISTS)
    expected = {"payments", "inbox", "bills", "complaints", "parking stays", "violations"}
    expected |= {
        "appointments",
        "commerce orders",
        "transit trips",
        "eldercare alerts",
        "social-security records",
    }
    expected |= {"access log (a guardian's looks)", "mandates received", "gate passages", "visitor passes"}
    expected |= {"mandates granted", "elder's check-ins"}
    assert expected <= names
    read_by_residents = {entry.name for entry in STAFF_LISTS if entry.who in ("resident", "elder")}
    assert read_by_residents == {"driver's disputes", "driver's appeals", "elder's care visits"}


def test_lists_reading_one_clone_stand_together_so_its_table_is_filled_once():
    for table in TABLES.values():
        seen, last = set(), None
        for entry in table:
            if id(entry.clone) != last:
                assert id(entry.clone) not in seen, f"{entry.name}: its clone's other lists are further up"
                seen.add(id(entry.clone))
            last = id(entry.clone)


def test_a_fill_clones_the_template_with_a_new_id_a_row_number_and_other_owners():
    entry = next(entry for entry in LISTS if entry.name == "payments")
    sql = entry.fill_sql(entry.clone, ["id", "created_at", "payer_id", "amount_fen"], 11, 20)
    assert sql.startswith(
        "INSERT INTO payment_intents (id, created_at, payer_id, amount_fen) SELECT gen_random_uuid()"
    )
    assert "others.ids[1 + g % array_length(others.ids, 1)]" in sql
    assert "t.amount_fen" in sql
    assert "WHERE payer_id = :me LIMIT 1" in sql
    assert "generate_series(11, 20)" in sql


@pytest.mark.parametrize(
    ("plan", "verdict"),
    [
        ("Limit\n  ->  Index Scan using ix_bills_x on bills\n        Index Cond: (x = 1)", "index"),
        ("Limit\n  ->  Seq Scan on bills\n        Filter: (x = 1)", "SEQ SCAN"),
        (
            "Limit\n  ->  Index Scan Backward using pk_bills on bills\n        Rows Removed by Filter: 99999",
            "FILTERS",
        ),
        ("Limit\n  ->  Index Scan using ix on bills\n        Rows Removed by Filter: 12", "index"),
        (
            "Limit (actual rows=21 loops=1)\n  ->  Sort (actual rows=21 loops=1)\n        Sort Key: id DESC\n"
            "        ->  Bitmap Heap Scan on bills (actual rows=1001 loops=1)",
            "index, sorts 1,001",
        ),
        (
            "Limit (actual rows=2 loops=1)\n  ->  Sort (actual rows=2 loops=1)\n"
            "    ->  Index Scan (actual rows=2 loops=1)",
            "index",
        ),
    ],
)
def test_a_plan_is_index_backed_unless_it_scans_or_filters_the_table(plan, verdict):
    assert plan_verdict(plan, "bills") == verdict


def test_an_entry_is_read_by_the_resident_unless_it_says_otherwise():
    assert {entry.who for entry in LISTS} <= {"resident", "elder", "demo"}
    assert ListBench("x", "/api/v1/x", LISTS[0].clone).who == "resident"
    assert ListBench("x", "/api/v1/x", LISTS[0].clone).me() == "resident"


def test_the_staff_lists_are_read_by_their_staff_or_institution_and_anchored_on_a_person():
    names = {entry.name for entry in STAFF_LISTS}
    assert len(names) == len(STAFF_LISTS) and not names & {entry.name for entry in LISTS}
    for entry in STAFF_LISTS:
        assert entry.who in READERS and entry.me() in READERS, entry.name
        assert READERS[entry.me()][0] == "person", f"{entry.name}: :me is a person's id"
    assert {"dispatcher", "handler", "operator", "police", "shopkeeper", "service hall", "worker"} <= {
        entry.who for entry in STAFF_LISTS
    }
    assert set(TABLES) == {"resident", "staff"}


def test_every_paginated_list_of_the_api_is_benched_or_says_why_not(client):
    """A list of /openapi.json (a GET taking a ``cursor``) is in a table of bench/lists.py or in
    NOT_AT_SCALE with its reason: a new list cannot skip the million-row check unnoticed."""
    spec = client.get("/openapi.json").get_json()
    lists = {
        re.sub(r"\{\w+\}", "{}", path)
        for path, operations in spec["paths"].items()
        if any(p.get("name") == "cursor" for p in operations.get("get", {}).get("parameters", []))
    }
    benched = {re.sub(r"\{\w+\}", "{}", entry.path.split("?")[0]) for entry in EVERY}
    exempt = {re.sub(r"\{\w+\}", "{}", path) for path in NOT_AT_SCALE}
    assert len(lists) > 40, "the spec's lists were not found"
    assert lists - benched - exempt == set(), "lists neither benched nor said why not"
    assert exempt <= lists and not exempt & benched, "NOT_AT_SCALE names a benched or unknown list"


def test_a_crowd_makes_rows_the_readers_own_by_the_columns_their_fill_changed():
    """Each crowded list names its entry, and its columns are ones the fill overrides to keep rows off
    the page (the crowd takes the template's values back in them)."""
    entries = {entry.name: entry for entry in EVERY}
    assert set(CROWDS) <= set(entries), set(CROWDS) - set(entries)
    assert set(CROWD_WHERE) <= set(CROWDS), set(CROWD_WHERE) - set(CROWDS)
    for name, columns in CROWDS.items():
        assert columns and set(columns) <= set(entries[name].clone.overrides), (name, columns)


@pytest.mark.postgres
def test_every_crowded_page_is_the_same_statements_for_one_item_as_for_twenty():
    """The statements pin for every list at once: ``bench/lists.py --statements`` seeds its world on a
    database of its own, makes each crowded list's rows the reader's, and fails on a query per item."""
    target = fresh_database(os.environ["DATABASE_URL"], "lists")
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.lists", "--database-url", target, "--statements"],
        cwd=root, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    report = [line for line in run.stdout.splitlines() if "statements for" in line or "NOT CONSTANT" in line]
    assert run.returncode == 0, "\n".join(report) or run.stderr[-3000:]
    assert len(report) - 1 >= len(CROWDS), f"{len(report) - 1} lists checked of {len(CROWDS)}"
