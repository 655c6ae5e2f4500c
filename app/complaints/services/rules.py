"""Routing rules as supervisors edit them, compiled into the engine (app/complaints/routing.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import func

from app.city import services as city
from app.complaints.models import (
    RoutingRuleRecord,
)
from app.complaints.routing import RoutingRule, RuleSet
from app.complaints.services._shared import _rule_cache
from app.core.actors import Actor, Role
from app.core.errors import NotFound
from app.core.models import utcnow
from app.core.pagination import Page, paginate
from app.core.policy import require_role
from app.extensions import db


def _rules_stamp() -> tuple:
    row = db.session.execute(
        db.select(func.count(RoutingRuleRecord.id), func.max(RoutingRuleRecord.updated_at))
    ).one()
    return tuple(row)


def current_rules() -> RuleSet:
    """The active rules, rebuilt whenever any process changed them (no restart needed)."""
    stamp = _rules_stamp()
    if _rule_cache.get("stamp") != stamp:
        records = db.session.scalars(db.select(RoutingRuleRecord).where(RoutingRuleRecord.active))
        _rule_cache["rules"] = RuleSet([engine_rule(r) for r in records])
        _rule_cache["stamp"] = stamp
    return _rule_cache["rules"]


def engine_rule(record: RoutingRuleRecord) -> RoutingRule:
    """A stored rule as the engine reads it."""
    return RoutingRule(
        number=record.number,
        name=record.name,
        department_code=record.department_code,
        priority=record.priority,
        category_prefixes=tuple(record.category_prefixes),
        district_codes=tuple(record.district_codes),
        street_codes=tuple(record.street_codes),
        keywords=tuple(record.keywords),
        assisting_codes=tuple(record.assisting_codes),
    )


def list_rules(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The routing rules, oldest first (supervisors and dispatchers)."""
    require_role(actor, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
    return paginate(
        db.select(RoutingRuleRecord), RoutingRuleRecord.id, cursor=cursor, limit=limit, newest_first=False
    )


def rule_named(name: str) -> RoutingRuleRecord | None:
    """The routing rule called ``name``, if any."""
    return db.session.scalar(db.select(RoutingRuleRecord).where(RoutingRuleRecord.name == name))


def save_rule(actor: Actor, fields: dict, rule_id: uuid.UUID | None = None) -> RoutingRuleRecord:
    """Create or change a routing rule (supervisors); it applies to the next complaint."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    for code in [fields.get("department_code"), *fields.get("assisting_codes", [])]:
        if code is not None:
            city.require_department(code)
    if rule_id is None:
        record = RoutingRuleRecord(number=next_rule_number())
        db.session.add(record)
    else:
        record = _rule(rule_id)
    for key, value in fields.items():
        setattr(record, key, value)
    record.updated_at = utcnow()
    db.session.flush()
    return record


def deactivate_rule(actor: Actor, rule_id: uuid.UUID) -> None:
    """Switch a rule off (kept for the record of complaints it routed)."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    record = _rule(rule_id)
    record.active = False
    record.updated_at = utcnow()


def _rule(rule_id: uuid.UUID) -> RoutingRuleRecord:
    record = db.session.get(RoutingRuleRecord, rule_id)
    if record is None:
        raise NotFound()
    return record


def next_rule_number() -> int:
    """The number the next new rule gets."""
    return (db.session.scalar(db.select(func.max(RoutingRuleRecord.number))) or 0) + 1
