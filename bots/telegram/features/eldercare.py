"""Elder care (智慧养老): the daily check-in and the SOS, each one big button; who is coming.

A guardian whose chat acts for the elder under an elder-care mandate (``/actfor``) presses the same
buttons for them; every reply then begins with the mandate banner, as every reply of such a chat does.

A guardian's own ``/care`` (the SOS notice in the chat, or the elder's card on ``/home``, leads
there) lists the open calls for help of the elders whose elder-care mandate they hold, each with
**I am coming** buttons: the guardian answers as themself (eldercare's ``acknowledge``), the elder
is told who is coming, and the ladder stops calling others.
"""

from __future__ import annotations

from flask_babel import format_time, gettext

from app.core.actors import MandateScope
from app.core.calendar import business_date
from app.core.errors import NotFound
from app.eldercare import services as eldercare
from app.identity import services as identity
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, uuid_of

NOTE = "telegram"  # what the alert's note says about where it was raised
ETAS = eldercare.ETA_CHOICES  # the minutes a guardian answering may choose (the SOS notice's buttons too)
PER_ROW = 2


def _buttons(alert=None) -> list:
    rows = [
        [(gettext("✅ I am fine today"), "checkin:")],
        [(gettext("🆘 SOS: call for help"), "sos:")],
    ]
    if alert is not None and alert.status == "open":
        rows.append([(gettext("It was a false alarm"), "sosoff:" + alert.id.hex)])
    return rows


def _open_alert(turn: Turn):
    alerts = eldercare.list_alerts(turn.resident, active=True, cursor=None, limit=1).items
    return alerts[0] if alerts else None


def _alert_lines(alert) -> list[str]:
    lines = [gettext("%(kind)s: %(status)s", kind=alert.kind_label, status=alert.status_label)]
    if alert.responder_name:
        lines.append(
            gettext(
                "%(name)s is coming, in about %(minutes)s minutes.",
                name=alert.responder_name,
                minutes=alert.eta_minutes or 0,
            )
        )
    elif alert.status == "open":
        lines.append(
            gettext("Your family, your contacts and the centre are being called until someone answers.")
        )
    return lines


def _calls_to_answer(turn: Turn) -> list[tuple[str, object]]:
    """(elder's name, alert) of every open call for help of an elder whose elder-care mandate I hold."""
    if turn.acting_for_id is not None:  # acting for the elder: her own panel, not a guardian's
        return []
    calls = []
    for principal in identity.principals_of(turn.person.person_id):
        if MandateScope.ELDERCARE.value not in principal.scopes:
            continue
        proxy = identity.proxy_actor(turn.person, str(principal.person_id))
        alerts = eldercare.list_alerts(proxy, active=True, cursor=None, limit=3).items
        calls += [(principal.display_name, alert) for alert in alerts]
    return calls


def _calls_reply(calls: list) -> Reply:
    lines, buttons = [], []
    for name, alert in calls:
        raised = format_time(alert.raised_at, "short")
        lines.append(
            gettext("🆘 %(name)s: %(kind)s at %(time)s.", name=name, kind=alert.kind_label, time=raised)
        )
        if alert.status != "open":
            lines += _alert_lines(alert)
            continue
        lines.append(gettext("Nobody has answered yet. Can you go?"))
        choices = [
            (gettext("I am coming: %(minutes)s min", minutes=eta), f"sosack:{alert.id.hex}:{eta}")
            for eta in ETAS
        ]
        buttons += [choices[i : i + PER_ROW] for i in range(0, len(choices), PER_ROW)]
    return Reply("\n".join(lines), buttons)


def panel(turn: Turn, _arguments: str) -> Reply:
    """``/care``: calls for help I may answer; then today's check-in, an open call, the two big buttons."""
    actor, calls = turn.resident, _calls_to_answer(turn)
    try:
        profile = eldercare.my_profile(actor)  # 404 without a care profile: the same refusal as the app
    except NotFound:
        if calls:  # a guardian without a care profile of their own
            return _calls_reply(calls)
        raise
    days = eldercare.list_checkins(actor, cursor=None, limit=1).items
    today = days[0] if days and days[0].day == business_date() else None
    if today is not None and today.checked_in_at is not None:
        lines = [gettext("Checked in today at %(time)s.", time=format_time(today.checked_in_at, "short"))]
    else:
        lines = [gettext("Not checked in yet today.")]
    alert = _open_alert(turn)
    if alert is not None:
        lines += _alert_lines(alert)
    buttons = _buttons(alert)
    if not profile.easy_mode:  # easy mode: the menu becomes the big buttons (bots/telegram/features/easy.py)
        buttons.append([(gettext("🔠 Easy mode: big buttons"), "easy:on")])
    if calls:
        answer = _calls_reply(calls)
        return Reply("\n".join([answer.text, *lines]), answer.buttons + buttons)
    return Reply("\n".join(lines), buttons)


def answer_call(turn: Turn, argument: str) -> Reply:
    """I am coming: the guardian answers as themself (the first answer is kept; later ones are told who).

    The minutes are one of the choices offered (``/care`` and the SOS notice's buttons); any other
    number is a button no longer offered, and answers nothing.
    """
    alert_hex, _, minutes = argument.partition(":")
    if not minutes.isdigit() or int(minutes) not in ETAS:
        return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)
    alert = eldercare.acknowledge(turn.person, uuid_of(alert_hex), eta_minutes=int(minutes))
    return Reply(
        gettext(
            "Thank you. They are told you are coming in about %(minutes)s minutes; "
            "nobody else is called now.",
            minutes=alert.eta_minutes,
        )
    )


def check_in(turn: Turn, _argument: str) -> Reply:
    """The big I am fine button: today's check-in (a missed-check-in call nobody answered is called off)."""
    row = eldercare.check_in(turn.resident, source="bot")
    text = gettext(
        "Thank you. Checked in at %(time)s; your family can see all is well today.",
        time=format_time(row.checked_in_at, "short"),
    )
    return Reply(text, _buttons(_open_alert(turn)))


def sos(turn: Turn, _argument: str) -> Reply:
    """The big SOS button: at once, the first rung of the ladder is called (a second press joins it)."""
    alert = eldercare.raise_sos(turn.resident, source="bot", note=NOTE)
    lines = [gettext("Help is being called. Stay where you are; I will tell you here who is coming.")]
    lines += _alert_lines(alert)
    return Reply("\n".join(lines), _buttons(alert))


def call_off(turn: Turn, argument: str) -> Reply:
    """It was a false alarm: an SOS nobody has answered yet is called off (after that, it is resolved)."""
    alert = eldercare.resolve(turn.resident, uuid_of(argument), outcome="false_alarm", note=NOTE)
    if alert.status == "cancelled":
        return Reply(gettext("Called off. Nobody will come."), _buttons())
    return Reply(gettext("Closed. The person who answered has been told."), _buttons())


FEATURE = Feature(
    name="eldercare",
    domain="eldercare",
    commands={"care": panel, "sos": sos, "fine": check_in},
    buttons={"care": panel, "checkin": check_in, "sos": sos, "sosoff": call_off, "sosack": answer_call},
    help=lambda: gettext(
        "/care daily check-in and SOS, and answering a call for help of someone I look after · "
        "/fine I am fine today · /sos call for help now"
    ),
    menu=(lambda: gettext("Elder care"), "care:"),
    opens={"eldercare": "care:"},
)
