"""Appointments (预约挂号): find a service, pick a slot, book it once after confirming, cancel, check in.

A full time has a waitlist: joining it is asked once more; when a seat frees it is held for the
first waiting, who hears of it here (an urgent notice) and takes it or lets it go from
``/appointments``. Taking it books it under the button's key, as the API's ``Idempotency-Key``.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask_babel import format_date, format_datetime, format_time, gettext

from app.appointments import services as appointments
from app.core import idempotency
from app.core.calendar import business_date
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Incoming, Reply, one_per_row, uuid_of

FLOW = "appointments"
FOUND = 8  # services listed for a search
DAYS_AHEAD = 7  # days offered (the providers' booking windows are about a week)
SLOTS_SHOWN = 12
PAGE = 8
KEY_PREFIX = "telegram-appointment-"  # the bot's idempotency keys, one per confirmation shown


def _service_label(service) -> str:
    who = f" · {service.practitioner_title}{service.practitioner}".rstrip() if service.practitioner else ""
    return f"{service.provider.name} · {service.name}{who}"


def _slot_time(slot) -> str:
    return f"{format_time(slot.starts_at, 'short')}–{format_time(slot.ends_at, 'short')}"


def book(turn: Turn, words: str) -> Reply:
    """``/book [words]``: search a service or department; without words, ask for them."""
    turn.resident  # noqa: B018
    if words:
        return _found(turn, words)
    turn.begin(FLOW, "search")
    return Reply(gettext("Which department, clinic, counter or doctor? Type a word of its name."))


def search(turn: Turn, incoming: Incoming) -> Reply:
    """The words typed after ``/book``."""
    if not incoming.text:
        return Reply(gettext("Type a word of the department, clinic, counter or doctor."), ok=False)
    return _found(turn, incoming.text)


def _found(turn: Turn, words: str) -> Reply:
    words = words[:40]
    page = appointments.list_services(provider_id=None, q=words, practitioner=None, cursor=None, limit=FOUND)
    items = (
        page.items
        or appointments.list_services(
            provider_id=None, q=None, practitioner=words, cursor=None, limit=FOUND
        ).items
    )
    if not items:
        turn.begin(FLOW, "search")
        return Reply(gettext("Nothing bookable matches “%(words)s”. Try another word.", words=words))
    turn.end()
    buttons = [(_service_label(service), "asvc:" + service.id.hex) for service in items]
    return Reply(gettext("Which one?"), one_per_row(buttons))


def _open_slots(service_id, day: date) -> list:
    """The day's times the provider offers (free or full), in time order."""
    found = appointments.day_slots(day=day, service_id=service_id, provider_id=None, available=False)
    return [slot for slot in found if not slot.withdrawn]


def pick_service(turn: Turn, argument: str) -> Reply:
    """A service button: the coming days with a free seat."""
    turn.resident  # noqa: B018
    service_id, today = uuid_of(argument), business_date()
    buttons = []
    for offset in range(DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        offered = _open_slots(service_id, day)
        if not offered:
            continue
        free = [slot for slot in offered if slot.seats_left > 0]
        shown = f"{format_date(day, 'medium')} {format_date(day, 'EEE')}"
        label = gettext("%(day)s · %(count)s times free", day=shown, count=len(free))
        if not free:
            label = gettext("%(day)s · full, waitlist open", day=shown)
        buttons.append((label, f"aday:{argument}:{day:%Y%m%d}"))
    if not buttons:
        return Reply(gettext("No free time in the coming week. Try again tomorrow, or another service."))
    return Reply(gettext("Which day?"), one_per_row(buttons))


def pick_day(turn: Turn, argument: str) -> Reply:
    """A day button: that day's slots with a free seat."""
    turn.resident  # noqa: B018
    service_hex, _, day_text = argument.partition(":")
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:8]))
    except ValueError:
        return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)
    offered = _open_slots(uuid_of(service_hex), day)
    if not offered:
        other_days = [[(gettext("Other days"), "asvc:" + service_hex)]]
        return Reply(gettext("No free time left that day."), other_days)
    buttons = [_slot_button(slot) for slot in offered[:SLOTS_SHOWN]]
    return Reply(gettext("Which time?"), one_per_row(buttons))


def _slot_button(slot) -> tuple[str, str]:
    """A time with seats books it; a full one joins its waitlist."""
    if slot.seats_left > 0:
        label = gettext("%(time)s · %(seats)s left", time=_slot_time(slot), seats=slot.seats_left)
        return label, "aslot:" + slot.id.hex
    return gettext("%(time)s · full, join the waitlist", time=_slot_time(slot)), "awl:" + slot.id.hex


