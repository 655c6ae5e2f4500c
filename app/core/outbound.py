"""Requests this system makes to addresses others give it (webhooks): never into our own networks.

An institution's administrator registers a webhook URL; a worker later posts to it. Without a check
that URL could name the loopback, the cloud metadata service (169.254.169.254) or a private address
inside the deployment, and the worker would carry requests there (server-side request forgery).

Two checks, because a name can resolve differently later (DNS rebinding):

* at registration, the host may not be an address outside the public internet, nor a name that
  resolves to one now (a name that does not resolve yet is let through, to be checked later);
* at delivery, :class:`PublicOnlyTransport` resolves the name itself, refuses unless every address is
  public, and connects to the address it checked (TLS still verifies the certificate for the name).

``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` turns both off, for a test harness on the loopback only.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx


class AddressNotAllowed(httpx.TransportError):
    """The host is, or resolves to, an address outside the public internet."""


def is_public(address: str) -> bool:
    """The address is a unicast address of the public internet (not loopback, private, link-local, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an address literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def refusal(host: str, port: int) -> str | None:
    """Why a URL host may not be called at registration, or None (unresolvable names pass for now)."""
    if host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
        return "loopback"
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        return None
    return None if addresses and all(is_public(a) for a in addresses) else "not public"


def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: resolved now, every candidate public (or refused)."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from exc
    if not addresses or not all(is_public(a) for a in addresses):
        raise AddressNotAllowed(f"{host} resolves to an address outside the public internet")
    return addresses[0]


class PublicOnlyTransport(httpx.BaseTransport):
    """An httpx transport that connects only to public addresses, pinned to the one it checked."""

    def __init__(self, **kwargs):
        self._inner = httpx.HTTPTransport(**kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Resolve, check, then send to the checked address with the original Host and TLS name."""
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        address = public_address(host, port)
        if address != host:
            request.url = request.url.copy_with(host=address)
            request.extensions = {**request.extensions, "sni_hostname": host}
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the pooled connections."""
        self._inner.close()
