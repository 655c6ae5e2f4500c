"""Payments' commands: the sandbox provider, reconciliation, purges and the ledger check."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.core.cli import CommandGroup

payments_cli = CommandGroup("payments", help="Payments: the sandbox provider, reconciliation, the ledger.")


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


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    for group in (payments_cli,):
        app.cli.add_command(group)