def confirm_booking(turn: Turn, argument: str) -> Reply:
    """A slot button: say exactly what will be booked, and ask once more."""
    turn.resident  # noqa: B018
    slot = appointments.slot(uuid_of(argument))
    service = slot.service
    text = gettext(
        "Book %(service)s at %(provider)s on %(day)s, %(time)s?",
        service=service.name,
        provider=service.provider.name,
        day=format_date(slot.local_date, "medium"),
        time=_slot_time(slot),
    )
    key = secrets.token_hex(6)
    confirm_button = (gettext("Confirm booking"), f"abook:{slot.id.hex}:{key}")
    return Reply(text, [[confirm_button], [(gettext("Cancel"), "appts:")]])


def confirm(turn: Turn, argument: str) -> Reply:
    """A Confirm booking button: one booking per confirmation, however often it is pressed."""
    slot_hex, _, key = argument.partition(":")
    slot_id, actor = uuid_of(slot_hex), turn.resident

    def take_seat() -> dict:
        return {"appointment_id": appointments.book(actor, slot_id).id.hex}

    booked = idempotency.run_once(actor, KEY_PREFIX + key, {"slot_id": str(slot_id)}, take_seat)
    view = appointments.get_appointment(actor, uuid_of(booked["appointment_id"]))
    text = gettext("Booked. Confirmation code %(code)s.", code=view.confirmation_code)
    return Reply("\n".join([text, *_what_and_where(view)]), _actions(view))


def _what_and_where(view) -> list[str]:
    return [
        f"{view.provider.name} · {view.service.name}",
        gettext(
            "%(day)s, %(time)s",
            day=format_date(view.local_date, "medium"),
            time=f"{format_time(view.starts_at, 'short')}–{format_time(view.ends_at, 'short')}",
        ),
        view.provider.address,
    ]


def _actions(view) -> list:
    buttons = [(gettext("My bookings"), "appts:")]
    if view.status == "booked":
        buttons.insert(0, (gettext("Cancel this booking"), "acancel:" + view.id.hex))
    return one_per_row(buttons)


def my_bookings(turn: Turn, _arguments: str) -> Reply:
    """``/appointments``: seats held for me and my waitlist places first, then my bookings, newest first."""
    page = appointments.my_appointments(turn.resident, status=None, cursor=None, limit=PAGE)
    waiting = [
        entry
        for entry in appointments.my_waitlist(turn.resident, cursor=None, limit=PAGE).items
        if entry.status in ("waiting", "offered")
    ]
    new = (gettext("New booking"), "anew:")
    if not page.items and not waiting:
        return Reply(gettext("You have no bookings. Send /book to make one."), [[new]])
    buttons = [(_entry_label(entry), "wl:" + entry.id.hex) for entry in waiting]
    buttons += [
        (
            f"{format_datetime(view.starts_at, 'short')} · {view.service.name} · {view.status_label}",
            "appt:" + view.id.hex,
        )
        for view in page.items
    ]
    return Reply(gettext("Your bookings:"), one_per_row([*buttons, new]))


def show_booking(turn: Turn, argument: str) -> Reply:
    """A booking button: when and where, its status, and how to check in at the desk."""
    view = appointments.get_appointment(turn.resident, uuid_of(argument))
    lines = [gettext("Status: %(status)s", status=view.status_label), *_what_and_where(view)]
    lines.append(gettext("Confirmation code: %(code)s", code=view.confirmation_code))
    if view.status == "booked":
        lines.append(
            gettext(
                "To check in, show your city code (/code) at the desk on the day; "
                "you will get a queue number. Cancelling is possible until %(when)s.",
                when=format_datetime(view.cancel_until, "short"),
            )
        )
    elif view.status == "arrived" and view.queue_number is not None:
        lines.append(
            gettext(
                "Checked in: number %(number)s, %(ahead)s people ahead of you.",
                number=view.queue_number,
                ahead=view.people_ahead or 0,
            )
        )
    buttons = _actions(view)
    if view.status == "booked":
        buttons.insert(0, [(gettext("City code"), "code:")])
    return Reply("\n".join(line for line in lines if line), buttons)


# --- the waitlist ---------------------------------------------------------------------------------


def _entry_label(entry) -> str:
    when = format_datetime(entry.slot.starts_at, "short")
    if entry.status == "offered":
        held = gettext("a seat is held for you until %(time)s", time=format_time(entry.hold_until, "short"))
        return f"🔔 {when} · {entry.service.name} · {held}"
    return f"⏳ {when} · {entry.service.name} · " + gettext("number %(n)s waiting", n=entry.position)


def ask_waitlist(turn: Turn, argument: str) -> Reply:
    """A full time's button: say what waiting means, and ask once more."""
    turn.resident  # noqa: B018
    slot = appointments.slot(uuid_of(argument))
    text = gettext(
        "%(service)s at %(provider)s on %(day)s, %(time)s is full. Join its waitlist? When a seat frees, "
        "it is held for the first waiting for a short while and I will tell you here.",
        service=slot.service.name,
        provider=slot.service.provider.name,
        day=format_date(slot.local_date, "medium"),
        time=_slot_time(slot),
    )
    return Reply(
        text, [[(gettext("Join the waitlist"), "awlok:" + slot.id.hex)], [(gettext("Cancel"), "appts:")]]
    )


