"""The biller registry (BBPS-like): who can be paid, per city and category; how each names an account."""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext

from app.bills.errors import (
    NotABiller,
)
from app.bills.models import (
    CATEGORY_LABELS,
    Biller,
)
from app.bills.services._shared import BILLER_CLIENT_KIND, WRITE_SCOPE
from app.core.actors import Actor, ActorKind, Role
from app.core.errors import ValidationFailed
from app.core.pagination import Page, paginate
from app.core.policy import require_role, require_scope
from app.extensions import db
from app.identity import services as identity


def list_billers(*, category: str | None = None, city_code: str | None = None) -> list[Biller]:
    """Active billers, by city and category (anyone may read the registry)."""
    stmt = db.select(Biller).where(Biller.active).order_by(Biller.city_code, Biller.category, Biller.code)
    if category:
        stmt = stmt.where(Biller.category == category)
    if city_code:
        stmt = stmt.where(Biller.city_code == city_code)
    return list(db.session.scalars(stmt))


def all_billers(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """Every biller, active or not, in the order they were registered (administrators)."""
    require_role(actor, Role.ADMIN)
    return paginate(db.select(Biller), Biller.id, cursor=cursor, limit=limit, newest_first=False)


def biller_by_code(code: str) -> Biller | None:
    """The biller registered under ``code``, if any."""
    return db.session.scalar(db.select(Biller).where(Biller.code == code))


def save_biller(actor: Actor, code: str, fields: dict) -> tuple[Biller, bool]:
    """Register or update a biller (administrators, or the system for the demo); returns (biller, created)."""
    if actor.kind is not ActorKind.SYSTEM:
        require_role(actor, Role.ADMIN)
    _check_account_fields(fields["account_fields"])
    client = identity.client_by_id(fields["client_id"])
    if client is None or client.kind != BILLER_CLIENT_KIND:
        message = gettext("Register the biller's client first, as an institution of kind biller.")
        raise ValidationFailed({"client_id": [message]})
    taken = db.session.scalar(
        db.select(Biller).where(Biller.client_id == fields["client_id"], Biller.code != code)
    )
    if taken is not None:
        raise ValidationFailed({"client_id": [gettext("Another biller already uses this client.")]})
    biller = biller_by_code(code)
    created = biller is None
    if created:
        biller = Biller(code=code)
        db.session.add(biller)
    for name, value in fields.items():
        setattr(biller, name, value)
    db.session.flush()
    return biller, created


def _check_account_fields(declared: list[dict]) -> None:
    names = [spec["name"] for spec in declared]
    errors = []
    if "account_number" not in names:
        errors.append(gettext("Declare the field account_number."))
    if len(set(names)) != len(names):
        errors.append(gettext("Field names must be unique."))
    for spec in declared:
        try:
            re.compile(spec["pattern"])
        except re.error:
            errors.append(gettext("Not a valid pattern: %(pattern)s", pattern=spec["pattern"]))
            continue
        if not re.fullmatch(spec["pattern"], spec["example"]):
            errors.append(gettext("The example of %(name)s does not match its pattern.", name=spec["name"]))
    if errors:
        raise ValidationFailed({"account_fields": errors})


def biller_for_client(actor: Actor) -> Biller:
    """The active biller the calling client is (403 for any other caller)."""
    if actor.kind is not ActorKind.CLIENT:
        raise NotABiller()
    require_scope(actor, WRITE_SCOPE)
    biller = db.session.scalar(db.select(Biller).where(Biller.client_id == actor.client_id, Biller.active))
    if biller is None:
        raise NotABiller()
    return biller


def _active_biller(biller_id: uuid.UUID) -> Biller:
    biller = db.session.get(Biller, biller_id)
    if biller is None or not biller.active:
        raise ValidationFailed({"biller_id": [gettext("Unknown biller.")]})
    return biller


def category_label(category: str) -> str:
    """A biller category's name in the reader's language."""
    label = CATEGORY_LABELS.get(category)
    return str(label) if label is not None else category
