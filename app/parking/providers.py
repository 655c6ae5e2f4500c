"""Who confirms that a person holds a plate: the vehicle registry, one interface, adapters by name.

``PARKING_PLATE_REGISTRY`` names the adapter; the services ask :func:`registry` and never branch on
configuration. A sandbox adapter exists only where sandboxes are allowed (``SANDBOX_PROVIDERS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask import current_app


@dataclass(frozen=True)
class HolderAnswer:
    """The registry's answer about a plate and a name."""

    confirmed: bool
    reason_code: str | None = None
    reason: str | None = None


class VehicleRegistry(Protocol):
    """The traffic police's vehicle registry (or an operator's), as parking asks it."""

    name: str

    def check_holder(self, plate: str, holder_name: str) -> HolderAnswer:
        """Whether ``holder_name`` holds ``plate``."""
        ...


_REGISTRIES: dict[str, tuple[Callable[[], VehicleRegistry], bool]] = {}


def register_registry(name: str, factory: Callable[[], VehicleRegistry], *, sandbox: bool = False) -> None:
    """Make a registry adapter available under ``name``."""
    _REGISTRIES[name] = (factory, sandbox)


def registry() -> VehicleRegistry:
    """The configured registry (a sandbox one only where sandboxes are allowed)."""
    name = current_app.config.get("PARKING_PLATE_REGISTRY", "sandbox")
    factory, sandbox = _REGISTRIES.get(name, (None, False))
    if factory is None or (sandbox and not current_app.config["SANDBOX_PROVIDERS"]):
        raise RuntimeError(f"no vehicle registry {name!r} is available here")
    return factory()
