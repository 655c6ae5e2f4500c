"""Command-line entry points: ``flask seed``, ``flask staff``, ``flask token``, ``flask translate``."""

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


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPII as exc:
        raise click.BadParameter(f"not a valid phone number: {value}") from exc


def _fail(error: AppError) -> None:
    """Undo the command's work and say what was wrong, field by field."""
    db.session.rollback()
    problem = error.to_problem()
    fields = "; ".join(
        f"{field}: {' '.join(map(str, messages)) if isinstance(messages, list) else messages}"
        for field, messages in problem.get("errors", {}).items()
    )
    raise click.ClickException(f"{problem['title']}: {fields or problem['detail']}")


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
    try:
        count = save_calendar_days(read_calendar_csv(path))
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: {exc}; nothing was saved") from exc
    db.session.commit()
    click.echo(f"{count} calendar days saved")


@sms_cli.command("log")
@click.option("--phone", required=True, help="The recipient's phone number.")
@click.option("--limit", default=20, show_default=True)
def sms_log(phone, limit):
    """Show the messages the sandbox SMS provider recorded for a number, newest first."""
    from app.core.sms import sandbox_log

    number = _phone(phone)
    messages = sandbox_log(number, limit)
    if not messages:
        click.echo(f"no sandbox messages for {number}")
    for message in messages:
        click.echo(f"{message.created_at:%Y-%m-%d %H:%M:%S}Z {message.phone} {message.body}")


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
    for command in (seed_cli, staff_cli, translate_cli, calendar_cli, sms_cli, token_command):
        app.cli.add_command(command)
