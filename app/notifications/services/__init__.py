"""Notifications: the outbox other domains write to, the inbox, preferences, webhook endpoints, the sweep.

Other domains call ``notify`` (a person) or ``notify_client`` (an institution's webhooks) inside
the transaction of the change they report; the message leaves only if that transaction commits,
and a second call with the same ``dedupe_key`` changes nothing.
"""

from __future__ import annotations

from app.notifications.services._shared import (  # noqa: F401
    TOPICS,
    Button,
    Localized,
    Recipient,
    Template,
    Topic,
    get_template,
    register_template,
    register_topic,
)
from app.notifications.services.inbox import (  # noqa: F401
    InboxPage,
    home_cards,
    mark_all_read,
    mark_read,
    my_inbox,
    unread_count,
)
from app.notifications.services.outbox import (  # noqa: F401
    DELIVER_JOB,
    PING_EVENT,
    WEBHOOK_EVENT_CHARS,
    backoff,
    list_messages,
    message_detail,
    message_for_support,
    notify,
    notify_client,
    notify_phone,
    retry_message,
    retry_policy,
    sweep_outbox,
)
from app.notifications.services.preferences import (  # noqa: F401
    Preferences,
    channels_everywhere,
    channels_for,
    my_preferences,
    preferences_of,
    quiet_hours_end,
    set_channels_everywhere,
    update_my_preferences,
)
from app.notifications.services.recipients import (  # noqa: F401
    RecipientDirectory,
    mandate_holders,
    person_id_by_phone,
    recipient,
    set_recipient_directory,
)
from app.notifications.services.webhooks import (  # noqa: F401
    create_webhook_endpoint,
    deactivate_webhook_endpoint,
    list_webhook_endpoints,
)
