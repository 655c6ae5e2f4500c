"""The audit log: every staff, proxy or machine touch of a resident's personal data.

One writer, :func:`record`, with a fixed vocabulary of actions (:class:`AuditAction`): one act, one
entry. An act is identified by who acted, whose data, the action and the resource; recording it
again in the same unit of work (a service and the proxy hook both noticing it) writes nothing more.
Residents touching their own data are not recorded.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, event
from sqlalchemy.orm import Session

from app.core.actors import Actor, ActorKind
from app.core.models import AuditEntry, UTCDateTime, utcnow
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
    at_most_every: timedelta | None = None,
) -> AuditEntry | None:
    """Write the act to the subject's access log in the caller's transaction (once per unit of work).

    ``at_most_every``: for a glance repeated all day (a guardian's home showing an elder's cards),
    one entry per actor in that window; the log says they looked, not each time.
    """
    if subject_person_id is None or _own_data(actor, subject_person_id):
        return None
    ref = str(resource_id)[:64] if resource_id is not None else None
    key = (subject_person_id, AuditAction(action).value, resource, ref)
    seen = _seen()
    if key in seen:
        return None
    seen[key] = True
    if at_most_every is not None and _recorded_since(actor, key, utcnow() - at_most_every):
        return None
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


_RECENT = (
    db.select(AuditEntry.created_at)
    .where(
        AuditEntry.subject_person_id == bindparam("subject"),
        AuditEntry.created_at >= bindparam("since", type_=UTCDateTime),
        AuditEntry.action == bindparam("action"),
        AuditEntry.resource == bindparam("resource"),
        AuditEntry.actor_person_id.is_not_distinct_from(bindparam("actor_person_id")),
        AuditEntry.client_id.is_not_distinct_from(bindparam("client_id")),
    )
    .order_by(AuditEntry.created_at.desc())
    .limit(1)
)

# Glances this worker has read back from the log (so committed): who looked at whose what → when
# last. The log is append-only, so an entry once read stays true, and a glance inside the window of
# one known here needs no query (a guardian's home, visited all day, asks the log once an hour).
_glances: dict[tuple, datetime] = {}
_GLANCES_KEPT = 4096


def _recorded_since(actor: Actor, key: tuple, since: datetime) -> bool:
    subject, action, resource, _ = key
    label = actor.audit_label()
    params = {
        "subject": subject,
        "since": since,
        "action": action,
        "resource": resource[:120],
        "actor_person_id": label.get("actor_person_id"),
        "client_id": label.get("client_id"),
    }
    glance = (subject, action, params["resource"], params["actor_person_id"], params["client_id"])
    known = _glances.get(glance)
    if known is not None and known >= since:
        return True
    latest = db.session.scalar(_RECENT, params)
    if latest is None:
        return False
    if len(_glances) >= _GLANCES_KEPT:
        _glances.clear()
    _glances[glance] = latest
    return True


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
