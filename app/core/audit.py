"""The audit log: every staff, proxy or machine touch of a resident's personal data.

One writer, :func:`record`, with a fixed vocabulary of actions (:class:`AuditAction`): one act, one
entry. An act is identified by who acted, whose data, the action and the resource; recording it
again in the same unit of work (a service and the proxy hook both noticing it) writes nothing more.
Residents touching their own data are not recorded.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.actors import Actor, ActorKind
from app.core.models import AuditEntry
from app.core.pagination import Page, paginate
from app.core.uow import allow_on_read
from app.extensions import db

allow_on_read(AuditEntry.__tablename__)  # a read is recorded by the read itself
_SEEN = "yimatong.audit.seen"


class AuditAction(StrEnum):
    """What was done with someone's data."""

    READ = "read"  # one record, or a document shown (a certificate, a scanned code's claims)
    LIST = "list"  # a list of their records
    CREATE = "create"  # a record created for them (a report, a payment, a booking)
    CHANGE = "change"  # a record of theirs changed (a decision, an answer, a role)
    DELETE = "delete"  # a record of theirs removed or revoked
    PAY = "pay"  # money moved from or to them
    SCAN = "scan"  # their city code verified at a gate or desk
    EXPORT = "export"  # their data left in a file


def record(
    actor: Actor,
    subject_person_id: uuid.UUID | None,
    action: AuditAction,
    resource: str,
    resource_id: object | None = None,
    reason: str = "",
) -> AuditEntry | None:
    """Write the act to the subject's access log in the caller's transaction (once per unit of work)."""
    if subject_person_id is None or _own_data(actor, subject_person_id):
        return None
    ref = str(resource_id)[:64] if resource_id is not None else None
    key = (subject_person_id, AuditAction(action).value, resource, ref)
    seen = _seen()
    if key in seen:
        return None
    seen[key] = True
    entry = AuditEntry(
        subject_person_id=subject_person_id,
        action=AuditAction(action).value,
        resource=resource[:120],
        resource_id=ref,
        reason=reason[:255],
        **actor.audit_label(),
    )
    db.session.add(entry)
    return entry


def record_request(
    actor: Actor, subject_person_id: uuid.UUID, action: AuditAction, resource: str, reason: str = ""
) -> AuditEntry | None:
    """The fallback for a proxy's request: an entry only when the services recorded none for the subject."""
    if any(key[0] == subject_person_id for key in _seen()):
        return None
    return record(actor, subject_person_id, action, resource, reason=reason)


def _own_data(actor: Actor, subject_person_id: uuid.UUID) -> bool:
    return actor.kind is ActorKind.PERSON and actor.person_id == subject_person_id


def _seen() -> dict:
    return db.session.info.setdefault(_SEEN, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_acts(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_SEEN, None)


def entries_about(subject_person_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """The audit entries about one person, newest first."""
    stmt = db.select(AuditEntry).where(AuditEntry.subject_person_id == subject_person_id)
    return paginate(stmt, AuditEntry.id, cursor=cursor, limit=limit)
