"""One way to paginate: keyset cursors over time-ordered ids, one response shape."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, union_all

from app.core.errors import ValidationFailed
from app.core.validation import Range
from app.extensions import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CURSOR_PATTERN = r"^([A-Za-z0-9_-]{22})?$"  # empty: the first page


class PageArgsSchema(ma.Schema):
    """Query arguments of every list endpoint."""

    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(CURSOR_PATTERN, error=_l("Not a valid cursor.")),
        metadata={"description": "Opaque cursor from the previous page's next_cursor"},
    )
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(1, MAX_LIMIT))


@dataclass
class Page:
    """A page of results and the cursor to the next page (None on the last page)."""

    items: list[Any]
    next_cursor: str | None
    limit: int


def encode_cursor(last_id: uuid.UUID) -> str:
    """Opaque cursor for the item after which the next page starts."""
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    """Reverse of :func:`encode_cursor`; a tampered cursor is a validation error."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed({"cursor": [gettext("Not a valid cursor.")]}) from exc


def paginate(stmt: Select, id_column, *, cursor: str | None, limit: int, newest_first: bool = True) -> Page:
    """Run ``stmt`` one page at a time, keyed on a UUIDv7 id column."""
    rows = list(db.session.scalars(_one_page(stmt, id_column, cursor, limit, newest_first)))
    has_more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].id) if has_more and items else None
    return Page(items=items, next_cursor=next_cursor, limit=limit)


def paginate_any(
    stmt: Select,
    id_column,
    branches: list[Select],
    *,
    cursor: str | None,
    limit: int,
    newest_first: bool = True,
) -> Page:
    """``stmt`` a page at a time, kept to the ids any of ``branches`` (each one id column) selects.

    Each branch is cut to one page by its own keyset range before the union, so a page costs one page
    per branch, each an index range, where an ``OR`` across them would walk the whole table.
    """
    ranged = []
    for branch in branches:
        page = _one_page(branch, branch.selected_columns[0], cursor, limit, newest_first).subquery()
        ranged.append(select(*page.c))
    stmt = stmt.where(id_column.in_(union_all(*ranged)))
    return paginate(stmt, id_column, cursor=cursor, limit=limit, newest_first=newest_first)


def _one_page(stmt: Select, id_column, cursor: str | None, limit: int, newest_first: bool) -> Select:
    if cursor:
        last = decode_cursor(cursor)
        stmt = stmt.where(id_column < last if newest_first else id_column > last)
    return stmt.order_by(id_column.desc() if newest_first else id_column.asc()).limit(limit + 1)


_PAGE_SCHEMAS: dict[type, type[ma.Schema]] = {}


def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The response schema of a page of ``item_schema`` (one class per item schema)."""
    if item_schema not in _PAGE_SCHEMAS:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _PAGE_SCHEMAS[item_schema] = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "next_cursor": ma.fields.String(allow_none=True, required=True),
                "limit": ma.fields.Integer(required=True),
                "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')} items.",
            },
        )
    return _PAGE_SCHEMAS[item_schema]
