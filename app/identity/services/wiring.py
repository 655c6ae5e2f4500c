"""How identity plugs into the kernel: the bearer authenticator, proxies, the people directory."""

from __future__ import annotations

import uuid

from flask_babel import gettext

from app.core.actors import Actor, ActorKind, MandateScope
from app.core.api import set_authenticator, set_proxy_resolver, skip_bearer_authentication
from app.core.errors import Forbidden
from app.core.models import utcnow
from app.extensions import db
from app.identity import tokens
from app.identity.models import (
    Mandate,
    Person,
)
from app.identity.services.links import linked_account_id
from app.identity.services.mandates import active_mandate
from app.identity.services.people import person_by_phone
from app.notifications import services as notifications

MAX_HOLDERS = 10  # an urgent message falls back to at most this many mandate holders


class PeopleDirectory:
    """How notifications reach people: their phone, language and linked Telegram chat."""

    def recipient(self, person_id: uuid.UUID) -> notifications.Recipient | None:
        """One query for the person and one for their chat."""
        person = db.session.get(Person, person_id)
        if person is None:
            return None
        return notifications.Recipient(
            person_id=person.id,
            phone=person.phone,
            locale=person.locale,
            telegram_chat_id=linked_account_id(person.id, "telegram"),
            name=person.display_name,
        )

    def person_id_by_phone(self, phone: str) -> uuid.UUID | None:
        """The person with this phone number, if any."""
        person = person_by_phone(phone)
        return person.id if person else None

    def mandate_holders(self, person_id: uuid.UUID, topic: str) -> list[uuid.UUID]:
        """Holders of a mandate in force from the person that covers ``topic`` (any, for account notices).

        A bills notice goes to a bills mandate's holder; a lost-phone revoke to any holder.
        """
        scope = topic if topic in {scope.value for scope in MandateScope} else None
        now = utcnow()
        rows = db.session.execute(
            db.select(Mandate.grantee_id, Mandate.scopes)
            .where(
                Mandate.grantor_id == person_id,
                Mandate.grantee_id.is_not(None),
                Mandate.revoked_at.is_(None),
                Mandate.accepted_at.is_not(None),
                Mandate.starts_at <= now,
                Mandate.expires_at > now,
            )
            .order_by(Mandate.id)
            .limit(MAX_HOLDERS)
        ).all()
        return list(dict.fromkeys(grantee for grantee, scopes in rows if scope is None or scope in scopes))


def install() -> None:
    """Make bearer tokens resolve to actors on every request, and let notifications find people."""
    install_authenticator()
    notifications.set_recipient_directory(PeopleDirectory())


def install_authenticator() -> None:
    """Make bearer tokens (and ``X-On-Behalf-Of``) resolve to actors on every request."""
    set_authenticator(tokens.authenticate)
    set_proxy_resolver(proxy_actor)
    skip_bearer_authentication("/oauth/")


def proxy_actor(actor: Actor, principal: str) -> Actor:
    """The proxy actor a person becomes acting for ``principal`` under an active mandate (403 otherwise)."""
    refusal = Forbidden(gettext("You hold no active mandate from this person."))
    if actor.kind is not ActorKind.PERSON or actor.person_id is None:
        raise refusal
    try:
        principal_id = uuid.UUID(principal)
    except ValueError:
        raise refusal from None
    mandate = active_mandate(actor.person_id, principal_id)
    if mandate is None:
        raise refusal
    return Actor(
        kind=ActorKind.PROXY,
        person_id=actor.person_id,
        principal_id=principal_id,
        mandate_id=mandate.id,
        proxy_scopes=frozenset(mandate.scopes),
        scopes=actor.scopes,
        client_id=actor.client_id,
        locale=actor.locale,
        token_id=actor.token_id,
        session_id=actor.session_id,
    )
