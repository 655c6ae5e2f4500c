"""A record and what a service worked out about it, dumped by a schema as one object.

Schemas never call services; where a response needs more than the record holds (the payment that
holds a bill, a person's notification channels), the service returns ``with_facts(record, ...)``
and the schema reads the facts like attributes of the record.
"""

from __future__ import annotations

from typing import Any


class WithFacts:
    """``record``'s attributes, plus the facts given (which win over the record's)."""

    __slots__ = ("_facts", "_record")

    def __init__(self, record: Any, **facts: Any):
        self._record = record
        self._facts = facts

    def __getattr__(self, name: str) -> Any:
        facts = object.__getattribute__(self, "_facts")
        if name in facts:
            return facts[name]
        return getattr(object.__getattribute__(self, "_record"), name)

    @property
    def record(self) -> Any:
        """The record itself."""
        return self._record


def with_facts(record: Any, **facts: Any) -> WithFacts:
    """The record, with what the service worked out about it."""
    return WithFacts(record, **facts)
