"""Transit's commands: settle past days of trips now."""

from __future__ import annotations

import click
from flask import Flask

from app.core.cli import CommandGroup

transit_cli = CommandGroup("transit", help="Bus and metro rides: settle fares.")


@transit_cli.command("settle")
def settle():
    """Charge every rider's finished, uncharged trips of days before today."""
    from app.transit import services

    click.echo(f"transit settlement: {services.settle_days()} charges")


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    app.cli.add_command(transit_cli)
