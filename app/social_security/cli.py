"""Social security's commands: import an institution's file; run the alerts sweep now."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from app.core.cli import CommandGroup
from app.social_security.models import Source

social_security_cli = CommandGroup(
    "social-security", help="Social insurance and housing fund: import records, run the alerts sweep."
)


@social_security_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Choice([s.value for s in Source]),
    default=Source.SOCIAL_SECURITY.value,
    show_default=True,
    help="Whose records: the social-security bureau's or the housing-fund centre's.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), help="Default: by extension.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Default: FILE.report.csv")
def import_records(path, source, fmt, report):
    """Import a CSV, JSON or JSON Lines file of records: all of it, or (one bad row) none of it."""
    from app.social_security import importer

    with click.progressbar(length=path.stat().st_size, label="importing", file=sys.stderr) as bar:
        result = importer.import_file(path, Source(source), fmt=fmt, report_path=report, progress=bar.update)
    counts = ", ".join(f"{name} {result.counts[name]}" for name in ("created", "corrected", "unchanged"))
    if result.refused:
        raise click.ClickException(
            f"file refused: {result.bad} bad rows of {result.rows}, nothing imported; "
            f"every bad row is in {result.report}"
        )
    click.echo(
        f"{result.rows} rows imported ({counts}; {result.skipped} skipped as older than held) "
        f"in {result.seconds:.1f} s, {result.rows_per_second:,.0f} rows/s; report: {result.report}"
    )


@social_security_cli.command("sweep")
def sweep():
    """Alert people whose employer paid for the month before the month due, but not for it."""
    from app.social_security import services

    count = services.sweep_employer_gaps()
    click.echo(f"social security sweep: {count} alerts for {services.month_due():%Y-%m}")


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    app.cli.add_command(social_security_cli)
