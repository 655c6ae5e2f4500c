"""The BOLA sweep's registry: every domain registers how to make a resident's resource.

A domain adds ``tests/<domain>/bola_cases.py`` with functions decorated by ``bola_case``. Each
function receives a ``BolaContext``, creates a resource owned by ``ctx.owner`` (through the API or
the services) and returns the path parameters plus a ``secret`` string that must never appear in
another resident's response. ``tests/test_bola_sweep.py`` then calls the route as the owner
(it must succeed) and as a second resident (404/403, or for collection routes 200 without the
secret). Routes under ``/api/v1`` that take a path parameter and have no case fail the sweep unless
``exempt`` names them with a reason. ``body`` is sent as JSON; ``form`` (a function returning
fresh multipart fields, files as ``(BytesIO, name)``) as multipart/form-data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BolaContext:
    """What a case's setup gets: the owner, the client and helpers to authenticate."""

    owner: Any
    client: Any
    auth: Callable[..., dict]
    db: Any
    make_person: Callable[..., Any]


@dataclass(frozen=True)
class BolaCase:
    """One route tried with another resident's token."""

    name: str
    method: str
    path: str
    setup: Callable[[BolaContext], dict]
    body: dict | None = None
    form: Callable[[], dict] | None = None
    collection: bool = False
    owner_status: tuple[int, ...] = field(default=(200, 201, 204))


REGISTRY: list[BolaCase] = []
EXEMPT: dict[str, str] = {}


def bola_case(
    method: str,
    path: str,
    *,
    body: dict | None = None,
    form: Callable[[], dict] | None = None,
    collection: bool = False,
    owner_status=None,
):
    """Register the decorated setup function as a BOLA case for ``method path``."""

    def decorator(setup: Callable[[BolaContext], dict]):
        REGISTRY.append(
            BolaCase(
                name=f"{method} {path} ({setup.__name__})",
                method=method,
                path=path,
                setup=setup,
                body=body,
                form=form,
                collection=collection,
                owner_status=tuple(owner_status or (200, 201, 204)),
            )
        )
        return setup

    return decorator


def exempt(rule: str, reason: str) -> None:
    """Declare that a parameterized route needs no sweep case, and why."""
    EXEMPT[rule] = reason
