"""The chat itself: linking and unlinking, the menu and help, the language, acting for an elder."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from app.core.i18n import SUPPORTED_LOCALES
from app.identity import services as identity
from bots.telegram.context import PROVIDER, Turn, not_linked
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, one_per_row, uuid_of

LANGUAGES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
SELF = "self"


def start(turn: Turn, code: str) -> Reply:
    """``/start <code>`` links the chat with the code from the app; ``/start`` alone greets."""
    if code:
        return _link(turn, code)
    if turn.linked is None:
        return not_linked()
    return menu(turn, "")


def _link(turn: Turn, code: str) -> Reply:
    try:
        person = identity.redeem_link_code(code, turn.chat_id)
    except identity.LinkCodeRejected:
        return Reply(gettext("That code is not valid or has expired. Get a new one in the app."), ok=False)
    turn.linked = None  # the chat starts afresh: no conversation, acting for no one
    turn.actor = identity.person_actor(person, PROVIDER)
    with force_locale(person.locale or turn.locale):
        text = gettext(
            "Linked to the account of %(name)s. Send /menu to see what I can do.", name=person.display_name
        )
        own = turn.registry.own_menu(turn)  # an elder in easy mode: her big buttons at once
        if own is not None:
            return Reply(f"{text}\n{own.text}", own.buttons)
        return Reply(text, _menu_buttons(turn))


def unlink(turn: Turn, _arguments: str) -> Reply:
    """``/unlink``: the chat no longer acts for anyone (the app can unlink it too)."""
    identity.remove_link(turn.person, PROVIDER)
    turn.linked = None
    return Reply(gettext("This chat is no longer linked to your account."))


def _menu_buttons(turn: Turn):
    return one_per_row([(str(label()), data) for label, data in turn.registry.menu()])


def menu(turn: Turn, _arguments: str) -> Reply:
    """``/menu``: a button for each service the bot offers (an elder in easy mode: her big buttons)."""
    turn.resident  # noqa: B018 - only a linked chat has a menu
    own = turn.registry.own_menu(turn)
    return own or Reply(gettext("What would you like to do?"), _menu_buttons(turn))


def show_help(turn: Turn, _arguments: str) -> Reply:
    """``/help``: every command, one line each."""
    lines = [gettext("Commands:")] + turn.registry.help_lines()
    return Reply("\n".join(lines))


def cancel(turn: Turn, _arguments: str) -> Reply:
    """``/cancel``: drop the conversation in progress; nothing of it is sent."""
    turn.resident  # noqa: B018
    turn.end()
    return Reply(gettext("Cancelled. Nothing was sent."))


def languages(turn: Turn, _arguments: str) -> Reply:
    """``/language``: choose the language of the bot (and of the app, the same preference)."""
    turn.person  # noqa: B018
    buttons = [(LANGUAGES[code], "lang:" + code) for code in SUPPORTED_LOCALES]
    return Reply(gettext("Choose your language."), one_per_row(buttons))


def choose_language(turn: Turn, code: str) -> Reply:
    """A language button: the person's preference changes everywhere."""
    identity.update_preferences(turn.person, locale=code)
    with force_locale(code):
        return Reply(gettext("I will write to you in English from now on."))


def principals(turn: Turn, _arguments: str) -> Reply:
    """``/actfor``: the people whose mandates the person holds, to act for one of them here."""
    people = identity.principals_of(turn.person.person_id)
    if not people:
        return Reply(
            gettext("Nobody has given you a mandate. In the app, a family member can grant you one.")
        )
    buttons = [(p.display_name or gettext("(no name)"), "actfor:" + p.person_id.hex) for p in people]
    buttons.append((gettext("Myself"), "actfor:" + SELF))
    return Reply(gettext("For whom do you want to act?"), one_per_row(buttons))


def act_for(turn: Turn, argument: str) -> Reply:
    """An ``/actfor`` button: check the mandate now, and act under it until switched back."""
    turn.end()
    if argument == SELF:
        turn.act_for(None)
        turn.acting_name = None
        return Reply(gettext("You are acting for yourself again."))
    principal_id = uuid_of(argument)
    proxy = identity.proxy_actor(turn.person, str(principal_id))  # 403 without an active mandate
    turn.actor = proxy
    turn.act_for(principal_id)
    turn.acting_name = identity.get_person(principal_id).display_name
    return Reply(
        gettext(
            "Until you switch back (/actfor), what you do here is done for %(name)s.", name=turn.acting_name
        ),
        _menu_buttons(turn),
    )


FEATURE = Feature(
    name="account",
    domain="identity",
    commands={
        "start": start,
        "menu": menu,
        "help": show_help,
        "cancel": cancel,
        "unlink": unlink,
        "language": languages,
        "actfor": principals,
    },
    buttons={"menu": menu, "lang": choose_language, "actfor": act_for},
    help=lambda: gettext(
        "/menu everything I can do · /language change language · /actfor act for a family member · "
        "/cancel stop what you are doing · /unlink unlink this chat"
    ),
)
