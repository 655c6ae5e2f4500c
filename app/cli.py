"""Command-line entry points: ``flask seed``, ``staff``, ``token``, ``translate``, ``payments``, ..."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core import i18n
from app.core.actors import Actor
from app.core.calendar import read_calendar_csv, save_calendar_days
from app.core.errors import AppError
from app.core.pii import InvalidPII, normalize_phone
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent

seed_cli = AppGroup("seed", help="Load data.")
staff_cli = AppGroup("staff", help="Manage staff roles.")
translate_cli = AppGroup("translate", help="Extract, update and compile message catalogs.")
calendar_cli = AppGroup("calendar", help="The working-day calendar.")
sms_cli = AppGroup("sms", help="The sandbox SMS provider.")
payments_cli = AppGroup("payments", help="Payments: the sandbox provider, reconciliation, the ledger.")
idempotency_cli = AppGroup("idempotency", help="Idempotency keys of requests that move money.")


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPII as exc:
        raise click.BadParameter(f"not a valid phone number: {value}") from exc


def _fail(error: AppError) -> None:
    db.session.rollback()
    raise click.ClickException(f"{error.title}: {error.to_problem()}")


@seed_cli.command("demo")
def seed_demo_command():
    """Create the demo city, departments and accounts (safe to run again)."""
    from app.demo import seed_demo

    counts = seed_demo()
    click.echo("demo data ready: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@staff_cli.command("grant")
@click.option("--phone", required=True, help="The person's phone number.")
@click.option("--role", required=True, help="hotline_agent, dispatcher, department_handler, supervisor, ...")
@click.option("--department", default=None, help="Department code (needed by department_handler).")
@click.option("--merchant", default=None, help="Merchant id (needed by merchant roles).")
def staff_grant(phone, role, department, merchant):
    """Grant a role to a person, creating the person if they never signed in."""
    import uuid

    from app.identity import services

    person, _ = services.get_or_create_person(_phone(phone))
    try:
        services.grant_role(
            Actor.system(),
            person,
            role,
            department_code=department,
            merchant_id=uuid.UUID(merchant) if merchant else None,
        )
    except AppError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{person.phone}: {', '.join(sorted(g.role for g in person.roles))}")


@click.command("token")
@click.option("--phone", required=True, help="The demo person's phone number.")
@click.option("--scope", default="openid profile", help="Space-separated scopes.")
def token_command(phone, scope):
    """Print an access token for a person (development and demo only)."""
    from app.identity import services, tokens

    if not current_app.config["SANDBOX_PROVIDERS"]:
        raise click.ClickException("tokens are only printed outside production")
    person = services.person_by_phone(_phone(phone))
    if person is None:
        raise click.ClickException("no such person; run `flask seed demo` first")
    token = tokens.issue_access_token(person, client_id="yimatong-cli", scopes=scope.split())
    db.session.commit()
    click.echo(token)


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def calendar_import(path):
    """Load holidays and make-up working days from a ``date,kind,name`` CSV."""
    count = save_calendar_days(read_calendar_csv(path))
    db.session.commit()
    click.echo(f"{count} calendar days saved")


@sms_cli.command("log")
@click.option("--phone", required=True, help="The recipient's phone number.")
@click.option("--limit", default=20, show_default=True)
def sms_log(phone, limit):
    """Show the messages the sandbox SMS provider recorded for a number, newest first."""
    from app.core.sms import sandbox_log

    for message in sandbox_log(_phone(phone), limit):
        click.echo(f"{message.created_at:%Y-%m-%d %H:%M:%S}Z {message.phone} {message.body}")


@payments_cli.command("sandbox-settle")
def payments_sandbox_settle():
    """Let the sandbox's simulated payers answer due charges and deliver the signed callbacks."""
    from app.payments import jobs

    if not current_app.config["SANDBOX_PROVIDERS"]:
        raise click.ClickException("the sandbox payment provider does not run in production")
    run = jobs.run_sandbox_provider()
    click.echo(
        f"sandbox: {run.captured} captured, {run.declined} declined, "
        f"{run.delivered} callbacks delivered, {run.undelivered} to retry"
    )


@payments_cli.command("reconcile")
@click.option(
    "--older-than", type=int, default=None, help="Seconds pending (default PAYMENTS_RECONCILE_AFTER_SECONDS)."
)
def payments_reconcile(older_than):
    """Ask the provider about payments pending too long, and settle or expire them."""
    from datetime import timedelta

    from app.payments import services

    age = timedelta(seconds=older_than) if older_than is not None else None
    counts = services.reconcile_pending(older_than=age)
    db.session.commit()
    click.echo(
        "reconciled: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing pending")
    )


@payments_cli.command("purge")
def payments_purge():
    """Delete idempotency keys past retention and callback event ids past the replay window."""
    from app.payments import jobs

    counts = jobs.purge_payment_records()
    click.echo("purged: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@payments_cli.command("ledger-check")
def payments_ledger_check():
    """Verify that every ledger journal balances (exit status 1 otherwise)."""
    from app.payments import ledger

    bad = ledger.unbalanced_journal_ids()
    if bad:
        raise click.ClickException("unbalanced journals: " + ", ".join(str(j) for j in bad))
    click.echo("ledger balanced")


@idempotency_cli.command("purge")
def idempotency_purge():
    """Delete idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h)."""
    from app.core import idempotency

    count = idempotency.purge_expired()
    db.session.commit()
    click.echo(f"{count} idempotency keys purged")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("extract")
def translate_extract():
    """Extract messages from the code into locales/messages.pot."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        "locales/messages.pot",
        ".",
    )


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new messages into every catalog (new entries need translating)."""
    translate_extract.callback()
    _pybabel(
        "update", "-i", "locales/messages.pot", "-d", "locales", "--no-fuzzy-matching", "--ignore-obsolete"
    )


@translate_cli.command("compile")
def translate_compile():
    """Compile every catalog into .mo files."""
    written = i18n.compile_catalogs(ROOT / "locales", force=True)
    click.echo(f"{len(written)} catalogs compiled")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    for command in (
        seed_cli,
        staff_cli,
        translate_cli,
        calendar_cli,
        sms_cli,
        payments_cli,
        idempotency_cli,
        token_command,
    ):
        app.cli.add_command(command)
