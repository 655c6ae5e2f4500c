"""Elder profiles: created by the elder (or a guardian under a mandate), read by their circle only."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask_babel import gettext

from app.core import audit
from app.core.access import authorize_private
from app.core.actors import Actor, MandateScope, Role
from app.core.audit import AuditAction
from app.core.errors import NotFound, ValidationFailed
from app.core.pagination import Page, paginate
from app.core.policy import acting_for, require_role
from app.eldercare import policies
from app.eldercare.errors import ElderRealNameRequired, NotAnElder
from app.eldercare.models import CareDevice, ElderProfile, EmergencyContact
from app.eldercare.services._shared import profile_of, require_profile, setting
from app.extensions import db
from app.identity import services as identity

SCOPE = MandateScope.ELDERCARE
MAX_DEVICES = 10


def my_profile(actor: Actor) -> ElderProfile:
    """The elder's profile: the elder, or a guardian whose mandate covers elder care (audited)."""
    person_id = acting_for(actor, SCOPE)
    profile = require_profile(person_id)
    return authorize_private(actor, profile, scope=SCOPE, resource="elder_profile")


def save_profile(actor: Actor, **fields: Any) -> ElderProfile:
    """Create or change the elder's profile: living situation, care level, conditions, contacts, worker."""
    person_id = acting_for(actor, SCOPE)
    _require_elder(person_id)
    profile = profile_of(person_id)
    created = profile is None
    if created:
        profile = ElderProfile(person_id=person_id)
        db.session.add(profile)
    profile.living_situation = fields["living_situation"]
    profile.care_level = fields["care_level"]
    profile.conditions = json.dumps(fields.get("conditions") or [], ensure_ascii=False)
    profile.checkin_by = fields.get("checkin_by")
    profile.worker_id = _worker(fields.get("worker_phone"))
    profile.contacts = [
        EmergencyContact(position=index, name=c["name"], relation=c.get("relation", ""), phone=c["phone"])
        for index, c in enumerate(fields.get("emergency_contacts") or [])
    ]
    db.session.flush()
    action = AuditAction.CREATE if created else AuditAction.CHANGE
    audit.record(actor, person_id, action, "elder_profile", profile.id)
    return profile


def _require_elder(person_id: uuid.UUID) -> None:
    age = identity.age_of(person_id)
    if age is None:
        raise ElderRealNameRequired()
    if age < setting("MIN_AGE"):
        raise NotAnElder()


def _worker(phone: str | None) -> uuid.UUID | None:
    """The community worker the elder chose, by phone (422 unless they hold the role)."""
    if not phone:
        return None
    worker = identity.person_by_phone(phone)
    if worker is None or Role.COMMUNITY_WORKER not in {grant.role for grant in worker.roles}:
        raise ValidationFailed({"worker_phone": [gettext("No community worker has this number.")]})
    return worker.id


# --- the community worker -------------------------------------------------------------------------


def assigned_elders(actor: Actor, *, cursor: str | None, limit: int) -> Page:
    """The elders who chose the signed-in community worker."""
    require_role(actor, Role.COMMUNITY_WORKER)
    stmt = db.select(ElderProfile).where(ElderProfile.worker_id == actor.person_id)
    return paginate(stmt, ElderProfile.id, cursor=cursor, limit=limit)


def elder_for_worker(actor: Actor, person_id: uuid.UUID) -> ElderProfile:
    """An elder's profile for their assigned community worker (404 for any other; audited)."""
    require_role(actor, Role.COMMUNITY_WORKER)
    profile = profile_of(person_id)
    if profile is None:
        raise NotFound()
    return authorize_private(
        actor, profile, scope=SCOPE, also=policies.is_assigned_worker, resource="elder_profile"
    )


# --- devices --------------------------------------------------------------------------------------


def register_device(actor: Actor, *, serial: str, platform: str) -> CareDevice:
    """Register an SOS button or sensor in the elder's home, reported by the platform's client."""
    person_id = acting_for(actor, SCOPE)
    require_profile(person_id)
    client = identity.client_by_id(platform)
    if client is None or client.kind != "care_device":
        raise ValidationFailed({"platform": [gettext("No care-device platform has this id.")]})
    existing = db.session.scalar(
        db.select(CareDevice).where(CareDevice.client_id == platform, CareDevice.serial == serial)
    )
    if existing is not None and existing.person_id != person_id:
        raise ValidationFailed({"serial": [gettext("This device is registered to someone else.")]})
    if existing is None and _device_count(person_id) >= MAX_DEVICES:
        raise ValidationFailed({"serial": [gettext("A home has at most 10 devices.")]})
    device = existing or CareDevice(serial=serial, client_id=platform, person_id=person_id)
    device.registered_by_id = actor.person_id
    db.session.add(device)
    db.session.flush()
    audit.record(actor, person_id, AuditAction.CREATE, "care_device", device.id)
    return device


def _device_count(person_id: uuid.UUID) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(CareDevice).where(CareDevice.person_id == person_id)
    )


def list_devices(actor: Actor) -> list[CareDevice]:
    """The elder's devices (at most a handful: a home has few)."""
    person_id = acting_for(actor, SCOPE)
    audit.record(actor, person_id, AuditAction.LIST, "care_device")
    stmt = (
        db.select(CareDevice)
        .where(CareDevice.person_id == person_id)
        .order_by(CareDevice.id)
        .limit(MAX_DEVICES)
    )
    return list(db.session.scalars(stmt))
