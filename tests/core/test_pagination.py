"""One way to page through lists: opaque cursors, one response shape, bounded limits."""

from __future__ import annotations

import uuid

import pytest

from app.core.actors import Actor
from app.core.audit import AuditAction, record
from app.core.errors import ValidationFailed
from app.core.models import AuditEntry
from app.core.pagination import decode_cursor, encode_cursor, page_schema, paginate
from app.extensions import db as _db
from app.identity.schemas import AuditEntrySchema

PROBLEM = "application/problem+json"


@pytest.fixture
def entries(db, resident):
    """25 audit entries about the resident, in creation order."""
    made = [record(Actor.system(), resident.id, AuditAction.READ, f"record-{n}") for n in range(25)]
    db.session.commit()
    return made


def _walk(limit: int, **kwargs) -> list[list]:
    stmt = _db.select(AuditEntry)
    pages, cursor = [], None
    while True:
        page = paginate(stmt, AuditEntry.id, cursor=cursor, limit=limit, **kwargs)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_walking_all_pages_sees_every_item_once_newest_first(entries):
    pages = _walk(10)
    assert [len(p) for p in pages] == [10, 10, 5]
    seen = [entry.id for page in pages for entry in page]
    assert seen == [entry.id for entry in reversed(entries)]


def test_oldest_first_walk(entries):
    seen = [entry.id for page in _walk(7, newest_first=False) for entry in page]
    assert seen == [entry.id for entry in entries]


def test_a_full_last_page_has_no_next_cursor(entries):
    assert [len(p) for p in _walk(5)] == [5, 5, 5, 5, 5]


def test_items_added_while_paging_do_not_shift_older_pages(db, entries, resident):
    first = paginate(_db.select(AuditEntry), AuditEntry.id, cursor=None, limit=10)
    record(Actor.system(), resident.id, AuditAction.READ, "newer")
    db.session.flush()
    second = paginate(_db.select(AuditEntry), AuditEntry.id, cursor=first.next_cursor, limit=10)
    assert [e.id for e in second.items] == [e.id for e in reversed(entries)][10:20]


def test_cursor_round_trip_and_tampering():
    identifier = uuid.uuid4()
    assert decode_cursor(encode_cursor(identifier)) == identifier
    for tampered in ("abc", "!!!!", encode_cursor(identifier)[:-3], "ü" * 22):
        with pytest.raises(ValidationFailed) as refused:
            decode_cursor(tampered)
        assert "cursor" in refused.value.extra["errors"]


def test_one_page_schema_per_item_schema():
    assert page_schema(AuditEntrySchema) is page_schema(AuditEntrySchema)
    assert set(page_schema(AuditEntrySchema)().fields) == {"items", "next_cursor", "limit"}


def _get(client, auth, person, **query):
    headers = auth(person, **{"Accept-Language": "en"})
    return client.get("/api/v1/me/access-log", query_string=query, headers=headers)


def test_walking_the_access_log_over_http(client, auth, resident, entries):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        body = _get(client, auth, resident, **query).get_json()
        assert body["limit"] == 10
        seen += [item["resource"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"record-{n}" for n in reversed(range(25))]


@pytest.mark.parametrize("cursor", ["abc", "not a cursor at all!!", "AAAA" * 10])
def test_tampered_cursor_is_a_422_problem(client, auth, resident, cursor):
    response = _get(client, auth, resident, cursor=cursor)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.get_json()["errors"] == {"cursor": ["Not a valid cursor."]}


def test_any_cursor_of_the_documented_shape_is_accepted(client, auth, resident, entries):
    response = _get(client, auth, resident, cursor=encode_cursor(uuid.UUID(int=0)))
    assert response.status_code == 200
    assert response.get_json()["items"] == []


def test_an_empty_cursor_is_the_first_page(client, auth, resident, entries):
    response = _get(client, auth, resident, cursor="", limit=5)
    assert response.status_code == 200
    assert [item["resource"] for item in response.get_json()["items"]] == [
        f"record-{n}" for n in (24, 23, 22, 21, 20)
    ]


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (0, "Must be greater than or equal to 1."),
        (101, "Must be less than or equal to 100."),
        ("ten", "Not a valid integer."),
    ],
)
def test_limit_out_of_bounds_is_a_422_problem(client, auth, resident, limit, message):
    response = _get(client, auth, resident, limit=limit)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.get_json()["errors"] == {"limit": [message]}


def test_default_and_maximum_limits(client, auth, resident, entries):
    assert _get(client, auth, resident).get_json()["limit"] == 20
    assert len(_get(client, auth, resident, limit=100).get_json()["items"]) == 25
