"""The kernel's commands: demo data, catalogs, the calendar, the sandbox SMS log, keys, background jobs.

Every domain's commands live in ``<domain>/cli.py`` on a :class:`CommandGroup`: each command runs as
one unit of work (committed when it returns, rolled back when it fails) unless it says otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core import i18n, uow
from app.core.calendar import read_calendar_csv, save_calendar_days
from app.core.errors import AppError
from app.core.pii import InvalidPII, normalize_phone

ROOT = Path(__file__).resolve().parent.parent.parent


class CommandGroup(AppGroup):
    """A command group whose commands each run as one unit of work (``unit_of_work=False`` to opt out)."""

    def command(self, *args, unit_of_work: bool = True, **kwargs):
        """Like ``AppGroup.command``; the body is wrapped in :func:`app.core.uow.unit_of_work`."""
        register = super().command(*args, **kwargs)

        def decorator(func):
            return register(uow.command(func) if unit_of_work else func)

        return decorator


def phone_number(value: str) -> str:
    """A phone number given on the command line, normalized (E.164), or a usage error."""
    try:
        return normalize_phone(value)
    except InvalidPII as exc:
        raise click.BadParameter(f"not a valid phone number: {value}") from exc


def fail(error: AppError) -> None:
    """Stop the command (its work is rolled back) and say what was wrong, field by field."""
    problem = error.to_problem()
    fields = "; ".join(
        f"{field}: {' '.join(map(str, messages)) if isinstance(messages, list) else messages}"
        for field, messages in problem.get("errors", {}).items()
    )
    raise click.ClickException(f"{problem['title']}: {fields or problem['detail']}")


seed_cli = CommandGroup("seed", help="Load data.")
translate_cli = CommandGroup("translate", help="Extract, update and compile message catalogs.")
calendar_cli = CommandGroup("calendar", help="The working-day calendar.")
sms_cli = CommandGroup("sms", help="The sandbox SMS provider.")
idempotency_cli = CommandGroup("idempotency", help="Idempotency keys of requests that move money.")
rq_cli = CommandGroup("rq", help="Background jobs: RQ workers, periodic and deferred work.")


@seed_cli.command("demo")
def seed_demo_command():
    """Create the demo city, departments and accounts (safe to run again)."""
    from app.core.demo import seed_demo

    counts = seed_demo()
    click.echo("demo data ready: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def calendar_import(path):
    """Load holidays and make-up working days from a ``date,kind,name`` CSV."""
    try:
        count = save_calendar_days(read_calendar_csv(path))
    except ValueError as exc:
        raise click.ClickException(f"{path}: {exc}; nothing was saved") from exc
    click.echo(f"{count} calendar days saved")


@sms_cli.command("log")
@click.option("--phone", required=True, help="The recipient's phone number.")
@click.option("--limit", default=20, show_default=True)
def sms_log(phone, limit):
    """Show the messages the sandbox SMS provider recorded for a number, newest first."""
    from app.core.sms import sandbox_log

    number = phone_number(phone)
    messages = sandbox_log(number, limit)
    if not messages:
        click.echo(f"no sandbox messages for {number}")
    for message in messages:
        click.echo(f"{message.created_at:%Y-%m-%d %H:%M:%S}Z {message.phone} {message.body}")


@idempotency_cli.command("purge")
def idempotency_purge():
    """Delete idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h)."""
    from app.core import idempotency

    count = idempotency.purge_expired()
    click.echo(f"{count} idempotency keys purged")


@rq_cli.command("worker", unit_of_work=False)
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


@rq_cli.command("tick", unit_of_work=False)
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
        done = jobs.run_due(periodic_names=due)
        if not every:
            click.echo(f"{done.ran} job(s) run, {done.failed} failed")
            return
        time.sleep(every)


@rq_cli.command("failed")
@click.option(
    "--retry", "retry", multiple=True, metavar="JOB_ID", help="Run this failed job again (repeatable)."
)
@click.option("--retry-all", is_flag=True, help="Run every failed job again.")
@click.option(
    "--purge", type=click.IntRange(min=0), metavar="DAYS", help="Delete jobs failed over DAYS days ago."
)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="How many to list.")
def rq_failed(retry, retry_all, purge, limit):
    """Failed jobs (no retry left), newest first; run them again or delete old ones (RQ or no Redis)."""
    from datetime import timedelta

    from app.core import jobs

    if retry and retry_all:
        raise click.UsageError("give --retry JOB_ID or --retry-all, not both")
    if retry or retry_all:
        count = jobs.retry_failed(None if retry_all else retry)
        where = "`flask rq tick` runs them" if jobs.is_inline() else "a worker runs them"
        click.echo(f"{count} failed job(s) due again; {where}")
        return
    if purge is not None:
        click.echo(f"{jobs.purge_failed(timedelta(days=purge))} failed job(s) deleted")
        return
    found = jobs.failed_jobs(limit)
    for job in found:
        when = job.failed_at.isoformat(timespec="seconds") if job.failed_at else "?"
        click.echo(f"{job.job_id}  {when}  {job.queue}  {job.func}{tuple(job.args)}\n    {job.error}")
    click.echo(f"{len(found)} failed job(s)")


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


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("extract")
def translate_extract():
    """Extract each catalog's messages from its sources into locales/<catalog>/messages.pot."""
    for name in _catalogs():
        sources = [str(path.relative_to(ROOT)) for path in i18n.catalog_sources(name, ROOT)]
        (ROOT / "locales" / name).mkdir(parents=True, exist_ok=True)
        _pybabel(
            "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_ngettext:1,2", "--no-location",
            "--sort-output", "--omit-header", "-o", f"locales/{name}/messages.pot", *sources,
        )  # fmt: skip


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new messages into every catalog (new entries need translating)."""
    memory = i18n.translation_memory(ROOT / "locales")
    translate_extract.callback()
    for name in _catalogs():
        template = ROOT / "locales" / name / "messages.pot"
        if "msgid" not in template.read_text(encoding="utf-8"):  # a domain with nothing to translate
            shutil.rmtree(template.parent)
            continue
        for locale in i18n.SUPPORTED_LOCALES:
            command = "update" if (ROOT / "locales" / name / locale).exists() else "init"
            extra = ("--no-fuzzy-matching", "--ignore-obsolete") if command == "update" else ()
            _pybabel(
                command, "-i", f"locales/{name}/messages.pot", "-d", f"locales/{name}", "-l", locale,
                "-w", "110", *extra,
            )  # fmt: skip
    filled = i18n.fill_from_memory(ROOT / "locales", memory)
    if filled:
        click.echo(f"{filled} new entries translated as another catalog already translates them")


@translate_cli.command("compile")
def translate_compile():
    """Compile every catalog into .mo files."""
    written = i18n.compile_catalogs(ROOT / "locales", force=True)
    click.echo(f"{len(written)} catalogs compiled")


def _catalogs() -> list[str]:
    """The kernel's, the bot's, and one per domain package (created on the first update)."""
    domains = sorted(p.name for p in (ROOT / "app").iterdir() if (p / "__init__.py").exists())
    return [i18n.CORE_CATALOG, i18n.BOT_CATALOG, *(d for d in domains if d != i18n.CORE_CATALOG)]


def init_app(app: Flask) -> None:
    """Attach the kernel's command groups."""
    for group in (seed_cli, translate_cli, calendar_cli, sms_cli, idempotency_cli, rq_cli):
        app.cli.add_command(group)
