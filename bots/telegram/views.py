"""What the bot says: each function calls services as the linked resident and returns localized text."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_datetime, gettext

from app.complaints import services as complaints
from app.core.actors import Actor
from app.core.geo import Point
from app.identity import services as identity

PROVIDER = "telegram"


@dataclass
class Reply:
    """Text to send, with optional inline buttons (label, callback data)."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    ok: bool = True


def not_linked() -> Reply:
    """Tell an unlinked user how to link."""
    return Reply(
        gettext(
            "This chat is not linked to a Yimatong account yet. In the app, open Me > Linked accounts > "
            "Telegram to get a code, then send /start followed by the code."
        ),
        ok=False,
    )


def welcome(actor: Actor | None) -> Reply:
    """Greeting for /start without a code."""
    if actor is None:
        return not_linked()
    return Reply(gettext("Welcome back. /report files a request to 12345, /mine lists your requests."))


def link(code: str, chat_id: int) -> Reply:
    """Redeem a link code from the app."""
    try:
        person = identity.redeem_link_code(code, chat_id)
    except identity.LinkCodeRejected:
        return Reply(gettext("That code is not valid or has expired. Get a new one in the app."), ok=False)
    return Reply(
        gettext(
            "Linked to the account of %(name)s. Send /report to file a request.", name=person.display_name
        )
    )


def unlink(actor: Actor | None) -> Reply:
    """Remove the link of this chat."""
    if actor is None:
        return not_linked()
    identity.remove_link(actor, PROVIDER)
    return Reply(gettext("This chat is no longer linked to your account."))


def category_groups(actor: Actor | None) -> Reply:
    """First step of /report: the top-level categories."""
    if actor is None:
        return not_linked()
    groups = [c for c in complaints.list_categories() if c.parent_code is None]
    return Reply(
        gettext("What is it about?"), [(complaints.category_name(c), "group:" + c.code) for c in groups]
    )


def category_leaves(actor: Actor | None, group_code: str) -> Reply:
    """Second step: the categories of one group (a group without children is itself the choice)."""
    leaves = [c for c in complaints.list_categories() if c.parent_code == group_code]
    if not leaves:
        return Reply(gettext("Describe the problem in a few sentences."), [], ok=True)
    return Reply(gettext("Which of these?"), [(complaints.category_name(c), "cat:" + c.code) for c in leaves])


def ask_description() -> Reply:
    """Prompt for the text."""
    return Reply(gettext("Describe the problem in a few sentences."))


def ask_place() -> Reply:
    """Prompt for where."""
    return Reply(gettext("Where is it? Send a location, or type the address."))


def submit(actor: Actor | None, category: str, description: str, address: str, point: Point | None) -> Reply:
    """File the complaint through the same service as the app."""
    if actor is None:
        return not_linked()
    intake = complaints.Intake(category_code=category, description=description, address=address, point=point)
    complaint = complaints.submit_complaint(actor, intake, channel="telegram")
    return Reply(
        gettext(
            "Received. Your tracking number is %(number)s. We will tell you here when it moves.",
            number=complaint.tracking_number,
        )
    )


def _status_line(complaint) -> str:
    clock = complaint.deadline
    category = complaints.category_name(complaint.category)
    line = f"{complaint.tracking_number} · {category} · {_status(complaint.status)}"
    if clock:
        line += " · " + gettext("due %(when)s", when=format_datetime(clock["due_at"], "short"))
    return line


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


def my_requests(actor: Actor | None) -> Reply:
    """The five newest requests."""
    if actor is None:
        return not_linked()
    page = complaints.my_complaints(actor, cursor=None, limit=5)
    if not page.items:
        return Reply(gettext("You have no requests yet. Send /report to file one."))
    return Reply("\n".join(_status_line(c) for c in page.items))


def request_status(actor: Actor | None, tracking_number: str) -> Reply:
    """One request by its tracking number, with its latest step."""
    if actor is None:
        return not_linked()
    complaint = complaints.resident_complaint_by_number(actor, tracking_number)
    latest = complaint.events[-1].summary if complaint.events else ""
    reply = f"\n{complaint.reply}" if complaint.reply else ""
    return Reply(_status_line(complaint) + "\n" + latest + reply)


def cancelled() -> Reply:
    """The user gave up on /report."""
    return Reply(gettext("Cancelled. Nothing was sent."))
