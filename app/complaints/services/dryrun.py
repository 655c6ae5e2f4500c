"""The routing rules' dry run: replay a period's complaints through a changed rule set, writing nothing.

A supervisor drafts a rule (or changes or switches off existing ones) and asks what it would do to
last month's complaints before saving it. Both rule sets, the rules in force and the rules as they
would be, route every complaint of the period whose category a changed rule names (a complaint of
another category meets the same rules in both, so it cannot move); the answer counts those that
would go elsewhere, from which department to which, and shows a bounded sample. The complaints are
read in keyset chunks (``metrics.period_rows``), so a month of 100,000 never sits in memory.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import func

from app.city import services as city
from app.complaints import metrics
from app.complaints.models import Category, Complaint, RoutingRuleRecord
from app.complaints.routing import ComplaintFacts, RoutingDecision, RoutingRule, RuleSet
from app.complaints.services.intake import routing_text
from app.complaints.services.rules import engine_rule, next_rule_number
from app.core.actors import Actor, Role
from app.core.calendar import business_date
from app.core.errors import ValidationFailed
from app.core.models import utcnow
from app.core.policy import require_role
from app.extensions import db

LONGEST_DAYS = 92  # a quarter at most: the replay reads every complaint of the period
MAX_SAMPLE = 50
DEFAULT_SAMPLE = 20
MAX_DRAFTS = 20


@dataclass(frozen=True)
class Move:
    """How many complaints would leave one department (or the dispatchers' queue) for another."""

    from_code: str
    from_name: str
    to_code: str
    to_name: str
    count: int


@dataclass(frozen=True)
class SampleItem:
    """One complaint that would go to another department, and why (no personal data)."""

    complaint_id: uuid.UUID
    tracking_number: str
    received_at: datetime
    category_code: str
    current_code: str
    current_rule: int | None
    proposed_code: str
    proposed_rule: int | None
    proposed_reasons: list[list[str]]


@dataclass
class DryRun:
    """What the changed rules would have done to the period's complaints."""

    start: date
    end: date
    replayed: int = 0  # complaints received in the period
    routed_again: int = 0  # those of the categories a changed rule names, routed by both rule sets
    changed: int = 0  # would go to another department (or the dispatchers' queue)
    other_rule: int = 0  # would go to the same department by another rule
    moves: list[Move] = field(default_factory=list)
    sample: list[SampleItem] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        """Complaints that would go where they go now."""
        return self.replayed - self.changed


_COLUMNS = (
    Complaint.tracking_number,
    Complaint.category_id,
    Complaint.district_id,
    Complaint.street_id,
    Complaint.description,
    Complaint.address,
    Complaint.attachment,
)


def dry_run(
    actor: Actor,
    drafts: list[dict],
    switched_off: list[uuid.UUID],
    *,
    start: date | None = None,
    end: date | None = None,
    sample: int = DEFAULT_SAMPLE,
) -> DryRun:
    """Replay complaints received in [start, end] (default: last calendar month) through the changed rules."""
    require_role(actor, Role.SUPERVISOR, Role.ADMIN)
    if start is None or end is None:
        start, end = metrics.previous_month(business_date(utcnow()))
    since, until = metrics.period_bounds(start, end, LONGEST_DAYS - 1)
    in_force, would_be = _rules_in_force(), _proposed_rules(drafts, switched_off)
    result = DryRun(start=start, end=end, replayed=_received(since, until))
    categories = {c.id: c.code for c in db.session.scalars(db.select(Category))}
    within = _within_touched(categories, _prefixes_touched(in_force, would_be))
    moves: Counter = Counter()
    if within is not None:
        rows = metrics.period_rows(_COLUMNS, since, until, *within)
        _replay(
            rows, RuleSet(in_force), RuleSet(would_be), categories, result, moves, min(sample, MAX_SAMPLE)
        )
    result.moves = _named_moves(moves)
    return result


def _replay(
    rows, current: RuleSet, proposed: RuleSet, categories, result: DryRun, moves, sample: int
) -> None:
    """Route each row by both rule sets; count, tally and sample those that differ."""
    places = _place_codes()
    for row in rows:
        result.routed_again += 1
        facts = _facts(row, categories, places)
        now_goes, would_go = current.route(facts), proposed.route(facts)
        if _code(now_goes) == _code(would_go):
            result.other_rule += _rule_number(now_goes) != _rule_number(would_go)
            continue
        result.changed += 1
        moves[(_code(now_goes), _code(would_go))] += 1
        if len(result.sample) < sample:
            result.sample.append(_sample_item(row, facts, now_goes, would_go))


def _rules_in_force() -> list[RoutingRule]:
    records = db.session.scalars(db.select(RoutingRuleRecord).where(RoutingRuleRecord.active))
    return [engine_rule(record) for record in records]


def _received(since: datetime, until: datetime) -> int:
    """How many complaints the period holds (one count over the index range)."""
    return db.session.scalar(
        db.select(func.count()).where(Complaint.created_at >= since, Complaint.created_at < until)
    )


def _prefixes_touched(in_force: list[RoutingRule], would_be: list[RoutingRule]) -> tuple[str, ...] | None:
    """The category prefixes of every rule the change adds, alters or removes (None: any category).

    A complaint of another category meets the same candidate rules in both sets, so it routes the
    same way in both: only the categories these prefixes name need replaying.
    """
    before, after = {r.number: r for r in in_force}, {r.number: r for r in would_be}
    differing = [
        rule
        for number in before.keys() | after.keys()
        if before.get(number) != after.get(number)
        for rule in (before.get(number), after.get(number))
        if rule is not None
    ]
    if any(not rule.category_prefixes for rule in differing):
        return None
    return tuple(sorted({prefix for rule in differing for prefix in rule.category_prefixes}))


def _within_touched(categories: dict[uuid.UUID, str], prefixes: tuple[str, ...] | None) -> tuple | None:
    """The criteria selecting the complaints to replay: () for all, None when there are none."""
    if prefixes is None:
        return ()
    touched = [
        category_id for category_id, code in categories.items() if prefixes and code.startswith(prefixes)
    ]
    return (Complaint.category_id.in_(touched),) if touched else None


def _proposed_rules(drafts: list[dict], switched_off: list[uuid.UUID]) -> list[RoutingRule]:
    """The active rules with the drafts in place (a draft with an ``id`` replaces that rule)."""
    if len(drafts) + len(switched_off) > MAX_DRAFTS:
        raise ValidationFailed({"rules": [gettext("At most %(count)d changes at once.", count=MAX_DRAFTS)]})
    records = {r.id: r for r in db.session.scalars(db.select(RoutingRuleRecord))}
    replaced = {draft["id"] for draft in drafts if draft.get("id")}
    unknown = [str(i) for i in (*replaced, *switched_off) if i not in records]
    if unknown:
        message = gettext("No routing rule has this id: %(ids)s.", ids=", ".join(unknown))
        raise ValidationFailed({"rules": [message]})
    rules = [
        engine_rule(record)
        for record in records.values()
        if record.active and record.id not in replaced and record.id not in switched_off
    ]
    number = next_rule_number()
    for index, draft in enumerate(drafts):
        for code in (draft["department_code"], *draft.get("assisting_codes", [])):
            city.require_department(code, field=f"rules.{index}.department_code")
        kept = records[draft["id"]].number if draft.get("id") else None
        rules.append(_draft_rule(draft, kept if kept is not None else number))
        number += kept is None
    return rules


def _draft_rule(draft: dict, number: int) -> RoutingRule:
    return RoutingRule(
        number=number,
        name=draft["name"],
        department_code=draft["department_code"],
        priority=draft.get("priority", 0),
        category_prefixes=tuple(draft.get("category_prefixes", ())),
        district_codes=tuple(draft.get("district_codes", ())),
        street_codes=tuple(draft.get("street_codes", ())),
        keywords=tuple(draft.get("keywords", ())),
        assisting_codes=tuple(draft.get("assisting_codes", ())),
    )


def _place_codes() -> dict[uuid.UUID, str]:
    """Every district's and street's code by id (reference data: a few hundred rows)."""
    codes: dict[uuid.UUID, str] = {}
    for district in city.list_districts():
        codes[district.id] = district.code
        codes.update({street.id: street.code for street in district.streets})
    return codes


def _facts(row, categories: dict, places: dict) -> ComplaintFacts:
    return ComplaintFacts(
        category_code=categories.get(row.category_id, ""),
        district_code=places.get(row.district_id),
        street_code=places.get(row.street_id),
        text=routing_text(row.description, row.address, row.attachment),
    )


def _code(decision: RoutingDecision | None) -> str:
    return decision.department_code if decision else metrics.QUEUE


def _rule_number(decision: RoutingDecision | None) -> int | None:
    return decision.rule.number if decision else None


def _sample_item(row, facts, now_goes, would_go) -> SampleItem:
    return SampleItem(
        complaint_id=row.id,
        tracking_number=row.tracking_number,
        received_at=row.created_at,
        category_code=facts.category_code,
        current_code=_code(now_goes),
        current_rule=_rule_number(now_goes),
        proposed_code=_code(would_go),
        proposed_rule=_rule_number(would_go),
        proposed_reasons=[list(reason) for reason in would_go.reasons] if would_go else [],
    )


def _named_moves(moves: Counter) -> list[Move]:
    names: dict[str, str] = {}

    def name(code: str) -> str:
        if code not in names:
            names[code] = metrics.department_label(code)
        return names[code]

    return [
        Move(from_code=a, from_name=name(a), to_code=b, to_name=name(b), count=count)
        for (a, b), count in sorted(moves.items(), key=lambda item: (-item[1], item[0]))
    ]
