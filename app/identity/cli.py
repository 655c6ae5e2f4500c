"""Identity's commands: staff roles, clients, signing keys, housekeeping, demo tokens."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.core import uow
from app.core.actors import Actor
from app.core.cli import CommandGroup, fail, phone_number
from app.core.errors import AppError
from app.identity.clients import ClientKind

staff_cli = CommandGroup("staff", help="Manage staff roles.")
clients_cli = CommandGroup("clients", help="OAuth clients: apps and institutions.")
identity_cli = CommandGroup("identity", help="Signing keys and housekeeping of the identity provider.")


@staff_cli.command("grant")
@click.option("--phone", required=True, help="The person's phone number.")
@click.option("--role", required=True, help="hotline_agent, dispatcher, department_handler, supervisor, ...")
@click.option("--department", default=None, help="Department code (needed by department_handler).")
@click.option("--merchant", default=None, help="Merchant id (needed by merchant roles).")
def staff_grant(phone, role, department, merchant):
    """Grant a role to a person, creating the person if they never signed in."""
    import uuid

    from app.identity import services

    person, _ = services.get_or_create_person(phone_number(phone))
    try:
        services.grant_role(
            Actor.system(),
            person,
            role,
            department_code=department,
            merchant_id=uuid.UUID(merchant) if merchant else None,
        )
    except AppError as error:
        fail(error)
    click.echo(f"{person.phone}: {', '.join(sorted(g.role for g in person.roles))}")


@click.command("token")
@click.option("--phone", required=True, help="The demo person's phone number.")
@click.option("--scope", default="openid profile", help="Space-separated scopes.")
@uow.command
def token_command(phone, scope):
    """Print an access token for a person (development and demo only)."""
    from app.identity import services, tokens

    if not current_app.config["SANDBOX_PROVIDERS"]:
        raise click.ClickException("tokens are only printed outside production")
    person = services.person_by_phone(phone_number(phone))
    if person is None:
        raise click.ClickException("no such person; run `flask seed demo` first")
    token = tokens.issue_access_token(person, client_id="yimatong-cli", scopes=scope.split())
    click.echo(token)


@clients_cli.command("create")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([kind.value for kind in ClientKind]),
    help="public (an app: authorization code + PKCE) or an institution (client credentials).",
)
@click.option("--name", required=True, help="What residents and staff see.")
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Public clients: repeat for each URI.")
@click.option("--scopes", default="", help="Space- or comma-separated scopes (default: the kind's own).")
@click.option("--first-party", is_flag=True, help="Our own app: no consent page, tokens for the API.")
def clients_create(kind, name, redirect_uris, scopes, first_party):
    """Register a client; prints its client_id and, once, its client_secret (or api_key)."""
    from app.identity import clients

    try:
        client, secret = clients.register_client(
            kind,
            name,
            redirect_uris=list(redirect_uris),
            scopes=scopes.replace(",", " ").split(),
            first_party=first_party,
        )
    except AppError as error:
        fail(error)
    click.echo(f"client_id: {client.client_id}")
    if secret:
        label = "api_key" if kind == "open311" else "client_secret"
        click.echo(f"{label}: {secret}")
        click.echo("(shown once: only its hash is stored)")
    click.echo(f"scopes: {' '.join(client.scopes)}")
    for uri in client.redirect_uris:
        click.echo(f"redirect_uri: {uri}")


@clients_cli.command("list")
def clients_list():
    """Every registered client (never a secret)."""
    from app.identity import clients

    for client in clients.list_clients():
        state = " (disabled)" if client.disabled_at else ""
        scopes = " ".join(client.scopes)
        click.echo(f"{client.kind:17} {client.client_id:36} {client.name}{state}  [{scopes}]")


@identity_cli.command("rotate-key")
@click.option("--purpose", required=True, type=click.Choice(["access", "id_token", "citycode"]))
@click.option(
    "--now",
    "early",
    is_flag=True,
    help="Do not wait until the next key has been published a day (a compromised key).",
)
def rotate_key(purpose, early):
    """Sign with the next key (published a day ahead); the old one stays published two days."""
    from app.identity import keys

    try:
        key = keys.rotate_key(purpose, early=early)
    except keys.RotationTooEarly as exc:
        raise click.ClickException(f"{exc}; rotate then, or now with --now if the key is compromised")
    published = keys.published_keys(purpose)
    keys.forget_cached_keys()
    click.echo(f"{purpose}: now signing with {key.kid}; next key {published[-1]['kid']} published")


@identity_cli.command("flush-scans")
@click.option("--follow", is_flag=True, help="Keep flushing as scans arrive (a dedicated flusher).")
def flush_scans(follow):
    """Move buffered city-code scans from Redis into the scan log (a replayed batch never doubles)."""
    from app.identity import services

    while True:
        with uow.unit_of_work():
            written = services.flush_scan_buffer(follow_ms=1000 if follow else None)
        if not follow:
            click.echo(f"flushed {written} scans")
            return


@identity_cli.command("prune")
def prune():
    """Delete expired sign-in codes, link codes, revocations and replay records."""
    from app.identity import services

    counts = services.prune_expired()
    click.echo("pruned: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    for group in (
        staff_cli,
        clients_cli,
        identity_cli,
        token_command,
    ):
        app.cli.add_command(group)
