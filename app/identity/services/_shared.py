"""What every part of identity shares: limits, and the client look-ups other domains use."""

from __future__ import annotations

from datetime import timedelta

from app.core.actors import Role
from app.identity import clients
from app.identity.errors import CodeRejected, LinkCodeRejected, ReplayCheckUnavailable

__all__ = ["CodeRejected", "LinkCodeRejected", "ReplayCheckUnavailable"]  # what callers may catch

ROLES_NEEDING_DEPARTMENT = frozenset({Role.DEPARTMENT_HANDLER})


ROLES_NEEDING_MERCHANT = frozenset({Role.MERCHANT_OWNER, Role.MERCHANT_STAFF})


LINK_PROVIDERS = ("telegram",)


LINK_CODE_TTL = timedelta(minutes=10)


LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


LINK_CODE_LENGTH = 10


MANDATE_MAX_DURATION = timedelta(days=366)


client_actor_for_api_key = clients.client_actor_for_api_key


client_by_id = clients.client_by_id


client_name = clients.client_name


upsert_client = clients.upsert_client  # the demo's fixed institutions (not in production)
acceptable_redirect = clients.acceptable_redirect  # https, loopback http or an app's own scheme
