"""12345: report a problem (category → description → place → confirm → photos), follow it, rate the answer."""

from __future__ import annotations

from flask_babel import format_datetime, gettext

from app.complaints import services as complaints
from app.core.geo import Point
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Incoming, Reply, asking_for_location, one_per_row, uuid_of

FLOW = "complaint"
MAX_DESCRIPTION = 2000
RECENT = 5


def report(turn: Turn, _arguments: str) -> Reply:
    """``/report``: the first step, the top-level categories."""
    turn.resident  # noqa: B018
    turn.begin(FLOW, "category")
    groups = [c for c in complaints.list_categories() if c.parent_code is None]
    return Reply(
        gettext("What is it about?"),
        one_per_row([(complaints.category_name(c), "group:" + c.code) for c in groups]),
    )


def pick_group(turn: Turn, code: str) -> Reply:
    """A group button: its categories (a group without any is itself the choice)."""
    turn.resident  # noqa: B018
    leaves = [c for c in complaints.list_categories() if c.parent_code == code]
    if not leaves:
        return pick_category(turn, code)
    turn.begin(FLOW, "category")
    return Reply(
        gettext("Which of these?"),
        one_per_row([(complaints.category_name(c), "cat:" + c.code) for c in leaves]),
    )


def pick_category(turn: Turn, code: str) -> Reply:
    """A category button: ask what happened."""
    category = complaints.category_by_code(code)  # 404 for a category that does not exist
    turn.begin(FLOW, "description", category=category.code)
    return Reply(gettext("Describe the problem in a few sentences."))


def describe(turn: Turn, incoming: Incoming) -> Reply:
    """The description: then ask where."""
    if not incoming.text:
        return Reply(gettext("Describe the problem in a few sentences."), ok=False)
    turn.ask("place", description=incoming.text[:MAX_DESCRIPTION])
    return asking_for_location(gettext("Where is it? Share your location, or type the address."))


def place(turn: Turn, incoming: Incoming) -> Reply:
    """The place (a shared location or an address): then show everything once before sending."""
    if incoming.point is None and not incoming.text:
        return Reply(gettext("Where is it? Share your location, or type the address."), ok=False)
    where = {"address": incoming.text, "lat": None, "lng": None}
    if incoming.point is not None:
        where.update(address="", lat=incoming.point.lat, lng=incoming.point.lng)
    turn.ask("confirm", **where)
    data = turn.data
    shown = data["address"] or gettext("the location you shared")
    text = gettext(
        "Please check:\nCategory: %(category)s\nProblem: %(description)s\nPlace: %(place)s",
        category=complaints.category_name(complaints.category_by_code(data["category"])),
        description=data["description"],
        place=shown,
    )
    return Reply(text, [[(gettext("Send to 12345"), "report:send")], [(gettext("Cancel"), "report:cancel")]])


def send(turn: Turn, action: str) -> Reply:
    """Send (or drop) the report waiting for confirmation; then photos may follow."""
    if action == "new":
        return report(turn, "")
    if action != "send":
        turn.end()
        return Reply(gettext("Cancelled. Nothing was sent."))
    if (turn.flow, turn.step) != (FLOW, "confirm"):
        return Reply(gettext("There is no report waiting to be sent. Send /report to start one."), ok=False)
    data = turn.data
    point = Point(data["lat"], data["lng"]) if data.get("lat") is not None else None
    intake = complaints.Intake(
        category_code=data["category"], description=data["description"], address=data["address"], point=point
    )
    complaint = complaints.submit_complaint(turn.resident, intake, channel="telegram")
    turn.begin(FLOW, "photo", complaint=complaint.id.hex)
    return Reply(
        gettext(
            "Received. Your tracking number is %(number)s. We will tell you here when it moves. "
            "If you have a photo of it, send it now; otherwise send /done.",
            number=complaint.tracking_number,
        )
    )


