"""Easy mode (长辈模式) in the chat: for an elder who chose it, the menu is four big buttons.

An elder whose care profile has easy mode on (``PUT /api/v1/eldercare/easy``, or ``/easy on`` here)
gets, on ``/menu`` and ``/start``, one status line in a few words (eldercare's ``easy_screen``) and
big buttons, one to a row: **I am fine today**, **SOS: call for help**, **My family**, **Bills due**.
Each answers in one short message with the same buttons again; nothing asks a second question,
except paying a bill, which the bills feature confirms once more. **Full menu** (or ``/easy off``)
turns easy mode off. A chat acting for someone else keeps the full menu.
"""

from __future__ import annotations

from flask_babel import format_date, gettext

from app.bills import services as bills
from app.core.actors import MandateScope
from app.core.errors import NotFound
from app.eldercare import services as eldercare
from app.identity import services as identity
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, money, one_per_row, uuid_of

NOTE = "telegram"  # what the alert's note says about where it was raised
MAX_BILLS = 5


def _elder(turn: Turn):
    """The elder's actor when this chat is theirs and acts for them (not for someone else)."""
    if turn.actor is None or turn.acting_for_id is not None:
        return None
    return turn.actor


def _buttons(turn: Turn, alert=None) -> list:
    rows = [
        (gettext("✅ I am fine today"), "ezfine:"),
        (gettext("🆘 SOS: call for help"), "ezsos:"),
    ]
    if alert is not None and alert.status == "open":
        rows.append((gettext("It was a false alarm"), "ezoff:" + alert.id.hex))
    rows.append((gettext("👪 My family"), "family:"))
    if turn.registry is not None and turn.registry.installed("bills"):
        rows.append((gettext("💴 Bills due"), "ezbills:"))
    rows.append((gettext("Full menu"), "easy:off"))
    return one_per_row(rows)


def _open_alert(actor):
    alerts = eldercare.list_alerts(actor, active=True, cursor=None, limit=1).items
    return alerts[0] if alerts else None


def _easy_reply(turn: Turn, actor, *lines: str) -> Reply:
    """Short lines, the status in a few words, and the big buttons."""
    status = eldercare.easy_screen(actor).status
    return Reply("\n".join([*lines, status]), _buttons(turn, _open_alert(actor)))


def easy_menu(turn: Turn) -> Reply | None:
    """The chat's menu in easy mode, or None when the chat's person has not chosen it."""
    actor = _elder(turn)
    if actor is None:
        return None
    try:
        screen = eldercare.easy_screen(actor)
    except NotFound:  # no care profile: the full menu
        return None
    if not screen.enabled:
        return None
    return Reply(screen.status, _buttons(turn, _open_alert(actor)))


def fine(turn: Turn, _argument: str) -> Reply:
    """**I am fine today**: today's check-in."""
    actor = turn.resident
    eldercare.check_in(actor, source="bot")
    return _easy_reply(turn, actor, gettext("Thank you. Your family knows you are fine."))


def sos(turn: Turn, _argument: str) -> Reply:
    """**SOS**: help is called at once (a second press joins the call already open)."""
    actor = turn.resident
    alert = eldercare.raise_sos(actor, source="bot", note=NOTE)
    text = gettext("Help is being called. Stay where you are; I will tell you here who is coming.")
    return Reply(text, _buttons(turn, alert))


def call_off(turn: Turn, argument: str) -> Reply:
    """**It was a false alarm**: nobody has answered yet, so nobody comes."""
    actor = turn.resident
    eldercare.resolve(actor, uuid_of(argument), outcome="false_alarm", note=NOTE)
    return _easy_reply(turn, actor, gettext("Called off. Nobody will come."))


def family(turn: Turn, _argument: str) -> Reply:
    """**My family**: who is called when I press SOS, in order; a contact's number can be tapped."""
    actor = turn.resident
    profile = eldercare.my_profile(actor)
    lines = [gettext("When you press SOS, we call:")]
    guardians = identity.guardians_of(profile.person_id, MandateScope.ELDERCARE)
    lines += [f"• {identity.get_person(person_id).display_name}" for person_id in guardians]
    if profile.worker_id is not None:
        lines.append("• " + gettext("your community worker"))
    for contact in profile.contacts:
        relation = f" ({contact.relation})" if contact.relation else ""
        lines.append(f"• {contact.name}{relation} {contact.phone}")
    if len(lines) == 1:
        lines = [gettext("Nobody yet. Ask your family to add themselves in the app.")]
    elif profile.contacts:
        lines.append(gettext("Tap a number to call."))
    return Reply("\n".join(lines), [[(gettext("⬅ Back"), "menu:")]])


def bills_due(turn: Turn, _argument: str) -> Reply:
    """**Bills due**: the unpaid bills in a line each; a button pays one (after one confirmation)."""
    page = bills.list_bills(turn.resident, cursor=None, limit=MAX_BILLS, status="unpaid")
    if not page.items:
        return Reply(gettext("No bills to pay."), [[(gettext("⬅ Back"), "menu:")]])
    lines = [gettext("Bills to pay:")]
    buttons = []
    for bill in page.items:
        what = {"biller": bill.biller.name, "amount": money(bill.amount)}
        lines.append(gettext("• %(biller)s %(amount)s, by %(date)s", date=format_date(bill.due_date), **what))
        buttons.append((gettext("Pay %(biller)s %(amount)s", **what), "pay:" + bill.id.hex))
    buttons.append((gettext("⬅ Back"), "menu:"))
    return Reply("\n".join(lines), one_per_row(buttons))


def switch(turn: Turn, argument: str) -> Reply:
    """``/easy on|off`` (or the **Full menu** button): easy mode, the same preference as the app's."""
    actor = turn.resident
    state = argument.strip().lower()
    if state not in ("on", "off"):
        enabled = eldercare.easy_screen(actor).enabled
        text = gettext("Easy mode is on.") if enabled else gettext("Easy mode is off.")
        label = gettext("Turn easy mode off") if enabled else gettext("Turn easy mode on")
        return Reply(text, [[(label, "easy:" + ("off" if enabled else "on"))]])
    eldercare.set_easy_mode(actor, state == "on")
    if state == "on":
        menu = easy_menu(turn)
        text = gettext("Easy mode is on: big buttons, short words.")
        if menu is None:  # acting for an elder: she sees it in her own chat
            return Reply(text)
        return Reply(f"{text}\n{menu.text}", menu.buttons)
    return Reply(
        gettext("Easy mode is off. Send /menu for everything, /easy on for the big buttons again."),
        [[(gettext("Menu"), "menu:")]],
    )


FEATURE = Feature(
    name="easy",
    domain="eldercare",
    commands={"easy": switch},
    buttons={
        "easy": switch,
        "ezfine": fine,
        "ezsos": sos,
        "ezoff": call_off,
        "family": family,
        "ezbills": bills_due,
    },
    help=lambda: gettext("/easy on easy mode: four big buttons · /easy off the full menu"),
    own_menu=easy_menu,
)
