"""The 12345 category tree: seeded from data, localized."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from flask_babel import gettext

from app.complaints.models import (
    Category,
)
from app.complaints.services._shared import CATEGORIES_FILE
from app.core import refdata
from app.core.errors import ValidationFailed
from app.extensions import db


def seed_categories() -> int:
    """Load the shipped 12345 category tree (idempotent); returns how many nodes exist."""
    nodes = json.loads(CATEGORIES_FILE.read_text(encoding="utf-8"))
    count = 0
    stack = [(node, None) for node in nodes]
    while stack:
        node, parent = stack.pop()
        category = db.session.scalar(db.select(Category).where(Category.code == node["code"]))
        if category is None:
            category = Category(code=node["code"])
            db.session.add(category)
        category.parent_code = parent
        category.name_zh_hans, category.name_zh_hant, category.name_en = (
            node["zh_Hans"],
            node["zh_Hant"],
            node["en"],
        )
        category.sla_class = node["sla"]
        count += 1
        stack.extend((child, node["code"]) for child in node.get("children", ()))
    db.session.flush()
    return count


def category_name(category: Category) -> str:
    """The category's name in the reader's language."""
    return category.name


def list_categories() -> list[Category]:
    """Every active category, by code (parents before children)."""
    return list(db.session.scalars(db.select(Category).where(Category.active).order_by(Category.code)))


@dataclass(frozen=True)
class CategoryRef:
    """What intake needs of a category, kept by each process until a category changes."""

    id: uuid.UUID
    leaf: bool


REFERENCE = "complaint_categories"
refdata.register(REFERENCE, Category)


def _active_categories() -> dict[str, CategoryRef]:
    rows = db.session.execute(
        db.select(Category.code, Category.parent_code, Category.id).where(Category.active)
    ).all()
    parents = {parent for _code, parent, _id in rows if parent}
    return {code: CategoryRef(category_id, code not in parents) for code, _parent, category_id in rows}


def category_by_code(code: str) -> Category:
    """An active leaf category (what residents pick); anything else is a validation error on ``category``."""
    known = refdata.cached(REFERENCE, _active_categories).get(code)
    if known is None:
        raise ValidationFailed({"category": [gettext("Unknown category.")]})
    if not known.leaf:
        raise ValidationFailed({"category": [gettext("Choose one of this group's categories.")]})
    category = db.session.get(Category, known.id)
    if category is None or not category.active:  # changed on another node within the last second
        raise ValidationFailed({"category": [gettext("Unknown category.")]})
    return category
