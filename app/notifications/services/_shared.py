"""What the notifications services re-export from templates and channels for other domains."""

from __future__ import annotations

from app.notifications.channels import Recipient
from app.notifications.templates import (
    TOPICS,
    Button,
    Localized,
    Template,
    Topic,
    get_template,
    register_template,
    register_topic,
)

__all__ = [
    "TOPICS",
    "Button",
    "Localized",
    "Recipient",
    "Template",
    "Topic",
    "get_template",
    "register_template",
    "register_topic",
]
