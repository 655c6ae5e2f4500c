"""The audit log: every staff, proxy or machine touch of a resident's personal data."""

from __future__ import annotations

import uuid

from app.core.actors import Actor, ActorKind
from app.core.models import AuditEntry
from app.core.pagination import Page, paginate
from app.core.uow import allow_on_read
from app.extensions import db

allow_on_read(AuditEntry.__tablename__)  # a read is recorded by the read itself


def record_access(
    actor: Actor, subject_person_id: uuid.UUID, action: str, resource: str, reason: str = ""
) -> AuditEntry | None:
    """Write an audit entry in the caller's transaction, unless residents touch their own data."""
    if actor.kind is ActorKind.PERSON and actor.person_id == subject_person_id:
        return None
    entry = AuditEntry(
        subject_person_id=subject_person_id,
        action=action,
        resource=resource,
        reason=reason[:255],
        **actor.audit_label(),
    )
    db.session.add(entry)
    return entry


def entries_about(subject_person_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """The audit entries about one person, newest first."""
    stmt = db.select(AuditEntry).where(AuditEntry.subject_person_id == subject_person_id)
    return paginate(stmt, AuditEntry.id, cursor=cursor, limit=limit)
