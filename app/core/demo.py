"""The demo city: each domain registers what it seeds; ``flask seed demo`` runs them in domain order.

Demo data exists outside production only where a seeder says so (sandbox clients, bills); the
reference data (districts, departments, categories, the calendar) is what a real deployment starts
with too. Every seeder is safe to run again.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

# The demo's well-known people, by phone: other domains' seeders find them through identity.
DEMO_RESIDENT_PHONE = "+8613800000001"
DEMO_ELDER_PHONE = "+8613800000009"

Seeder = Callable[[], dict[str, int]]
_SEEDERS: dict[str, Seeder] = {}


def demo_seeder(name: str):
    """Register the decorated function as the demo seeder of domain ``name`` (returns counts)."""

    def decorator(func: Seeder) -> Seeder:
        _SEEDERS[name] = func
        return func

    return decorator


def seed_demo() -> dict[str, int]:
    """Run every registered seeder in the app's domain order, in the caller's transaction."""
    names = [name for name in current_app.config["DOMAINS"] if name in _SEEDERS]
    counts: dict[str, int] = {}
    for name in names:
        counts.update(_SEEDERS[name]())
    return counts
