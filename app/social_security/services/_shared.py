"""What every part of social security shares: names, scopes, and finding a resident's records."""

from __future__ import annotations

import uuid

from flask import current_app

from app.core import access
from app.core.actors import Actor, ActorKind, MandateScope
from app.extensions import db
from app.identity import services as identity
from app.social_security.errors import NoRecords, NotAnInstitution, RealNameRequired
from app.social_security.models import Insured, Source

MANDATE_SCOPE = MandateScope.SOCIAL_SECURITY
WRITE_SCOPES = {
    "social_security:write": Source.SOCIAL_SECURITY,
    "housing_fund:write": Source.HOUSING_FUND,
}
CLIENT_KINDS = {Source.SOCIAL_SECURITY: "social_security", Source.HOUSING_FUND: "housing_fund"}


def source_for(actor: Actor) -> Source:
    """The institution the calling client is (403 for any other caller, or a client holding both scopes)."""
    if actor.kind is not ActorKind.CLIENT:
        raise NotAnInstitution()
    sources = {source for scope, source in WRITE_SCOPES.items() if actor.has_scope(scope)}
    if len(sources) != 1:
        raise NotAnInstitution()
    return sources.pop()


def insured_of_person(person_id: uuid.UUID) -> Insured | None:
    """The insured the person is, by their verified national ID (409 before real-name verification)."""
    id_hash = identity.national_id_hash_of(person_id)
    if id_hash is None:
        raise RealNameRequired()
    return db.session.scalar(db.select(Insured).where(Insured.national_id_hash == id_hash))


def resident_insured(actor: Actor, resource: str) -> tuple[uuid.UUID, Insured]:
    """Whose records the actor reads (themself, or a grantor within the mandate), audited; 404 when none."""
    person_id = access.list_owner(actor, MANDATE_SCOPE, resource)
    insured = insured_of_person(person_id)
    if insured is None:
        raise NoRecords()
    return person_id, insured


def owner_of(insured_id: uuid.UUID) -> uuid.UUID | None:
    """The person whose national ID an insured has, if they have an account and verified it."""
    id_hash = db.session.scalar(db.select(Insured.national_id_hash).where(Insured.id == insured_id))
    if id_hash is None:
        return None
    return identity.people_by_national_id_hash([id_hash]).get(id_hash)


def setting(name: str):
    """A SOCIAL_SECURITY_* setting."""
    return current_app.config[f"SOCIAL_SECURITY_{name}"]
