"""Signing in with an SMS code: the code, the first sign-in's welcome, invitations waiting for the number."""

from __future__ import annotations

from datetime import datetime

from app.core.models import utcnow
from app.identity import notices, otp
from app.identity.models import (
    Person,
)
from app.identity.services.people import get_or_create_person, person_by_phone


def send_sign_in_code(phone: str, locale: str | None = None, requester: str | None = None) -> datetime:
    """Text a sign-in code to ``phone`` for ``requester`` (the client address); returns when it expires.

    429 when this requester asked too often for this phone, or the phone is in its slow-down.
    """
    person = person_by_phone(phone)
    challenge = otp.send_code(phone, (person.locale if person else None) or locale, requester)
    return challenge.expires_at


def sign_in_with_otp(phone: str, code: str, requester: str | None = None) -> Person:
    """The person signing in with a code sent to their phone, created (and welcomed) the first time.

    A refused code raises after counting the attempt (for ``requester`` and for the code): the caller
    commits before answering.
    """
    otp.check_code(phone, code, requester)
    person, _ = get_or_create_person(phone)
    first_time = person.last_signed_in_at is None
    person.last_signed_in_at = utcnow()
    if first_time:
        _welcome(person)
    return person


def _welcome(person: Person) -> None:
    notices.welcome(person.id, person.display_name)
