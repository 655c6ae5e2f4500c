"""Parking (智慧停车): free spaces near a shared location, my stays and debts paid once, my violations.

Plates are bound in a short conversation (the number, then the holder's name, which the vehicle
registry confirms), and an unpaid fine is appealed in another (why, in a few words, then send). A
plate's frictionless pay is switched, and a plate unbound, after one more question; each button
names the plate, which parking loads again as the acting resident (404 for anyone else's).
"""

from __future__ import annotations

import secrets

from flask_babel import format_datetime, gettext

from app.core import idempotency
from app.core.money import Money
from app.parking import services as parking
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import (
    Incoming,
    Reply,
    asking_for_location,
    location_wanted,
    money,
    one_per_row,
    uuid_of,
)

FLOW = "parking"
RADIUS_M = 1500
STAY_MINUTES = 60
LOTS_SHOWN = 5
PAGE = 8
KEY_PREFIX = "telegram-parking-"  # the bot's idempotency keys, one per confirmation shown
SESSION, FINE = "s", "v"  # what a pay button pays: a stay or a fine


def _session_status(status: str) -> str:
    names = {
        "parked": gettext("parked now"),
        "free": gettext("free"),
        "unpaid": gettext("unpaid"),
        "paid": gettext("paid"),
        "waived": gettext("waived"),
    }
    return names.get(status, status)


def _fine_status(status: str) -> str:
    names = {
        "unpaid": gettext("unpaid"),
        "paid": gettext("paid"),
        "withdrawn": gettext("withdrawn"),
        "disputed": gettext("under appeal"),
    }
    return names.get(status, status)


def _appeal_kinds() -> dict[str, str]:
    """The grounds of an appeal the police accept (``kind`` of parking's appeal), in the reader's words."""
    return {
        "not_my_vehicle": gettext("Not my vehicle (plate misread or cloned)"),
        "wrong_facts": gettext("Wrong time, place or offence"),
        "justified": gettext("There was a reason (an emergency, an officer's instruction)"),
    }


def _when(moment) -> str:
    return format_datetime(moment, "short") if moment else ""


def _session_label(session) -> str:
    line = f"{session.lot.name} · {session.plate} · {_when(session.entered_at)}"
    if session.status in ("unpaid", "paid", "waived"):
        line += f" · {money(session.fee)}"
    return f"{line} · {_session_status(session.status)}"


def my_parking(turn: Turn, _arguments: str) -> Reply:
    """``/parking``: what I owe first (each stay a button), then my latest stays; lots nearby, violations."""
    actor = turn.resident
    unpaid = parking.list_sessions(actor, status="unpaid", cursor=None, limit=PAGE).items
    recent = parking.list_sessions(actor, status=None, cursor=None, limit=PAGE).items
    lines = []
    if unpaid:
        total = Money(sum(s.fee_fen for s in unpaid), unpaid[0].currency)
        owed = gettext("You owe %(amount)s for %(count)s stays:", amount=money(total), count=len(unpaid))
        lines.append(owed)
    elif recent:
        lines.append(gettext("You owe nothing for parking. Your latest stays:"))
    else:
        lines.append(gettext("You have no parking stays yet."))
    shown = unpaid or recent
    buttons = [(_session_label(s), "psess:" + s.id.hex) for s in shown]
    buttons += [
        (gettext("Lots with free spaces nearby"), "lots:"),
        (gettext("My violations"), "vios:"),
        (gettext("My plates"), "plates:"),
    ]
    return Reply("\n".join(lines), one_per_row(buttons))


def ask_location(turn: Turn, _argument: str) -> Reply:
    """A Lots nearby button: ask for the place to search around."""
    turn.resident  # noqa: B018
    turn.begin(FLOW, "near")
    return asking_for_location(
        gettext("Share your location and I will list the lots with free spaces around it.")
    )


