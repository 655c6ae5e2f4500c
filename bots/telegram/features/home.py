"""The home (千人千面): what needs the resident now, their elders' beside it; and the directory."""

from __future__ import annotations

from flask_babel import gettext

from app.core.cards import Card
from app.home import services as home
from bots.telegram.context import Turn
from bots.telegram.registry import Feature
from bots.telegram.replies import Reply, one_per_row

MAX_BUTTONS = 6
MAX_SERVICES = 8


def _card_line(card: Card) -> str:
    return f"• {card.title}: {card.body}"  # a card's title says how many


def show_home(turn: Turn, _arguments: str) -> Reply:
    """``/home``: my cards, then a section for each person I act for, then my shortcuts."""
    view = home.home_of(turn.resident)
    lines, buttons = [], []
    sections = ([view["mine"]] if view["mine"] else []) + list(view["on_behalf"])
    for section in sections:
        if section.display_name is not None:
            lines.append("")
            lines.append(gettext("For %(name)s:", name=section.display_name))
        lines.extend(_card_line(card) for card in section.cards)
        if not section.cards:
            lines.append(gettext("Nothing needs attention."))
        if section is view["mine"]:
            buttons.extend(_openers(turn, section.cards))
    if view["shortcuts"]:
        lines.append("")
        lines.append(
            gettext("Your services: %(names)s", names=" · ".join(s["name"] for s in view["shortcuts"]))
        )
    return Reply("\n".join(lines).strip(), one_per_row(buttons[:MAX_BUTTONS]))


def _openers(turn: Turn, cards: list[Card]) -> list[tuple[str, str]]:
    seen, buttons = set(), []
    for card in cards:
        data = turn.registry.opener(card.domain)
        if data and data not in seen:
            seen.add(data)
            buttons.append((card.title, data))
    return buttons


def search_services(turn: Turn, query: str) -> Reply:
    """``/services [words]``: the city's services, matching words or pinyin, my most used first."""
    found = home.list_services(turn.resident, query=query or None)
    items = found["items"][:MAX_SERVICES]
    if not items:
        return Reply(gettext("No service matches “%(query)s”.", query=query))
    lines = [f"• {item['name']} — {item['description']} ({item['provider']})" for item in items]
    return Reply("\n".join(lines))


FEATURE = Feature(
    name="home",
    domain="home",
    commands={"home": show_home, "services": search_services},
    buttons={"home": show_home},
    help=lambda: gettext("/home what needs you now · /services [words] find a city service"),
    menu=(lambda: gettext("My home"), "home:"),
)