def join_waitlist(turn: Turn, argument: str) -> Reply:
    """Join it (the booking rules apply already; a second time is the app's refusal)."""
    entry = appointments.join_waitlist(turn.resident, uuid_of(argument))
    text = gettext(
        "You are number %(n)s on the waitlist. When a seat is held for you I will tell you here; "
        "take it or let it go under /appointments.",
        n=entry.position,
    )
    return Reply(text, [[(gettext("My bookings"), "appts:")]])


def show_entry(turn: Turn, argument: str) -> Reply:
    """A waitlist place: where I stand; a seat held for me is taken or let go here."""
    entry = appointments.get_entry(turn.resident, uuid_of(argument))
    slot = entry.slot
    lines = [
        f"{slot.service.provider.name} · {entry.service.name}",
        gettext("%(day)s, %(time)s", day=format_date(slot.local_date, "medium"), time=_slot_time(slot)),
    ]
    buttons = []
    if entry.status == "offered":
        lines.append(
            gettext(
                "A seat is held for you until %(time)s. Take it, or let it go to the next waiting.",
                time=format_time(entry.hold_until, "short"),
            )
        )
        take = (gettext("Take the seat"), f"wlyes:{entry.id.hex}:{secrets.token_hex(6)}")
        buttons += [[take], [(gettext("Let it go"), "wlno:" + entry.id.hex)]]
    elif entry.status == "waiting":
        lines.append(gettext("You are number %(n)s waiting.", n=entry.position))
        buttons.append([(gettext("Leave the waitlist"), "wlno:" + entry.id.hex)])
    buttons.append([(gettext("My bookings"), "appts:")])
    return Reply("\n".join(lines), buttons)


def take_seat(turn: Turn, argument: str) -> Reply:
    """Take the seat held for me: booked once per button, however often it is pressed."""
    entry_hex, _, key = argument.partition(":")
    entry_id, actor = uuid_of(entry_hex), turn.resident

    def accept() -> dict:
        return {"appointment_id": appointments.accept_offer(actor, entry_id).id.hex}

    booked = idempotency.run_once(actor, KEY_PREFIX + key, {"entry_id": str(entry_id)}, accept)
    view = appointments.get_appointment(actor, uuid_of(booked["appointment_id"]))
    text = gettext("Booked. Confirmation code %(code)s.", code=view.confirmation_code)
    return Reply("\n".join([text, *_what_and_where(view)]), _actions(view))


def leave_waitlist(turn: Turn, argument: str) -> Reply:
    """Let the held seat go, or stop waiting: the next waiting is offered it."""
    appointments.withdraw(turn.resident, uuid_of(argument))
    return Reply(gettext("Done: you are off the waitlist."), [[(gettext("My bookings"), "appts:")]])


def ask_cancel(turn: Turn, argument: str) -> Reply:
    """A Cancel this booking button: ask once more."""
    view = appointments.get_appointment(turn.resident, uuid_of(argument))
    text = gettext(
        "Cancel %(service)s on %(when)s? The seat goes to someone else.",
        service=view.service.name,
        when=format_datetime(view.starts_at, "short"),
    )
    yes, keep = (gettext("Yes, cancel it"), "acancelok:" + argument), (gettext("Keep it"), "appt:" + argument)
    return Reply(text, [[yes], [keep]])


def cancel(turn: Turn, argument: str) -> Reply:
    """The cancellation confirmed: the provider's deadline applies (a refusal says until when)."""
    appointment = appointments.cancel(turn.resident, uuid_of(argument))
    return Reply(
        gettext("Cancelled: %(when)s.", when=format_datetime(appointment.starts_at, "short")),
        [[(gettext("My bookings"), "appts:")]],
    )


FEATURE = Feature(
    name="appointments",
    domain="appointments",
    commands={"book": book, "appointments": my_bookings},
    buttons={
        "anew": book,
        "appts": my_bookings,
        "asvc": pick_service,
        "aday": pick_day,
        "aslot": confirm_booking,
        "abook": confirm,
        "appt": show_booking,
        "acancel": ask_cancel,
        "acancelok": cancel,
        "awl": ask_waitlist,
        "awlok": join_waitlist,
        "wl": show_entry,
        "wlyes": take_seat,
        "wlno": leave_waitlist,
    },
    steps={f"{FLOW}.search": search},
    help=lambda: gettext(
        "/book [words] book a hospital, hall or counter, or wait for a full time · "
        "/appointments my bookings and waitlist places"
    ),
    menu=(lambda: gettext("Appointments"), "appts:"),
    opens={"appointments": "appts:"},
)
