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
rq_cli = AppGroup("rq", help="Background jobs: RQ workers, periodic and deferred work.")
notify_cli = AppGroup("notify", help="Notifications: send one, inspect the outbox.")


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
        rq_cli,
        notify_cli,
        token_command,
    ):
        app.cli.add_command(command)
