"""How the inbox, notification preferences, webhook endpoints and outbox messages appear in the API."""

import marshmallow as ma
from flask_babel import gettext

from app.core.pagination import PageArgsSchema, page_schema
from app.core.validation import StrictSchema
from app.notifications.channels import PERSON_CHANNELS
from app.notifications.models import MessageStatus
from app.notifications.templates import TOPICS

TIME_FORMAT = "%H:%M"


class InboxItemSchema(ma.Schema):
    """A message in the inbox, in the language it was delivered in."""

    id = ma.fields.UUID(dump_only=True)
    topic = ma.fields.String(
        dump_only=True, metadata={"description": "The domain's topic (bills, complaints, account, ...)"}
    )
    template = ma.fields.String(dump_only=True, metadata={"description": "What kind of message this is"})
    urgency = ma.fields.String(dump_only=True)
    title = ma.fields.String(dump_only=True)
    body = ma.fields.String(dump_only=True)
    locale = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    read_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    read = ma.fields.Function(lambda item: item.read_at is not None, dump_only=True)


class InboxArgsSchema(PageArgsSchema):
    """Query arguments of the inbox."""

    unread_only = ma.fields.Boolean(load_default=False)


class InboxPageSchema(page_schema(InboxItemSchema)):
    """A page of the inbox and the number of unread messages."""

    unread_count = ma.fields.Integer(required=True)


class ReadAllSchema(ma.Schema):
    """What marking everything read changed."""

    marked = ma.fields.Integer(required=True, metadata={"description": "Items that were unread"})
    unread_count = ma.fields.Integer(required=True)


def _known_topic(value: str) -> None:
    if value not in TOPICS:  # domains register their topics as they are set up
        raise ma.ValidationError(gettext("Unknown topic."))


def _topics_field(**kwargs) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(validate=_known_topic),
        values=ma.fields.List(
            ma.fields.String(validate=ma.validate.OneOf(PERSON_CHANNELS)),
            validate=ma.validate.Length(max=len(PERSON_CHANNELS)),
        ),
        metadata={"description": "Channels per topic; the inbox is always included"},
        **kwargs,
    )


class QuietHoursSchema(StrictSchema):
    """Hours in which SMS and Telegram wait until morning (urgent messages are never held)."""

    enabled = ma.fields.Boolean()
    start = ma.fields.Time(format=TIME_FORMAT, metadata={"description": "HH:MM, Asia/Shanghai"})
    end = ma.fields.Time(format=TIME_FORMAT, metadata={"description": "HH:MM, Asia/Shanghai"})
    timezone = ma.fields.String(dump_only=True)


class NotificationPreferencesSchema(ma.Schema):
    """A person's channels per topic and quiet hours."""

    topics = _topics_field(dump_only=True)
    quiet_hours = ma.fields.Method("_quiet_hours", dump_only=True)
    channels = ma.fields.Constant(list(PERSON_CHANNELS), dump_only=True)

    def _quiet_hours(self, prefs) -> dict:
        return {
            "enabled": prefs.quiet_hours_enabled,
            "start": prefs.quiet_start.strftime(TIME_FORMAT),
            "end": prefs.quiet_end.strftime(TIME_FORMAT),
            "timezone": prefs.timezone,
        }


class NotificationPreferencesUpdateSchema(StrictSchema):
    """Change channels for some topics (the others stay as they are) and/or the quiet hours."""

    topics = _topics_field()
    quiet_hours = ma.fields.Nested(QuietHoursSchema)


class WebhookEndpointSchema(ma.Schema):
    """Where an institutional client receives signed webhooks."""

    id = ma.fields.UUID(dump_only=True)
    client_id = ma.fields.String(dump_only=True)
    url = ma.fields.String(dump_only=True)
    events = ma.fields.List(ma.fields.String(), dump_only=True)
    description = ma.fields.String(dump_only=True)
    active = ma.fields.Boolean(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)


class WebhookEndpointCreatedSchema(WebhookEndpointSchema):
    """A new endpoint and its signing secret, shown this once."""

    secret = ma.fields.String(dump_only=True)


class WebhookEndpointCreateSchema(StrictSchema):
    """Register an endpoint for a client."""

    client_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    # A String, checked by the service: marshmallow's URL field refuses the localized (lazy) message.
    url = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=500), metadata={"description": "https URL"}
    )
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
        load_default=list,
        validate=ma.validate.Length(max=50),
        metadata={"description": "Events to receive (empty: all)"},
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class WebhookEndpointArgsSchema(PageArgsSchema):
    """Filter endpoints by client."""

    client_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


class DeliverySchema(ma.Schema):
    """One channel's delivery of a message."""

    channel = ma.fields.String(dump_only=True)
    target = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    attempts = ma.fields.Integer(dump_only=True)
    provider_message_id = ma.fields.String(dump_only=True, allow_none=True)
    error = ma.fields.String(dump_only=True, allow_none=True)
    not_before = ma.fields.DateTime(dump_only=True, allow_none=True)
    last_attempt_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    delivered_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class OutboxMessageSchema(ma.Schema):
    """An outbox message and where its delivery stands."""

    id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    dedupe_key = ma.fields.String(dump_only=True)
    recipient_id = ma.fields.UUID(dump_only=True, allow_none=True)
    client_id = ma.fields.String(dump_only=True, allow_none=True)
    template = ma.fields.String(dump_only=True)
    topic = ma.fields.String(dump_only=True)
    urgency = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
    attempts = ma.fields.Integer(dump_only=True)
    due_at = ma.fields.DateTime(dump_only=True)
    last_error = ma.fields.String(dump_only=True, allow_none=True)
    finished_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class OutboxMessageDetailSchema(OutboxMessageSchema):
    """An outbox message with each channel's delivery."""

    deliveries = ma.fields.List(ma.fields.Nested(DeliverySchema), dump_only=True)


class OutboxArgsSchema(PageArgsSchema):
    """Filter outbox messages by status."""

    status = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(
            (MessageStatus.PENDING, MessageStatus.PROCESSING, MessageStatus.DELIVERED, MessageStatus.FAILED)
        ),
    )
