"""Bills' commands: the periodic sweep, on demand."""

from __future__ import annotations

import click
from flask import Flask

from app.core.cli import CommandGroup

bills_cli = CommandGroup("bills", help="Utility bills: the periodic sweep (autopay, reminders, disputes).")


@bills_cli.command("sweep")
def bills_sweep():
    """Run the bills sweep now (autopay, reminders, dispute deadlines), as its periodic job does."""
    from app.bills import jobs

    counts = jobs.sweep_bills()
    click.echo("bills sweep: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    for group in (bills_cli,):
        app.cli.add_command(group)
