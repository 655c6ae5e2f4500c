"""What the elder-care services share: finding a profile, the elder's name, today in Shanghai."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask import current_app

from app.core.calendar import SHANGHAI
from app.core.models import utcnow
from app.eldercare.errors import NoElderProfile
from app.eldercare.models import ElderProfile
from app.extensions import db
from app.identity import services as identity


def profile_of(person_id: uuid.UUID) -> ElderProfile | None:
    """The elder's care profile, if they have one."""
    return db.session.scalar(db.select(ElderProfile).where(ElderProfile.person_id == person_id))


def require_profile(person_id: uuid.UUID) -> ElderProfile:
    """The elder's care profile (404 ``no-elder-profile`` without one)."""
    profile = profile_of(person_id)
    if profile is None:
        raise NoElderProfile()
    return profile


def name_of(person_id: uuid.UUID | None) -> str:
    """How messages name a person (their display name)."""
    return identity.get_person(person_id).display_name if person_id else ""


def local_now(now: datetime | None = None) -> datetime:
    """The moment in Asia/Shanghai, where check-in times are set."""
    return (now or utcnow()).astimezone(SHANGHAI)


def today(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai."""
    return local_now(now).date()


def setting(name: str) -> int:
    """An elder-care setting (``ELDERCARE_<name>``)."""
    return int(current_app.config[f"ELDERCARE_{name}"])
