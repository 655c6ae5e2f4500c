"""Urgent messages to a person follow a chain: Telegram, else SMS, else the people holding their mandate.

An urgent message (an SOS call, a lost-phone revoke) is tried on the person's linked Telegram chat
first; SMS is sent only if Telegram did not deliver it, and only if neither did, everyone holding
a mandate in force from the person that covers the message's topic (any mandate for the account's
own messages, such as a lost-phone revoke) gets it relayed (``urgent_relayed``, in their own
language, naming whom it was for). Each step is a delivery row of the message, so what was tried,
what reached the person and why a step was skipped stay on record. The inbox (and any other
channel) is written as usual. A relayed message is not relayed again.
"""

from __future__ import annotations

from app.core.i18n import SUPPORTED_LOCALES
from app.notifications import services
from app.notifications.channels import Outgoing, Sent, Skipped
from app.notifications.models import Delivery, DeliveryStatus, OutboxMessage
from app.notifications.templates import TEMPLATES, Localized, render

MANDATE_HOLDERS = "mandate_holders"
CHAIN = ("telegram", "sms", MANDATE_HOLDERS)
RELAY_TEMPLATE = "urgent_relayed"  # registered by identity, whose mandates say who the holders are


def applies(message: OutboxMessage) -> bool:
    """Whether the message goes down the chain: urgent, to a person, not itself a relay."""
    urgent, to_person = message.urgency == "urgent", message.recipient_id is not None
    return urgent and to_person and message.template != RELAY_TEMPLATE


def targets(chosen: list[str]) -> list[str]:
    """The person's other channels (the inbox), then every step of the chain, whatever they chose."""
    return [channel for channel in chosen if channel not in CHAIN] + list(CHAIN)


def in_order(deliveries: list[Delivery]) -> list[Delivery]:
    """Channels outside the chain first, then the chain's steps in order."""
    return sorted(deliveries, key=lambda d: CHAIN.index(d.channel) + 1 if d.channel in CHAIN else 0)


def reached_by(deliveries: list[Delivery], channel: str) -> str | None:
    """The earlier step of the chain that delivered the message, if one did (then ``channel`` is skipped)."""
    if channel not in CHAIN:
        return None
    earlier = CHAIN[: CHAIN.index(channel)]
    for delivery in deliveries:
        if delivery.channel in earlier and delivery.status == DeliveryStatus.DELIVERED:
            return delivery.channel
    return None


class MandateHoldersChannel:
    """The chain's last step: the message relayed to each person holding a mandate from the recipient."""

    name = MANDATE_HOLDERS

    def send(self, outgoing: Outgoing, delivery: Delivery) -> Sent:
        """One relay per holder (an urgent message of their own, once per message and holder)."""
        message, recipient = outgoing.message, outgoing.recipient
        holders = services.mandate_holders(message.recipient_id, message.topic)
        holders = [holder for holder in holders if holder != message.recipient_id]
        if not holders:
            raise Skipped(f"nobody holds a mandate from the person covering {message.topic}")
        if RELAY_TEMPLATE not in TEMPLATES:
            raise Skipped(f"the template {RELAY_TEMPLATE} is not installed")
        rendered = {locale: render(message.template, message.params, locale) for locale in SUPPORTED_LOCALES}
        params = {
            "name": recipient.name or recipient.phone,
            "title": Localized({locale: r.title for locale, r in rendered.items()}),
            "body": Localized({locale: r.body for locale, r in rendered.items()}),
        }
        topic = TEMPLATES[RELAY_TEMPLATE].topic
        for holder in holders:
            services.notify(
                holder,
                RELAY_TEMPLATE,
                params,
                topic=topic,
                dedupe_key=f"relay:{message.id}:{holder}",
                urgency="urgent",
            )
        return Sent(f"relayed to {len(holders)}")


CHANNEL = MandateHoldersChannel()
