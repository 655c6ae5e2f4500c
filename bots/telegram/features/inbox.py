"""The inbox and where notifications go: read messages here, choose Telegram per topic, quiet hours."""

from __future__ import annotations

from flask_babel import format_datetime, gettext

from app.notifications import services as notifications
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, one_per_row, uuid_of

PAGE = 5
TELEGRAM = "telegram"


def show_inbox(turn: Turn, _arguments: str) -> Reply:
    """``/inbox``: my newest messages (unread marked), each a button that opens and reads it."""
    page = notifications.my_inbox(turn.person, cursor=None, limit=PAGE)
    if not page.items:
        return Reply(gettext("Your inbox is empty."))
    header = gettext("Inbox: %(unread)s unread.", unread=page.unread_count)
    buttons = [
        (("● " if item.read_at is None else "") + item.title, "msg:" + item.id.hex) for item in page.items
    ]
    if page.unread_count:
        buttons.append((gettext("Mark all read"), "msg:all"))
    return Reply(header, one_per_row(buttons))


def read_message(turn: Turn, argument: str) -> Reply:
    """A message button: the message in full, now read, and a button to its feature (``all``: all read)."""
    if argument == "all":
        count = notifications.mark_all_read(turn.person)
        return Reply(gettext("Marked %(count)s messages read.", count=count))
    item = notifications.mark_read(turn.person, uuid_of(argument))
    when = format_datetime(item.created_at, "short")
    buttons = [[(gettext("Back to the inbox"), "inbox:")]]
    opener = turn.registry.opener(item.topic) if turn.registry is not None else None
    if opener is not None and item.topic in notifications.TOPICS:  # an SOS opens /care, an offer a booking
        label = gettext("Open %(topic)s", topic=notifications.TOPICS[item.topic].label)
        buttons.insert(0, [(label, opener)])
    return Reply(f"{item.title}\n{when}\n\n{item.body}", buttons)


def _preferences_reply(prefs: notifications.Preferences) -> Reply:
    lines = [gettext("Where your notifications go (the inbox always):")]
    buttons = []
    for name, channels in prefs.topics.items():
        topic = notifications.TOPICS[name]
        on = TELEGRAM in channels
        lines.append(f"• {topic.label}: " + (gettext("Telegram on") if on else gettext("Telegram off")))
        label = (
            gettext("Stop %(topic)s here", topic=topic.label)
            if on
            else gettext("Get %(topic)s here", topic=topic.label)
        )
        buttons.append((label, "ntf:" + name))
    quiet = prefs.quiet_start.strftime("%H:%M") + "–" + prefs.quiet_end.strftime("%H:%M")
    if prefs.quiet_hours_enabled:
        lines.append(gettext("Quiet hours %(hours)s: only urgent messages then.", hours=quiet))
        buttons.append((gettext("Turn quiet hours off"), "quiet:off"))
    else:
        lines.append(gettext("Quiet hours are off."))
        buttons.append((gettext("Turn quiet hours on (%(hours)s)", hours=quiet), "quiet:on"))
    return Reply("\n".join(lines), one_per_row(buttons))


def show_preferences(turn: Turn, _arguments: str) -> Reply:
    """``/notify``: per topic, whether it comes to this chat; the quiet hours."""
    return _preferences_reply(notifications.my_preferences(turn.person))


def toggle_topic(turn: Turn, topic: str) -> Reply:
    """A topic button: Telegram on or off for it (other channels stay as they are)."""
    prefs = notifications.my_preferences(turn.person)
    channels = prefs.topics.get(topic)
    if channels is None:
        return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)
    chosen = [c for c in channels if c != TELEGRAM] if TELEGRAM in channels else [*channels, TELEGRAM]
    return _preferences_reply(notifications.update_my_preferences(turn.person, topics={topic: chosen}))


def toggle_quiet(turn: Turn, state: str) -> Reply:
    """A quiet-hours button."""
    prefs = notifications.update_my_preferences(turn.person, quiet_hours={"enabled": state == "on"})
    return _preferences_reply(prefs)


FEATURE = Feature(
    name="inbox",
    domain="notifications",
    commands={"inbox": show_inbox, "notify": show_preferences},
    buttons={"inbox": show_inbox, "msg": read_message, "ntf": toggle_topic, "quiet": toggle_quiet},
    help=lambda: gettext("/inbox my messages · /notify what comes to this chat"),
    menu=(lambda: gettext("Inbox"), "inbox:"),
    opens={"notifications": "inbox:"},
)
