"""The table of bench/lists.py: every entry reads a list route that exists, and clones real columns."""

import pytest

from app.extensions import db
from bench.lists import LISTS, ListBench, plan_verdict


def test_every_entry_names_a_list_route_of_the_app(app):
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    for entry in LISTS:
        path = entry.path.split("?")[0]
        assert path in rules, f"{entry.name}: {path} is not a route"
        assert "GET" in rules[path].methods


def test_every_clone_writes_columns_its_table_has(app):
    tables = db.metadata.tables
    for entry in LISTS:
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
    assert expected <= names


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
    ],
)
def test_a_plan_is_index_backed_unless_it_scans_or_filters_the_table(plan, verdict):
    assert plan_verdict(plan, "bills") == verdict


def test_an_entry_is_read_by_the_resident_unless_it_says_otherwise():
    assert {entry.who for entry in LISTS} <= {"resident", "elder", "demo"}
    assert ListBench("x", "/api/v1/x", LISTS[0].clone).who == "resident"
