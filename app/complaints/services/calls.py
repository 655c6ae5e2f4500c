"""What the hotline sees while taking a call: the caller's earlier requests, categories for the words."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask_babel import gettext

from app.complaints.models import Category, Complaint, RoutingRuleRecord
from app.complaints.services.reading import LIST_LOADING, views
from app.complaints.similarity import bigrams
from app.core import audit
from app.core.actors import Actor, Role
from app.core.audit import AuditAction
from app.core.errors import ValidationFailed
from app.core.pii import InvalidPII, mask_phone, normalize_phone
from app.core.policy import require_role
from app.extensions import db
from app.identity import services as identity

CALL_TAKERS = (Role.HOTLINE_AGENT, Role.DISPATCHER, Role.SUPERVISOR)
CALLER_HISTORY_LIMIT = 10


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the agent may see them: the number masked, the account's name, earlier requests."""

    phone: str  # E.164, what the agent typed, to record the call with
    masked_phone: str
    person_id: uuid.UUID | None = None
    name: str | None = None
    earlier: list = field(default_factory=list)  # views of their latest complaints, newest first


def find_caller(actor: Actor, phone: str) -> Caller:
    """The caller behind a phone number and their latest requests (audited as a list of theirs)."""
    require_role(actor, *CALL_TAKERS)
    try:
        e164 = normalize_phone(phone)
    except InvalidPII:
        raise ValidationFailed({"phone": [gettext("Not a valid phone number.")]}) from None
    person = identity.person_by_phone(e164)
    if person is None:
        return Caller(phone=e164, masked_phone=mask_phone(e164))
    stmt = (
        db.select(Complaint)
        .where(Complaint.reporter_id == person.id)
        .options(*LIST_LOADING)
        .order_by(Complaint.id.desc())
        .limit(CALLER_HISTORY_LIMIT)
    )
    earlier = list(db.session.scalars(stmt))
    audit.record(actor, person.id, AuditAction.LIST, "complaint", reason="hotline call")
    return Caller(
        phone=e164,
        masked_phone=mask_phone(e164),
        person_id=person.id,
        name=person.display_name or None,
        earlier=views(earlier),
    )


def suggest_categories(text: str, limit: int = 3) -> list[Category]:
    """The leaf categories the words most likely belong to, best first (none for empty or unrelated text).

    A category scores by how much of its name the text contains (character bigrams, so Chinese
    needs no tokenizer; the Simplified and Traditional names and the English one), and more when a
    routing rule's keyword for it appears in the text.
    """
    words = (text or "").strip().lower()
    if not words:
        return []
    grams = bigrams(words)
    leaves = _leaf_categories()
    scores: dict[str, float] = {}
    for category in leaves:
        best = max(_containment(grams, words, name) for name in category.names.values())
        if best > 0:
            scores[category.code] = best
    for rule in db.session.scalars(db.select(RoutingRuleRecord).where(RoutingRuleRecord.active)):
        if rule.keywords and any(keyword.lower() in words for keyword in rule.keywords):
            for category in leaves:
                if any(category.code.startswith(prefix) for prefix in rule.category_prefixes):
                    scores[category.code] = scores.get(category.code, 0) + 0.5
    ranked = sorted((c for c in leaves if c.code in scores), key=lambda c: (-scores[c.code], c.code))
    return ranked[:limit]


def _containment(grams: frozenset[str], words: str, name: str) -> float:
    name = (name or "").lower()
    if not name:
        return 0.0
    if name in words:
        return 1.0
    own = bigrams(name)
    return len(own & grams) / len(own) if own else 0.0


def _leaf_categories() -> list[Category]:
    categories = list(db.session.scalars(db.select(Category).where(Category.active).order_by(Category.code)))
    parents = {c.parent_code for c in categories if c.parent_code}
    return [c for c in categories if c.code not in parents]