def add_photo(turn: Turn, incoming: Incoming) -> Reply:
    """A photo of the report just sent (up to six, checked by the same rules as the app)."""
    if incoming.photo is None:
        return Reply(gettext("Send a photo, or /done if you have none."), ok=False)
    complaints.add_photo(turn.resident, uuid_of(turn.data["complaint"]), incoming.photo)
    return Reply(gettext("Photo added. Send another, or /done."))


def done(turn: Turn, _arguments: str) -> Reply:
    """``/done``: no more photos."""
    turn.resident  # noqa: B018
    turn.end()
    return Reply(gettext("Thank you. Send /mine to follow your requests."))


def _status(status: str) -> str:
    names = {
        "submitted": gettext("waiting for dispatch"),
        "dispatched": gettext("with the department"),
        "accepted": gettext("accepted"),
        "in_progress": gettext("in progress"),
        "resolved": gettext("answered, please rate"),
        "closed": gettext("closed"),
        "merged": gettext("merged"),
        "split": gettext("split"),
    }
    return names.get(status, status)


def _status_line(complaint) -> str:
    clock = complaint.deadline
    category = complaints.category_name(complaint.category)
    line = f"{complaint.tracking_number} · {category} · {_status(complaint.status)}"
    if clock:
        line += " · " + gettext("due %(when)s", when=format_datetime(clock["due_at"], "short"))
    return line


def my_requests(turn: Turn, _arguments: str) -> Reply:
    """``/mine``: the newest requests I reported or follow, each a button."""
    page = complaints.my_complaints(turn.resident, cursor=None, limit=RECENT)
    if not page.items:
        return Reply(gettext("You have no requests yet. Send /report to file one."))
    lines = [_status_line(c) for c in page.items]
    buttons = [(c.tracking_number, "cpl:" + c.id.hex) for c in page.items]
    return Reply("\n".join(lines), one_per_row(buttons))


def _detail(complaint) -> Reply:
    latest = complaint.events[-1].summary if complaint.events else ""
    lines = [_status_line(complaint), latest]
    if complaint.reply:
        lines.append(gettext("Answer: %(reply)s", reply=complaint.reply))
    buttons = []
    if complaint.status == complaints.RESOLVED:
        lines.append(gettext("How satisfied are you with the answer? (5 best)"))
        buttons = [[(str(n), f"rate:{complaint.id.hex}:{n}") for n in range(1, 6)]]
    return Reply("\n".join(line for line in lines if line), buttons)


def status(turn: Turn, number: str) -> Reply:
    """``/status <tracking number>``: one request, its latest step, and a rating when answered."""
    return _detail(complaints.resident_complaint_by_number(turn.resident, number))


def show(turn: Turn, argument: str) -> Reply:
    """A request button from /mine."""
    return _detail(complaints.resident_complaint(turn.resident, uuid_of(argument)))


def rate(turn: Turn, argument: str) -> Reply:
    """A rating button: satisfied closes the request; unsatisfied sends it back for rework."""
    complaint_hex, _, value = argument.partition(":")
    rating = int(value) if value in {"1", "2", "3", "4", "5"} else 0
    if not rating:
        return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)
    complaint = complaints.rate(turn.resident, uuid_of(complaint_hex), rating)
    if complaint.status == complaints.CLOSED:
        return Reply(gettext("Thank you for your rating. The request is closed."))
    return Reply(gettext("Thank you. The request goes back to the department to be dealt with again."))


FEATURE = Feature(
    name="complaints",
    domain="complaints",
    commands={"report": report, "done": done, "mine": my_requests, "status": status},
    buttons={
        "group": pick_group,
        "cat": pick_category,
        "report": send,
        "cpl": show,
        "mine": my_requests,
        "rate": rate,
    },
    steps={
        f"{FLOW}.description": describe,
        f"{FLOW}.place": place,
        f"{FLOW}.photo": add_photo,
    },
    help=lambda: gettext(
        "/report tell 12345 about a problem · /mine my requests · /status <number> one request"
    ),
    menu=(lambda: gettext("Report to 12345"), "report:new"),
    opens={"complaints": "mine:"},
)
