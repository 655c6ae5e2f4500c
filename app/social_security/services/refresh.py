"""A resident asks the institutions for their latest records now; the institutions read who it is."""

from __future__ import annotations

import uuid

from app.core import audit
from app.core.actors import Actor
from app.core.audit import AuditAction
from app.core.errors import NotFound
from app.core.policy import acting_for
from app.extensions import db
from app.social_security.models import Insured, Source
from app.social_security.providers import Refresh, current_provider
from app.social_security.services._shared import MANDATE_SCOPE, insured_of_person, owner_of, source_for


def refresh(actor: Actor) -> list[Refresh]:
    """Ask both institutions for the resident's latest records (409 before real-name verification)."""
    person_id = acting_for(actor, MANDATE_SCOPE)
    insured = insured_of_person(person_id)
    if insured is None:  # records never came: the institutions are asked by the ID the person verified
        insured = _placeholder(person_id)
    provider = current_provider()
    return [provider.request_refresh(source, insured) for source in Source]


def _placeholder(person_id: uuid.UUID) -> Insured:
    from app.core.ids import new_id
    from app.core.models import utcnow
    from app.core.pii import lookup_hash
    from app.identity import services as identity

    person = identity.get_person(person_id)
    insured = Insured(
        id=new_id(),
        national_id=person.national_id,
        national_id_hash=person.national_id_hash,
        name=person.legal_name or person.display_name,
        name_hash=lookup_hash(person.legal_name or person.display_name),
        updated_at=utcnow(),
    )
    db.session.add(insured)
    db.session.flush()
    return insured


def insured_for_institution(actor: Actor, insured_ref: uuid.UUID) -> Insured:
    """Who a refresh request is about, for the institution asked (its read is in the person's access log)."""
    source_for(actor)
    insured = db.session.get(Insured, insured_ref)
    if insured is None:
        raise NotFound()
    audit.record(actor, owner_of(insured.id), AuditAction.READ, "ss_insured", insured.id, "refresh request")
    return insured
