"""Notifications' commands: send one, see where it stands."""

from __future__ import annotations

import click
from flask import Flask

from app.core import uow
from app.core.calendar import SHANGHAI
from app.core.cli import CommandGroup, phone_number
from app.extensions import db

notify_cli = CommandGroup("notify", help="Notifications: send one, inspect the outbox.")


@notify_cli.command("send", unit_of_work=False)
@click.option("--phone", required=True, help="The recipient's phone number.")
@click.option("--template", default="welcome", show_default=True)
@click.option("--topic", default=None, help="Topic (default: the template's).")
@click.option("--param", "params", multiple=True, help="name=value, repeatable.")
@click.option("--urgent", is_flag=True)
def notify_send(phone, template, topic, params, urgent):
    """Send a notification to a person (a fresh dedupe key each time)."""
    import uuid

    from app.notifications import services

    person_id = services.person_id_by_phone(phone_number(phone))
    if person_id is None:
        raise click.ClickException("no such person; run `flask seed demo` first")
    values = dict(p.split("=", 1) for p in params if "=" in p)
    try:
        with uow.unit_of_work():  # committed before its status is read: inline delivery runs at commit
            chosen = services.get_template(template)
            if "name" in chosen.placeholders:  # the recipient's own name, unless given
                values.setdefault("name", services.recipient(person_id).name)
            message = services.notify(
                person_id,
                template,
                values,
                topic=topic or chosen.topic,
                dedupe_key=f"cli:{uuid.uuid4()}",
                urgency="urgent" if urgent else "normal",
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.refresh(message)
    click.echo(f"message {message.id}: {message.status}")
    for delivery in message.deliveries:
        if delivery.status == "held" and delivery.not_before is not None:
            local = delivery.not_before.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            click.echo(f"  {delivery.channel}: held for the person's quiet hours until {local}")


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


def init_app(app: Flask) -> None:
    """Attach these command groups."""
    for group in (notify_cli,):
        app.cli.add_command(group)
