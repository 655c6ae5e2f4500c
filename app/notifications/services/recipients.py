"""Recipients: how people are reached, looked up through the directory identity installs."""

from __future__ import annotations

import uuid
from typing import Protocol

from app.notifications.channels import Recipient


class RecipientDirectory(Protocol):
    """Looks people up for delivery; identity installs one (notifications import no domain)."""

    def recipient(self, person_id: uuid.UUID) -> Recipient | None:
        """The person's contact details, or None if there is no such person."""
        ...

    def person_id_by_phone(self, phone: str) -> uuid.UUID | None:
        """The person with this phone number (E.164), if any."""
        ...

    def mandate_holders(self, person_id: uuid.UUID, topic: str) -> list[uuid.UUID]:
        """Who holds a mandate in force from the person covering ``topic`` (urgent messages' last step)."""
        ...


_directory: dict[str, RecipientDirectory] = {}


def set_recipient_directory(directory: RecipientDirectory) -> None:
    """Install how recipients are looked up (identity does this in its ``init_app``)."""
    _directory["people"] = directory


def recipient(person_id: uuid.UUID) -> Recipient | None:
    """The person's contact details for a delivery."""
    return _directory["people"].recipient(person_id)


def person_id_by_phone(phone: str) -> uuid.UUID | None:
    """The person with this phone number, for support commands."""
    return _directory["people"].person_id_by_phone(phone)


def mandate_holders(person_id: uuid.UUID, topic: str) -> list[uuid.UUID]:
    """Who holds a mandate in force from the person covering ``topic`` (none if the directory cannot say)."""
    holders = getattr(_directory["people"], "mandate_holders", None)
    return list(holders(person_id, topic)) if holders is not None else []