def lots_near(turn: Turn, incoming: Incoming) -> Reply:
    """The shared location: lots within reach, free spaces first, with the price of an hour."""
    if incoming.point is None:
        return location_wanted()
    turn.end()
    found = parking.lots_near(incoming.point, radius=RADIUS_M, stay_minutes=STAY_MINUTES, limit=LOTS_SHOWN)
    if not found:
        return Reply(gettext("No car park within %(metres)s metres of there.", metres=RADIUS_M))
    lines = [gettext("Lots near you (free spaces · distance · one hour):")]
    buttons = []
    for lot in found:
        line = gettext(
            "%(name)s · %(free)s free · %(metres)s m · %(fee)s",
            name=lot.name,
            free=lot.free_spaces,
            metres=lot.distance_m,
            fee=money(Money(lot.stay_fee_fen)),
        )
        lines.append("• " + line)
        buttons.append((lot.name, "lot:" + lot.id.hex))
    return Reply("\n".join(lines), one_per_row(buttons))


def show_lot(turn: Turn, argument: str) -> Reply:
    """A lot button: where it is, how full, when open, what an hour costs."""
    lot = parking.get_lot(uuid_of(argument), STAY_MINUTES)
    lines = [
        f"{lot.name} ({lot.kind_label})",
        lot.address,
        gettext("Free spaces: %(free)s of %(capacity)s", free=lot.free_spaces, capacity=lot.capacity),
        gettext("Open: %(hours)s", hours=lot.opening_hours),
        gettext("One hour costs %(fee)s", fee=money(Money(lot.stay_fee_fen))),
    ]
    return Reply("\n".join(line for line in lines if line))


def show_session(turn: Turn, argument: str) -> Reply:
    """A stay button: the stay in full; an unpaid one has a Pay button."""
    session = parking.get_session(turn.resident, uuid_of(argument))
    lines = [
        f"{session.lot.name} · {session.plate}",
        gettext("In: %(when)s", when=_when(session.entered_at)),
    ]
    if session.exited_at:
        lines.append(gettext("Out: %(when)s", when=_when(session.exited_at)))
        lines.append(gettext("Fee: %(amount)s", amount=money(session.fee)))
    lines.append(gettext("Status: %(status)s", status=_session_status(session.status)))
    buttons = []
    if session.status == "unpaid" and session.payment_id is None:
        label = gettext("Pay %(amount)s", amount=money(session.fee))
        buttons.append((label, f"ppay:{SESSION}{session.id.hex}"))
    elif session.status == "unpaid":
        lines.append(gettext("A payment of this stay is in progress."))
    return Reply("\n".join(lines), one_per_row(buttons))


def my_violations(turn: Turn, _argument: str) -> Reply:
    """``/violations``: the traffic violations of my plates, newest first, each a button."""
    page = parking.list_violations(turn.resident, status=None, cursor=None, limit=PAGE)
    if not page.items:
        return Reply(gettext("No traffic violations on your plates."))
    buttons = [
        (f"{v.plate} · {v.offence} · {money(v.fine)} · {_fine_status(v.status)}", "vio:" + v.id.hex)
        for v in page.items
    ]
    return Reply(gettext("Traffic violations of your plates:"), one_per_row(buttons))


def show_violation(turn: Turn, argument: str) -> Reply:
    """A violation button: what, where, when, the fine and points; an unpaid fine has a Pay button."""
    violation = parking.get_violation(turn.resident, uuid_of(argument))
    lines = [
        f"{violation.plate} · {violation.offence}",
        gettext("When: %(when)s", when=_when(violation.occurred_at)),
        gettext("Where: %(place)s", place=violation.place),
        gettext("Fine: %(amount)s, %(points)s points", amount=money(violation.fine), points=violation.points),
        gettext("Status: %(status)s", status=_fine_status(violation.status)),
    ]
    buttons = []
    if violation.status == "unpaid" and violation.fine_fen:
        label = gettext("Pay %(amount)s", amount=money(violation.fine))
        buttons.append((label, f"ppay:{FINE}{violation.id.hex}"))
    if violation.status == "unpaid":
        buttons.append((gettext("Appeal this violation"), "vapl:" + violation.id.hex))
    elif violation.status == "disputed":
        lines.append(gettext("The police are reviewing your appeal; it cannot be paid until they decide."))
    return Reply("\n".join(lines), one_per_row(buttons))


