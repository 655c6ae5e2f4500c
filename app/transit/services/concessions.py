"""Concession fares: elders by their verified national ID, students by a school's attestation.

A school (or the education bureau) is a machine client with the scope ``transit:concessions``; it
attests a verified resident as a student from one day to another. The fare rule asks
:func:`concession_on` for a rider's day; the better concession wins (elders ride buses free).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext

from app.core import access, audit
from app.core.actors import Actor, MandateScope
from app.core.audit import AuditAction
from app.core.calendar import business_date
from app.core.errors import ValidationFailed
from app.core.models import utcnow
from app.core.policy import require_scope
from app.extensions import db
from app.identity import services as identity
from app.transit import fares, policies
from app.transit.models import TransitConcession

MAX_ATTESTATION = timedelta(days=400)  # a school year and a little more; attested again each year


def attest_student(
    actor: Actor, *, phone: str, valid_from: date, valid_until: date, reference: str = ""
) -> TransitConcession:
    """A school attests that the resident with this phone is a student between two days (again: replaced)."""
    require_scope(actor, policies.CONCESSION_SCOPE)
    if not valid_from <= valid_until <= valid_from + MAX_ATTESTATION:
        raise ValidationFailed({"valid_until": [gettext("An attestation lasts at most 400 days.")]})
    person = identity.person_by_phone(phone)
    if person is None or identity.age_of(person.id) is None:
        raise ValidationFailed({"phone": [gettext("No resident with a verified real name has this number.")]})
    concession = db.session.scalar(
        db.select(TransitConcession).where(
            TransitConcession.person_id == person.id, TransitConcession.kind == fares.STUDENT
        )
    )
    if concession is None:
        concession = TransitConcession(person_id=person.id, kind=fares.STUDENT)
        db.session.add(concession)
    concession.valid_from, concession.valid_until = valid_from, valid_until
    concession.client_id, concession.reference = actor.client_id, reference.strip()[:40]
    concession.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, person.id, AuditAction.CHANGE, "transit_concession", concession.id)
    return concession


def is_student_on(person_id: uuid.UUID, day: date) -> bool:
    """A school's attestation covers the rider on ``day``."""
    return (
        db.session.scalar(
            db.select(TransitConcession.id).where(
                TransitConcession.person_id == person_id,
                TransitConcession.kind == fares.STUDENT,
                TransitConcession.valid_from <= day,
                TransitConcession.valid_until >= day,
            )
        )
        is not None
    )


def concession_on(person_id: uuid.UUID, day: date) -> str | None:
    """The rider's concession for a day of trips: elder, student or none."""
    table = fares.fare_table()
    age = identity.age_of(person_id, on=day)
    return fares.concession_of(table, age, student=age is not None and is_student_on(person_id, day))


@dataclass(frozen=True)
class MyConcessions:
    """The rider's concession today, and the schools' attestations behind it."""

    today: str | None
    attestations: list[TransitConcession]


def my_concessions(actor: Actor) -> MyConcessions:
    """What the rider pays today (elder, student or full fare), and their student attestations."""
    person_id = access.list_owner(actor, MandateScope.TRANSIT, "transit_concession")
    attestations = list(
        db.session.scalars(db.select(TransitConcession).where(TransitConcession.person_id == person_id))
    )
    return MyConcessions(concession_on(person_id, business_date(utcnow())), attestations)
