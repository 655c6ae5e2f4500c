"""Test-only helpers for the money path: what bills, parking and commerce will do, in a few lines.

Importing this module registers the ``testshop`` purpose domain, whose handlers record every
outcome they hear, so a test can check each intent was reported exactly once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from app.core.actors import Actor, ActorKind, MandateScope
from app.core.money import Money
from app.extensions import db
from app.payments import sandbox, services
from app.payments.models import PaymentIntent

TEST_DOMAIN = "testshop"
TEST_SCOPE = MandateScope.COMMERCE  # what a family member needs to pay the shop for someone
MERCHANT = services.Payee("merchant", "merchant-test-1")

settled: list[services.PaymentOutcome] = []
refunded: list[services.RefundOutcome] = []

services.register_purpose(TEST_DOMAIN, TEST_SCOPE, on_settled=settled.append, on_refunded=refunded.append)


def person_actor(person, *roles: str) -> Actor:
    """The actor a resident's (or staff member's) token gives."""
    return Actor(kind=ActorKind.PERSON, person_id=person.id, roles=frozenset(roles))


def client_actor(client_id: str, *scopes: str) -> Actor:
    """An institution's machine client."""
    return Actor(kind=ActorKind.CLIENT, client_id=client_id, scopes=frozenset(scopes))


def new_ref() -> str:
    """A fresh id of something to pay for."""
    return "order-" + uuid.uuid4().hex[:12]


def pay(
    person,
    fen: int = 1000,
    *,
    refs: list[str] | None = None,
    key: str | None = None,
    payee: services.Payee = MERCHANT,
    actor: Actor | None = None,
    outcome: str | None = None,
    commit: bool = True,
) -> PaymentIntent:
    """Open a payment as a domain would, and commit it like the end of a request."""
    intent = services.create_intent(
        actor or person_actor(person),
        person.id,
        payee,
        Money(fen),
        services.Purpose(TEST_DOMAIN, tuple(refs or [new_ref()])),
        key or uuid.uuid4().hex,
        description="测试订单",
        provider_options={"sandbox_outcome": outcome} if outcome else None,
    )
    if commit:
        db.session.commit()
    return intent


def run_sandbox(now: datetime | None = None) -> sandbox.SandboxRun:
    """Let the sandbox's payers answer and deliver its callbacks, as its job would."""
    return sandbox.run(now)


def outcomes_for(intent_id) -> list[services.PaymentOutcome]:
    """What the purpose domain heard about one intent."""
    return [outcome for outcome in settled if outcome.intent_id == intent_id]