def confirm_payment(turn: Turn, argument: str) -> Reply:
    """A Pay button: say exactly what will be paid, and ask once more."""
    kind, record_hex = argument[:1], argument[1:]
    if kind == FINE:
        violation = parking.get_violation(turn.resident, uuid_of(record_hex))
        text = gettext(
            "Pay the fine of %(amount)s for %(plate)s (%(offence)s)?",
            amount=money(violation.fine),
            plate=violation.plate,
            offence=violation.offence,
        )
        back = "vio:" + record_hex
    else:
        session = parking.get_session(turn.resident, uuid_of(record_hex))
        text = gettext(
            "Pay %(amount)s to %(lot)s for %(plate)s, parked %(when)s?",
            amount=money(session.fee),
            lot=session.lot.name,
            plate=session.plate,
            when=_when(session.entered_at),
        )
        back = "psess:" + record_hex
    key = secrets.token_hex(6)
    confirm = (gettext("Confirm payment"), f"ppayok:{kind}{record_hex}:{key}")
    return Reply(text, [[confirm], [(gettext("Cancel"), back)]])


def pay(turn: Turn, argument: str) -> Reply:
    """A Confirm button: one payment intent per confirmation, however often it is pressed."""
    record, _, key = argument.partition(":")
    kind, record_id, actor = record[:1], uuid_of(record[1:]), turn.resident
    pay_one = parking.pay_violation if kind == FINE else parking.pay_session

    def start_payment() -> dict:
        intent = pay_one(actor, record_id, KEY_PREFIX + key)
        return {"payment_id": str(intent.id), "amount_fen": intent.amount_fen, "currency": intent.currency}

    started = idempotency.run_once(actor, KEY_PREFIX + key, {kind: str(record_id)}, start_payment)
    text = gettext(
        "Payment of %(amount)s started. I will tell you here when it is done; "
        "/parking shows where it stands.",
        amount=money(Money(started["amount_fen"], started.get("currency", "CNY"))),
    )
    return Reply(text, [[(gettext("My parking"), "parking:")]])


# --- plates -------------------------------------------------------------------------------------


def _frictionless(plate) -> str:
    return gettext("frictionless pay on") if plate.frictionless else gettext("frictionless pay off")


def my_plates(turn: Turn, _argument: str) -> Reply:
    """``/plates``: the plates bound to me (at most three), each a button, and a button to bind another."""
    plates = parking.list_plates(turn.resident)
    if plates:
        lines = [gettext("Your plates:")]
        lines += [
            f"• {plate.number} · {plate.holder_name_masked} · {_frictionless(plate)}" for plate in plates
        ]
    else:
        lines = [gettext("No plate is bound to you yet. Bind one to see its stays and fines here.")]
    buttons = [(f"{plate.number} · {_frictionless(plate)}", "plate:" + plate.id.hex) for plate in plates]
    buttons.append((gettext("Bind a plate"), "plateadd:"))
    return Reply("\n".join(lines), one_per_row(buttons))


def show_plate(turn: Turn, argument: str) -> Reply:
    """A plate button: the plate, its holder (masked) and frictionless pay; switch it, or unbind the plate."""
    plate = parking.get_plate(turn.resident, uuid_of(argument))
    lines = [
        plate.number,
        gettext("Holder: %(name)s", name=plate.holder_name_masked),
        gettext("Frictionless pay (无感支付): on")
        if plate.frictionless
        else gettext("Frictionless pay (无感支付): off"),
    ]
    switch = (
        gettext("Turn frictionless pay off") if plate.frictionless else gettext("Turn frictionless pay on")
    )
    buttons = [
        (switch, f"pfric:{plate.id.hex}:{0 if plate.frictionless else 1}"),
        (gettext("Unbind this plate"), "punbind:" + plate.id.hex),
        (gettext("My plates"), "plates:"),
    ]
    return Reply("\n".join(lines), one_per_row(buttons))


