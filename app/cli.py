"""Command-line entry points: seed, staff, clients, identity, token, translate, calendar, sms, payments."""

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
clients_cli = AppGroup("clients", help="OAuth clients: apps and institutions.")
identity_cli = AppGroup("identity", help="Signing keys and housekeeping of the identity provider.")
bills_cli = AppGroup("bills", help="Utility bills: the periodic sweep (autopay, reminders, disputes).")
rq_cli = AppGroup("rq", help="Background jobs: RQ workers, periodic and deferred work.")
notify_cli = AppGroup("notify", help="Notifications: send one, inspect the outbox.")


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


@clients_cli.command("create")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(
        ["public", "biller", "parking_operator", "hospital", "social_security", "open311", "scanner"]
    ),
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
        _fail(error)
    db.session.commit()
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
def rotate_key(purpose):
    """Sign with a new key from now on; the old one stays published until its tokens expire."""
    from app.identity import keys

    key = keys.rotate_key(purpose)
    db.session.commit()
    keys.forget_cached_keys()
    click.echo(f"{purpose}: now signing with {key.kid}")


@identity_cli.command("prune")
def prune():
    """Delete expired sign-in codes, link codes, revocations and replay records."""
    from app.identity import services

    counts = services.prune_expired()
    db.session.commit()
    click.echo("pruned: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@bills_cli.command("sweep")
def bills_sweep():
    """Run the bills sweep now (autopay, reminders, dispute deadlines), as its periodic job does."""
    from app.bills import jobs

    counts = jobs.sweep_bills()
    click.echo("bills sweep: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@rq_cli.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    show_default=True,
    help="Also move scheduled jobs (retries, enqueue_at, periodic work) onto their queues.",
)
@click.option("--name", default=None, help="Worker name (default: host and pid).")
@click.option("--max-jobs", type=int, default=None, help="Quit after this many jobs.")
@click.option(
    "--fork/--no-fork",
    default=True,
    show_default=True,
    help="Run each job in a forked work horse (isolation), or in the worker itself (throughput).",
)
def rq_worker(queues, burst, with_scheduler, name, max_jobs, fork):
    """Run a worker on QUEUES (default: notifications default scheduled) with the scheduler."""
    from app.core import jobs

    options = jobs.WorkerOptions(
        queues=tuple(queues) or jobs.QUEUES,
        burst=burst,
        with_scheduler=with_scheduler,
        name=name,
        max_jobs=max_jobs,
        fork=fork,
    )
    try:
        jobs.run_worker(current_app._get_current_object(), options)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@rq_cli.command("tick")
@click.option("--every", type=int, default=0, help="Keep running, once every this many seconds.")
def rq_tick(every):
    """Without Redis: run the periodic work and the deferred jobs that are due (from cron, or --every N)."""
    import time

    from app.core import jobs

    if not jobs.is_inline():
        raise click.ClickException("with REDIS_URL the workers run periodic work: use `flask rq worker`")
    last_run: dict[str, float] = {}
    while True:
        moment = time.monotonic()
        due = [
            name
            for name, entry in jobs.PERIODIC.items()
            if moment - last_run.get(name, -1e12) >= entry.interval(current_app.config)
        ]
        last_run.update(dict.fromkeys(due, moment))
        ran = jobs.run_due(periodic_names=due)
        if not every:
            click.echo(f"{ran} job(s) run")
            return
        time.sleep(every)


@rq_cli.command("info")
def rq_info():
    """Queue lengths, scheduled, running and failed jobs per queue."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from app.core import jobs
    from app.extensions import get_redis

    connection = get_redis()
    if connection is None:
        raise click.ClickException("no REDIS_URL: jobs run inline")
    for name in jobs.QUEUES:
        queue = Queue(name, connection=connection, serializer=JSONSerializer)
        click.echo(
            f"{name}: queued={queue.count} scheduled={queue.scheduled_job_registry.count} "
            f"started={queue.started_job_registry.count} failed={queue.failed_job_registry.count}"
        )


@notify_cli.command("send")
@click.option("--phone", required=True, help="The recipient's phone number.")
@click.option("--template", default="welcome", show_default=True)
@click.option("--topic", default=None, help="Topic (default: the template's).")
@click.option("--param", "params", multiple=True, help="name=value, repeatable.")
@click.option("--urgent", is_flag=True)
def notify_send(phone, template, topic, params, urgent):
    """Send a notification to a person (a fresh dedupe key each time)."""
    import uuid

    from app.identity import services as identity
    from app.notifications import services

    person = identity.person_by_phone(_phone(phone))
    if person is None:
        raise click.ClickException("no such person; run `flask seed demo` first")
    values = dict(p.split("=", 1) for p in params if "=" in p)
    try:
        chosen = services.get_template(template)
        message = services.notify(
            person.id,
            template,
            values,
            topic=topic or chosen.topic or "account",
            dedupe_key=f"cli:{uuid.uuid4()}",
            urgency="urgent" if urgent else "normal",
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    db.session.refresh(message)
    click.echo(f"message {message.id}: {message.status}")


@notify_cli.command("show")
@click.argument("message_id")
def notify_show(message_id):
    """Where a message stands, channel by channel."""
    import uuid

    from app.notifications import services

    message = services.message_for_support(uuid.UUID(message_id))
    if message is None:
        raise click.ClickException("no such message")
    click.echo(f"{message.id} {message.template} {message.status} attempts={message.attempts}")
    if message.last_error:
        click.echo(f"  last error: {message.last_error}")
    for d in message.deliveries:
        click.echo(
            f"  {d.channel:9} {d.status:9} attempts={d.attempts} id={d.provider_message_id} {d.error or ''}"
        )


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
        clients_cli,
        identity_cli,
        bills_cli,
        rq_cli,
        notify_cli,
        token_command,
    ):
        app.cli.add_command(command)
