"""Webhook endpoints of institutions (administrators register them; never private addresses)."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext

from app.core import outbound
from app.core.actors import Actor, ActorKind, Role
from app.core.errors import NotFound, ValidationFailed
from app.core.pagination import Page, paginate
from app.core.policy import require_role
from app.extensions import db
from app.notifications.models import (
    WebhookEndpoint,
)
from app.notifications.services.outbox import PING_EVENT, WEBHOOK_EVENT_CHARS, notify_client


def create_webhook_endpoint(
    actor: Actor, *, client_id: str, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    """Register where a client receives webhooks, with a new signing secret; a ``ping`` event follows."""
    _require_endpoint_admin(actor)
    _check_url(url)
    bad = [e for e in events if not e or set(e) - WEBHOOK_EVENT_CHARS]
    if bad:
        raise ValidationFailed({"events": [gettext("Events are names such as bill.paid.")]})
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        client_id=client_id, url=url, secret=secret, events=sorted(set(events)), description=description
    )
    db.session.add(endpoint)
    db.session.flush()
    notify_client(
        client_id,
        PING_EVENT,
        {"endpoint_id": str(endpoint.id), "url": url},
        dedupe_key=f"webhook-ping-{endpoint.id}",
    )
    return endpoint


def list_webhook_endpoints(actor: Actor, *, client_id: str | None, cursor: str | None, limit: int) -> Page:
    """Registered webhook endpoints, newest first (administrators)."""
    _require_endpoint_admin(actor)
    stmt = db.select(WebhookEndpoint)
    if client_id:
        stmt = stmt.where(WebhookEndpoint.client_id == client_id)
    return paginate(stmt, WebhookEndpoint.id, cursor=cursor, limit=limit)


def deactivate_webhook_endpoint(actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Stop sending to an endpoint (its deliveries stay on record)."""
    _require_endpoint_admin(actor)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    endpoint.active = False
    return endpoint


def _require_endpoint_admin(actor: Actor) -> None:
    if actor.kind is not ActorKind.SYSTEM:
        require_role(actor, Role.ADMIN)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    allowed = ("https",) if current_app.config["WEBHOOK_REQUIRE_HTTPS"] else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationFailed({"url": [gettext("Give an absolute https URL.")]})
    if current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed({"url": [gettext("Give an absolute https URL.")]}) from None
    if outbound.refusal(parts.hostname, port):
        raise ValidationFailed(
            {"url": [gettext("Webhooks go to the public internet, never to loopback or private addresses.")]}
        )
