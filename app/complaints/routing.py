"""The routing rule engine: category, place and keywords decide the responsible department.

Rules are data (managed by supervisors); this module is pure so it can be tested table-driven
and measured with thousands of rules. The highest priority rule that matches wins; among equal
priorities the more specific rule (more criteria) wins, then the lower rule number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RoutingRule:
    """One rule: every non-empty criterion must match; an empty one matches anything."""

    number: int
    name: str
    department_code: str
    priority: int = 0
    category_prefixes: tuple[str, ...] = ()
    district_codes: tuple[str, ...] = ()
    street_codes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    assisting_codes: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        """How many criteria the rule sets."""
        return sum(
            bool(c) for c in (self.category_prefixes, self.district_codes, self.street_codes, self.keywords)
        )


@dataclass(frozen=True)
class ComplaintFacts:
    """What routing looks at: the category code, where it is, and the words used."""

    category_code: str
    district_code: str | None = None
    street_code: str | None = None
    text: str = ""


@dataclass(frozen=True)
class RoutingDecision:
    """The rule that fired and why."""

    rule: RoutingRule
    reasons: tuple[tuple[str, str], ...] = field(default=())  # (kind, value): ("category", "0101")

    @property
    def department_code(self) -> str:
        """The lead department."""
        return self.rule.department_code

    @property
    def assisting_codes(self) -> tuple[str, ...]:
        """Departments that assist the lead one."""
        return self.rule.assisting_codes


def _matches(rule: RoutingRule, facts: ComplaintFacts, text: str) -> tuple[tuple[str, str], ...] | None:
    reasons: list[tuple[str, str]] = []
    if rule.category_prefixes:
        prefix = next((p for p in rule.category_prefixes if facts.category_code.startswith(p)), None)
        if prefix is None:
            return None
        reasons.append(("category", facts.category_code))
    if rule.district_codes:
        if facts.district_code not in rule.district_codes:
            return None
        reasons.append(("district", facts.district_code))
    if rule.street_codes:
        if facts.street_code not in rule.street_codes:
            return None
        reasons.append(("street", facts.street_code))
    if rule.keywords:
        word = next((k for k in rule.keywords if k.lower() in text), None)
        if word is None:
            return None
        reasons.append(("keyword", word))
    return tuple(reasons)


class RuleSet:
    """Rules indexed by category prefix so routing looks only at rules that can match."""

    def __init__(self, rules: list[RoutingRule]):
        self._by_prefix: dict[str, list[RoutingRule]] = defaultdict(list)
        for rule in sorted(rules, key=_rank):
            for prefix in rule.category_prefixes or ("",):
                self._by_prefix[prefix].append(rule)
        self._lengths = sorted({len(p) for p in self._by_prefix})
        self._per_category: dict[str, list[RoutingRule]] = {}

    def _candidates(self, category_code: str) -> list[RoutingRule]:
        """Rules whose category criterion admits this code, best first (memoized per code)."""
        cached = self._per_category.get(category_code)
        if cached is None:
            found: set[RoutingRule] = set()
            for length in self._lengths:
                if length <= len(category_code):
                    found.update(self._by_prefix.get(category_code[:length], ()))
            cached = self._per_category[category_code] = sorted(found, key=_rank)
        return cached

    def route(self, facts: ComplaintFacts) -> RoutingDecision | None:
        """The winning rule for these facts, or None (the complaint goes to the dispatchers)."""
        text = facts.text.lower()
        for rule in self._candidates(facts.category_code):
            reasons = _matches(rule, facts, text)
            if reasons is not None:
                return RoutingDecision(rule=rule, reasons=reasons)
        return None


def _rank(rule: RoutingRule) -> tuple[int, int, int]:
    return (-rule.priority, -rule.specificity, rule.number)
