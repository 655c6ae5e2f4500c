"""How the directory and the home appear in the API."""

from __future__ import annotations

import marshmallow as ma

from app.core.cards import Urgency
from app.core.money import MoneySchema
from app.home.catalogue import CATEGORIES, MAX_QUERY_TERMS

URGENCIES = [u.name.lower() for u in Urgency]


class ServiceQuerySchema(ma.Schema):
    """Search the directory, or one category of it."""

    q = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=60),
        metadata={
            "description": (
                "Words in Chinese (简体 or 繁體), English or pinyin, whole (jiaofei) or initials (shjf); "
                f"every word must match (at most {MAX_QUERY_TERMS} are used)"
            )
        },
    )
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(CATEGORIES)))


class ServiceCategorySchema(ma.Schema):
    """A category of services."""

    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    count = ma.fields.Integer(dump_only=True, metadata={"description": "Services of it in this answer"})


class ServiceCategoryRefSchema(ma.Schema):
    """The category a service is in."""

    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)


class ServiceSchema(ma.Schema):
    """One city service, in the reader's language."""

    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    description = ma.fields.String(dump_only=True)
    category = ma.fields.Nested(ServiceCategoryRefSchema, dump_only=True)
    keywords = ma.fields.List(ma.fields.String(), dump_only=True)
    provider = ma.fields.String(dump_only=True, metadata={"description": "Who provides the service"})
    real_name_required = ma.fields.Boolean(
        dump_only=True, metadata={"description": "The service needs a verified real name (实名认证)"}
    )
    domain = ma.fields.String(dump_only=True)
    target = ma.fields.String(dump_only=True, metadata={"description": "The API path that opens the service"})
    popularity = ma.fields.Integer(
        dump_only=True, metadata={"description": "People-days it was opened (one resident counts once a day)"}
    )
    my_visits = ma.fields.Integer(dump_only=True, metadata={"description": "How often I opened it"})
    my_last_used_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class ServiceDirectorySchema(ma.Schema):
    """The directory: its categories, and the services in order."""

    categories = ma.fields.List(ma.fields.Nested(ServiceCategorySchema), dump_only=True)
    items = ma.fields.List(ma.fields.Nested(ServiceSchema), dump_only=True)


class HomeCardSchema(ma.Schema):
    """Something needing the person now, from the domain whose business it is."""

    domain = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "What it is about: bills_overdue, ..."})
    urgency = ma.fields.Function(
        lambda card: card.urgency.name.lower(),
        dump_only=True,
        metadata={"description": " | ".join(URGENCIES) + " (most urgent first)"},
    )
    title = ma.fields.String(dump_only=True)
    body = ma.fields.String(dump_only=True)
    count = ma.fields.Integer(dump_only=True)
    due_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    amount = ma.fields.Nested(MoneySchema, dump_only=True, allow_none=True)
    target = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The API path that handles it (for someone else: with X-On-Behalf-Of)"},
    )


class HomeSectionSchema(ma.Schema):
    """A person's cards."""

    person_id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": "The person's name as they chose it"}
    )
    scopes = ma.fields.List(
        ma.fields.String(), dump_only=True, metadata={"description": "The mandate's scopes (someone else's)"}
    )
    cards = ma.fields.List(ma.fields.Nested(HomeCardSchema), dump_only=True)


class HomeSchema(ma.Schema):
    """The home: my cards, my shortcuts, and the cards of those I act for.

    It documents the answer; :func:`home_view` writes it (what ``HomeSchema().dump`` gives, without
    a schema instance per card and field on every visit of the app).
    """

    generated_at = ma.fields.DateTime(dump_only=True)
    mine = ma.fields.Nested(HomeSectionSchema, dump_only=True, allow_none=True)
    shortcuts = ma.fields.List(ma.fields.Nested(ServiceSchema), dump_only=True)
    on_behalf = ma.fields.List(
        ma.fields.Nested(HomeSectionSchema),
        dump_only=True,
        metadata={"description": "A section for each person whose mandate I hold, within its scopes"},
    )


# --- the home's answer, written by plain functions ---------------------------------------------------
# The home is read every time the app opens, and dumping its twenty-odd cards and eight shortcuts
# through the schemas above cost the worker more than building them. These functions write the
# same JSON, key for key and in the schemas' order; tests/home/test_home.py checks them against
# ``HomeSchema().dump`` of a home with a card from every domain, an elder's section and shortcuts.


def _moment(value):
    return None if value is None else value.isoformat()


def card_view(card) -> dict:
    """What ``HomeCardSchema().dump(card)`` gives."""
    amount = card.amount
    return {
        "domain": card.domain,
        "kind": card.kind,
        "urgency": card.urgency.name.lower(),
        "title": str(card.title),
        "body": str(card.body),
        "count": int(card.count),
        "due_at": _moment(card.due_at),
        "amount": None if amount is None else {"amount_fen": int(amount.fen), "currency": amount.currency},
        "target": card.target,
    }


def section_view(section) -> dict:
    """What ``HomeSectionSchema().dump(section)`` gives."""
    return {
        "person_id": str(section.person_id),
        "display_name": section.display_name,
        "scopes": [str(scope) for scope in section.scopes],
        "cards": [card_view(card) for card in section.cards],
    }


def service_view(service: dict) -> dict:
    """What ``ServiceSchema().dump(service)`` gives, for an entry of the directory."""
    category = service["category"]
    return {
        "code": service["code"],
        "name": service["name"],
        "description": service["description"],
        "category": {"code": category["code"], "name": category["name"]},
        "keywords": list(service["keywords"]),
        "provider": service["provider"],
        "real_name_required": bool(service["real_name_required"]),
        "domain": service["domain"],
        "target": service["target"],
        "popularity": int(service["popularity"]),
        "my_visits": int(service["my_visits"]),
        "my_last_used_at": _moment(service["my_last_used_at"]),
    }


def home_view(home: dict) -> dict:
    """What ``HomeSchema().dump(home)`` gives."""
    mine = home["mine"]
    return {
        "generated_at": _moment(home["generated_at"]),
        "mine": None if mine is None else section_view(mine),
        "shortcuts": [service_view(service) for service in home["shortcuts"]],
        "on_behalf": [section_view(section) for section in home["on_behalf"]],
    }