def _switch_wanted(argument: str) -> tuple[str, bool] | None:
    plate_hex, _, wanted = argument.partition(":")
    return (plate_hex, wanted == "1") if wanted in ("0", "1") else None


def ask_frictionless(turn: Turn, argument: str) -> Reply:
    """A Turn frictionless pay on/off button: say what it means for the plate, and ask once more."""
    wanted = _switch_wanted(argument)
    if wanted is None:
        return _stale()
    plate = parking.get_plate(turn.resident, uuid_of(wanted[0]))
    if wanted[1]:
        text = gettext(
            "Turn frictionless pay on for %(plate)s? When it leaves a car park, the stay is charged to you "
            "at once, without stopping to pay.",
            plate=plate.number,
        )
        yes = gettext("Yes, turn it on")
    else:
        text = gettext(
            "Turn frictionless pay off for %(plate)s? Its stays are then left for you to pay (/parking).",
            plate=plate.number,
        )
        yes = gettext("Yes, turn it off")
    return Reply(text, [[(yes, "pfricok:" + argument)], [(gettext("Cancel"), "plate:" + plate.id.hex)]])


def switch_frictionless(turn: Turn, argument: str) -> Reply:
    """The switch confirmed: frictionless pay on or off (pressing it again sets the same)."""
    wanted = _switch_wanted(argument)
    if wanted is None:
        return _stale()
    plate = parking.set_frictionless(turn.resident, uuid_of(wanted[0]), wanted[1])
    if plate.frictionless:
        text = gettext("Frictionless pay is on for %(plate)s.", plate=plate.number)
    else:
        text = gettext("Frictionless pay is off for %(plate)s.", plate=plate.number)
    return Reply(text, [[(gettext("My plates"), "plates:")]])


def ask_unbind(turn: Turn, argument: str) -> Reply:
    """An Unbind this plate button: ask once more (the plate must be mine)."""
    plate = parking.get_plate(turn.resident, uuid_of(argument))
    text = gettext(
        "Unbind %(plate)s? Its past stays and fines stay in your history; new ones will no longer come "
        "to you, and its frictionless pay ends.",
        plate=plate.number,
    )
    yes, keep = (
        (gettext("Yes, unbind it"), "punbindok:" + argument),
        (gettext("Keep it"), "plate:" + argument),
    )
    return Reply(text, [[yes], [keep]])


def unbind(turn: Turn, argument: str) -> Reply:
    """The unbinding confirmed: the plate is no longer mine (a second press: it is not found)."""
    plate = parking.unbind_plate(turn.resident, uuid_of(argument))
    return Reply(gettext("%(plate)s is unbound.", plate=plate.number), [[(gettext("My plates"), "plates:")]])


def ask_plate(turn: Turn, _argument: str) -> Reply:
    """A Bind a plate button: ask for the number."""
    turn.resident  # noqa: B018
    turn.begin(FLOW, "plate")
    text = gettext("Send the plate number, for example 贵A12345 (new-energy plates have 8 characters).")
    return Reply(text)


def plate_number(turn: Turn, incoming: Incoming) -> Reply:
    """The plate typed: parking's own check of the format (a refusal says why, and waits for another)."""
    number = parking.checked_plate(incoming.text)
    turn.ask("holder", number=number)
    return Reply(
        gettext(
            "Whose name is %(plate)s registered in? Send the name exactly as on the vehicle licence.",
            plate=number,
        )
    )


def holder_name(turn: Turn, incoming: Incoming) -> Reply:
    """The holder's name: the vehicle registry confirms it, and the plate is mine (the app's refusals)."""
    plate = parking.bind_plate(turn.resident, turn.data.get("number", ""), incoming.text)
    turn.end()
    text = gettext(
        "%(plate)s is bound to you. Its stays and fines show here from now on (/parking, /violations).",
        plate=plate.number,
    )
    return Reply(text, [[(gettext("My plates"), "plates:")]])


