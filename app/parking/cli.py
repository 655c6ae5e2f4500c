"""Parking's commands: the periodic sweep, on demand."""

from __future__ import annotations

import click
from flask import Flask

from app.core.cli import CommandGroup

parking_cli = CommandGroup("parking", help="Parking: the periodic sweep (reminders of unpaid stays).")


@parking_cli.command("sweep")
def parking_sweep():
    """Run the parking sweep now, as its periodic job does."""
    from app.parking import jobs

    counts = jobs.sweep_parking()
    click.echo("parking sweep: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    app.cli.add_command(parking_cli)
