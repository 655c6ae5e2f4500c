"""What the elder-care tests share: elders (verified, aged over 60), guardians, workers, the outbox."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

from stdnum.cn import ric

from app.core.actors import Actor, ActorKind, Role
from app.core.calendar import SHANGHAI
from app.core.models import utcnow
from app.eldercare import services
from app.extensions import db as _db
from app.identity import services as identity
from app.notifications.models import Delivery, OutboxMessage

_serial = itertools.count(1)
DAYTIME = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)  # a Monday morning in Guiyang


def shanghai(*args) -> datetime:
    """A moment given in Asia/Shanghai."""
    return datetime(*args, tzinfo=SHANGHAI)


def national_id(born: int = 1948) -> str:
    """A fresh, valid national ID number of someone born in ``born``."""
    while True:
        n = next(_serial)
        base = f"520100{born}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        number = base + ric.calc_check_digit(base + "0")
        if ric.is_valid(number):
            return number


def person_actor(person) -> Actor:
    """The actor a person's own token gives."""
    return Actor(kind=ActorKind.PERSON, person_id=person.id)


def verified(make_person, name: str = "李奶奶", born: int = 1948):
    """A resident who verified their real name (born in ``born``)."""
    person = make_person(name=name)
    identity.verify_real_name(person_actor(person), name, national_id(born))
    return person


def guard(elder, guardian, scopes=("eldercare",)) -> None:
    """The elder gives ``guardian`` a mandate (elder care by default)."""
    identity.grant_mandate(
        person_actor(elder),
        grantee_phone=guardian.phone,
        scopes=list(scopes),
        expires_at=utcnow() + timedelta(days=200),
    )


def profile(elder, *, contacts=(), worker=None, checkin_by: time | None = None, conditions=("高血压",)):
    """The elder's profile, written by the elder."""
    return services.save_profile(
        person_actor(elder),
        living_situation="alone",
        care_level="assisted",
        conditions=list(conditions),
        emergency_contacts=[{"name": n, "relation": "邻居", "phone": p} for n, p in contacts],
        checkin_by=checkin_by,
        worker_phone=worker.phone if worker is not None else None,
    )


def worker(make_person, name: str = "孙丽"):
    """A community worker."""
    return make_person(Role.COMMUNITY_WORKER, name=name)


def called(alert_id=None, template: str = "eldercare_sos") -> list:
    """Who got an alert's notice, in order: person ids, or phones for contacts without an account."""
    _db.session.expire_all()
    stmt = _db.select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)
    if alert_id is not None:
        stmt = stmt.where(OutboxMessage.dedupe_key.like(f"eldercare:alert:{alert_id}:%"))
    return [m.recipient_id or m.recipient_phone for m in _db.session.scalars(stmt)]


def deliveries(recipient_id, template: str = "eldercare_sos") -> dict[str, str]:
    """Each channel's delivery status of the person's latest message of ``template``."""
    _db.session.expire_all()
    message = _db.session.scalar(
        _db.select(OutboxMessage)
        .where(OutboxMessage.recipient_id == recipient_id, OutboxMessage.template == template)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    rows = _db.session.scalars(_db.select(Delivery).where(Delivery.message_id == message.id))
    return {d.channel: d.status for d in rows}