# --- appeals ------------------------------------------------------------------------------------


def ask_appeal_kind(turn: Turn, argument: str) -> Reply:
    """An Appeal button: on what grounds (the violation must be mine)."""
    violation = parking.get_violation(turn.resident, uuid_of(argument))
    turn.begin(FLOW, "appeal_kind", violation=violation.id.hex)
    text = gettext(
        "Appeal %(offence)s of %(plate)s. On what grounds?", offence=violation.offence, plate=violation.plate
    )
    buttons = [(label, "vaplk:" + kind) for kind, label in _appeal_kinds().items()]
    return Reply(text, [*one_per_row(buttons), [(gettext("Cancel"), "vio:" + violation.id.hex)]])


def _stale() -> Reply:
    return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)


def appeal_kind(turn: Turn, kind: str) -> Reply:
    """The grounds chosen: ask why, in the resident's words."""
    if (turn.flow, turn.step) != (FLOW, "appeal_kind") or kind not in _appeal_kinds():
        return _stale()
    turn.ask("appeal_reason", kind=kind)
    return Reply(gettext("In a few words, what happened? (Up to 1000 characters.)"))


def appeal_reason(turn: Turn, incoming: Incoming) -> Reply:
    """The reasons typed: show the appeal as it will be sent, and ask once more."""
    if not incoming.text:
        return Reply(gettext("Type what happened, or /cancel."), ok=False)
    turn.ask("appeal_confirm", description=incoming.text[:1000])
    data = turn.data
    text = "\n".join(
        [
            gettext("Send this appeal to the traffic police?"),
            _appeal_kinds()[data["kind"]],
            data["description"],
            gettext("Until they decide, the fine cannot be paid and no late fee is added."),
        ]
    )
    buttons = [[(gettext("Send the appeal"), "vaplok:")], [(gettext("Cancel"), "vio:" + data["violation"])]]
    return Reply(text, buttons)


def send_appeal(turn: Turn, _argument: str) -> Reply:
    """Send the appeal (once: the conversation ends with it, and parking takes one appeal per fine)."""
    if (turn.flow, turn.step) != (FLOW, "appeal_confirm"):
        return _stale()
    data = turn.data
    appeal = parking.appeal_violation(
        turn.resident, uuid_of(data["violation"]), data["kind"], data["description"], []
    )
    turn.end()
    text = gettext(
        "Appeal sent. The police decide by %(when)s; I will tell you here what they decide.",
        when=_when(appeal.answer_due_at),
    )
    return Reply(text, [[(gettext("My violations"), "vios:")]])


FEATURE = Feature(
    name="parking",
    domain="parking",
    commands={"parking": my_parking, "violations": my_violations, "plates": my_plates},
    buttons={
        "parking": my_parking,
        "lots": ask_location,
        "lot": show_lot,
        "psess": show_session,
        "vios": my_violations,
        "vio": show_violation,
        "ppay": confirm_payment,
        "ppayok": pay,
        "plates": my_plates,
        "plate": show_plate,
        "pfric": ask_frictionless,
        "pfricok": switch_frictionless,
        "punbind": ask_unbind,
        "punbindok": unbind,
        "plateadd": ask_plate,
        "vapl": ask_appeal_kind,
        "vaplk": appeal_kind,
        "vaplok": send_appeal,
    },
    steps={
        f"{FLOW}.near": lots_near,
        f"{FLOW}.plate": plate_number,
        f"{FLOW}.holder": holder_name,
        f"{FLOW}.appeal_reason": appeal_reason,
    },
    help=lambda: gettext(
        "/parking my stays and what I owe, lots nearby · /violations my traffic fines, pay or appeal · "
        "/plates bind or unbind a plate, frictionless pay"
    ),
    menu=(lambda: gettext("Parking"), "parking:"),
    opens={"parking": "parking:"},
)
