"""Finding a time: providers by kind, name or distance; their services and practitioners; a day's slots.

Providers, services and slots are public. A day's slots of one service (or of one provider) is one
index range (``service_id, starts_at``), so it costs the same among a million slots as among ten
thousand.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import or_
from sqlalchemy.orm import lazyload

from app.appointments.models import Provider, Service, Slot
from app.appointments.services._shared import MAX_DAY_SLOTS, get_slot
from app.core.calendar import SHANGHAI
from app.core.errors import NotFound, ValidationFailed
from app.core.geo import Point
from app.core.nearby import Near, nearby
from app.core.pagination import Page, paginate
from app.extensions import db


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_providers(*, kind: str | None, q: str | None, cursor: str | None, limit: int) -> Page:
    """Providers, newest first; by kind and by a word of their name."""
    stmt = db.select(Provider)
    if kind:
        stmt = stmt.where(Provider.kind == kind)
    if q:
        pattern = _like(q)
        stmt = stmt.where(
            or_(
                Provider.name_zh_hans.like(pattern, escape="\\"),
                Provider.name_zh_hant.like(pattern, escape="\\"),
                Provider.name_en.ilike(pattern, escape="\\"),
            )
        )
    return paginate(stmt, Provider.id, cursor=cursor, limit=limit)


def providers_nearby(*, centre: Point, radius: int, kind: str | None, limit: int) -> list[Near]:
    """Providers within ``radius`` metres of ``centre``, nearest first."""
    stmt = db.select(Provider)
    if kind:
        stmt = stmt.where(Provider.kind == kind)
    return nearby(stmt, Provider, centre, radius_m=radius, limit=limit)


def get_provider(provider_id: uuid.UUID) -> Provider:
    """A provider by id."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound()
    return provider


def list_services(
    *, provider_id: uuid.UUID | None, q: str | None, practitioner: str | None, cursor: str | None, limit: int
) -> Page:
    """Services (departments, doctors' clinics, counters): of a provider, by name or by practitioner."""
    stmt = db.select(Service)
    if provider_id:
        stmt = stmt.where(Service.provider_id == provider_id)
    if practitioner:
        stmt = stmt.where(Service.practitioner.like(_like(practitioner), escape="\\"))
    if q:
        pattern = _like(q)
        stmt = stmt.where(
            or_(
                Service.name_zh_hans.like(pattern, escape="\\"),
                Service.name_en.ilike(pattern, escape="\\"),
                Service.department.like(pattern, escape="\\"),
            )
        )
    return paginate(stmt, Service.id, cursor=cursor, limit=limit)


def day_slots(
    *, day: date, service_id: uuid.UUID | None, provider_id: uuid.UUID | None, available: bool
) -> list[Slot]:
    """The slots of one day (Asia/Shanghai) of a service or a provider, in time order (at most 200)."""
    if (service_id is None) == (provider_id is None):
        raise ValidationFailed({"service_id": [gettext("Give service_id or provider_id, one of them.")]})
    start = datetime.combine(day, time(), SHANGHAI)
    window = (Slot.starts_at >= start, Slot.starts_at < start + timedelta(days=1))
    column, value = (Slot.service_id, service_id) if service_id else (Slot.provider_id, provider_id)
    stmt = db.select(Slot).options(lazyload(Slot.service)).where(column == value, *window)  # seats only
    if available:
        stmt = stmt.where(Slot.withdrawn.is_(False), Slot.booked + Slot.held < Slot.capacity)
    return list(db.session.scalars(stmt.order_by(Slot.starts_at).limit(MAX_DAY_SLOTS)))


def slot(slot_id: uuid.UUID) -> Slot:
    """A slot by id."""
    return get_slot(slot_id)
