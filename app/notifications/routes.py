"""My inbox and notification preferences; for staff, webhook endpoints and the outbox."""

import uuid

from app.core.actors import Role
from app.core.api import ApiBlueprint, current_actor
from app.core.pagination import page_schema
from app.notifications import services
from app.notifications.schemas import (
    InboxArgsSchema,
    InboxItemSchema,
    InboxPageSchema,
    NotificationPreferencesSchema,
    NotificationPreferencesUpdateSchema,
    OutboxArgsSchema,
    OutboxMessageDetailSchema,
    OutboxMessageSchema,
    ReadAllSchema,
    WebhookEndpointArgsSchema,
    WebhookEndpointCreatedSchema,
    WebhookEndpointCreateSchema,
    WebhookEndpointSchema,
)

blp = ApiBlueprint("notifications", __name__, description="My inbox and how I am notified")
staff_blp = ApiBlueprint(
    "notifications_staff",
    __name__,
    description="Webhook endpoints of institutions and the notification outbox",
)


@blp.route("/me/inbox")
@blp.auth()
@blp.arguments(InboxArgsSchema, location="query")
@blp.response(200, InboxPageSchema)
def inbox(args):
    """My messages, newest first, and how many are unread."""
    return services.my_inbox(current_actor(), **args)


@blp.route("/me/inbox/<uuid:item_id>/read", methods=["POST"])
@blp.auth()
@blp.response(200, InboxItemSchema)
def read_inbox_item(item_id: uuid.UUID):
    """Mark one of my messages read."""
    item = services.mark_read(current_actor(), item_id)
    return item


@blp.route("/me/inbox/read-all", methods=["POST"])
@blp.auth()
@blp.response(200, ReadAllSchema)
def read_all_inbox_items():
    """Mark all my messages read."""
    actor = current_actor()
    marked = services.mark_all_read(actor)
    return {"marked": marked, "unread_count": 0}


@blp.route("/me/notification-preferences")
@blp.auth()
@blp.response(200, NotificationPreferencesSchema)
def get_preferences():
    """My channels per topic and my quiet hours."""
    return services.my_preferences(current_actor())


@blp.route("/me/notification-preferences", methods=["PUT"])
@blp.auth()
@blp.arguments(NotificationPreferencesUpdateSchema)
@blp.response(200, NotificationPreferencesSchema)
def put_preferences(changes):
    """Choose channels for some topics and/or set quiet hours (the inbox is always on)."""
    prefs = services.update_my_preferences(current_actor(), **changes)
    return prefs


@staff_blp.route("/webhook-endpoints")
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(WebhookEndpointArgsSchema, location="query")
@staff_blp.response(200, page_schema(WebhookEndpointSchema))
def list_webhook_endpoints(args):
    """Registered webhook endpoints, newest first."""
    return services.list_webhook_endpoints(current_actor(), **args)


@staff_blp.route("/webhook-endpoints", methods=["POST"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(WebhookEndpointCreateSchema)
@staff_blp.response(201, WebhookEndpointCreatedSchema)
def create_webhook_endpoint(data):
    """Register an endpoint of an institutional client; the signing secret is shown only in this answer."""
    endpoint = services.create_webhook_endpoint(current_actor(), **data)
    return endpoint


@staff_blp.route("/webhook-endpoints/<uuid:endpoint_id>", methods=["DELETE"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.response(200, WebhookEndpointSchema)
def deactivate_webhook_endpoint(endpoint_id: uuid.UUID):
    """Stop sending webhooks to an endpoint."""
    endpoint = services.deactivate_webhook_endpoint(current_actor(), endpoint_id)
    return endpoint


@staff_blp.route("/notifications")
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.arguments(OutboxArgsSchema, location="query")
@staff_blp.response(200, page_schema(OutboxMessageSchema))
def list_messages(args):
    """Outbox messages, newest first (e.g. ?status=failed)."""
    return services.list_messages(current_actor(), **args)


@staff_blp.route("/notifications/<uuid:message_id>")
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.response(200, OutboxMessageDetailSchema)
def get_message(message_id: uuid.UUID):
    """One outbox message and each channel's delivery: status, attempts, provider id, error."""
    message = services.message_detail(current_actor(), message_id)
    return message


@staff_blp.route("/notifications/<uuid:message_id>/retry", methods=["POST"])
@staff_blp.auth(roles=(Role.ADMIN,))
@staff_blp.response(202, OutboxMessageSchema)
def retry_message(message_id: uuid.UUID):
    """Give a failed message a fresh set of attempts."""
    message = services.retry_message(current_actor(), message_id)
    return message
