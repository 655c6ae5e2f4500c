"""The institutions' side: asking the bureau or the fund centre to send a person's latest records.

The institutions push records to us (``POST /social-security/institution/records``); what we ask
of them is a refresh for one person, when that person wants their records now. An adapter does
that, registered by name and chosen by ``SOCIAL_SECURITY_PROVIDER``: ``webhook`` (the real
institutions: a signed ``records.refresh_requested`` webhook naming the insured by our reference;
they read who it is from ``GET /social-security/institution/insured/{ref}`` and push) or
``sandbox`` (outside production: a simulated bureau and fund centre that push a plausible history
at once, through the same merge as the API).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from app.core.errors import ServiceUnavailable
from app.social_security.models import Insured, Source


@dataclass(frozen=True)
class Refresh:
    """What asking did: ``requested`` (records come later) or ``delivered`` (``records`` merged now)."""

    source: str
    state: str
    records: int = 0


class RecordsProvider(Protocol):
    """An institution adapter."""

    def request_refresh(self, source: Source, insured: Insured) -> Refresh:
        """Ask ``source`` to send the insured person's latest records."""
        ...


_ADAPTERS: dict[str, tuple[Callable[[], RecordsProvider], bool]] = {}


def register_provider(name: str, factory: Callable[[], RecordsProvider], *, sandbox: bool = False) -> None:
    """Make an adapter available under ``name`` (a sandbox one only where sandboxes are allowed)."""
    _ADAPTERS[name] = (factory, sandbox)


def current_provider() -> RecordsProvider:
    """The adapter this deployment uses (503 when it is unknown or a sandbox in production)."""
    factory, sandbox = _ADAPTERS.get(current_app.config["SOCIAL_SECURITY_PROVIDER"], (None, False))
    if factory is None or (sandbox and not current_app.config["SANDBOX_PROVIDERS"]):
        raise ServiceUnavailable()
    return factory()


class WebhookProvider:
    """The real institutions: a signed webhook to the institution's client (at most one an hour)."""

    def request_refresh(self, source: Source, insured: Insured) -> Refresh:
        """Send ``records.refresh_requested``; the institution pushes the records when it has them."""
        from app.core.models import utcnow
        from app.notifications import services as notifications

        client_id = current_app.config[f"SOCIAL_SECURITY_{source.upper()}_CLIENT"]
        if not client_id:
            raise ServiceUnavailable()
        now = utcnow()
        notifications.notify_client(
            client_id,
            "records.refresh_requested",
            {"insured_ref": str(insured.id), "requested_at": now.isoformat()},
            dedupe_key=f"social_security:refresh:{source}:{insured.id}:{now:%Y%m%d%H}",
        )
        return Refresh(source.value, "requested")


register_provider("webhook", WebhookProvider)
