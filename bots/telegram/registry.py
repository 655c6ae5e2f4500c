"""The bot's features: each domain brings its commands, buttons and conversation steps in one place.

A feature is a ``Feature`` value in ``bots/telegram/features/<domain>.py``, listed once in
``bots/telegram/features/__init__.py``. The bot installs the features whose domain the application
runs, refuses two features claiming the same command, button prefix or step, and routes every
update to the one handler that answers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext

from bots.telegram.context import Turn
from bots.telegram.replies import Incoming, Reply

ButtonHandler = Callable[[Turn, str], Reply]  # (turn, what follows "prefix:" in the callback data)
CommandHandler = Callable[[Turn, str], Reply]  # (turn, the command's arguments as typed)
StepHandler = Callable[[Turn, Incoming], Reply]
Label = Callable[[], str]  # a text rendered in the reader's language when asked


@dataclass(frozen=True)
class Feature:
    """What one domain adds to the bot.

    ``commands``: ``/name`` → handler; ``buttons``: callback-data prefix → handler (data is
    ``prefix:argument``, 64 bytes at most); ``steps``: ``"flow.step"`` → handler of the resident's
    next message while their conversation waits at that step; ``help``: one line for ``/help``;
    ``menu``: (label, callback data) of its button in the main menu; ``opens``: which button a
    home card of a domain opens (card domain → callback data); ``own_menu``: the chat's whole menu
    in place of the list of buttons, when it applies to this chat (None: it does not).
    """

    name: str
    domain: str
    commands: Mapping[str, CommandHandler] = field(default_factory=dict)
    buttons: Mapping[str, ButtonHandler] = field(default_factory=dict)
    steps: Mapping[str, StepHandler] = field(default_factory=dict)
    help: Label | None = None
    menu: tuple[Label, str] | None = None
    opens: Mapping[str, str] = field(default_factory=dict)
    own_menu: Callable[[Turn], Reply | None] | None = None


@dataclass
class Registry:
    """The installed features, indexed by what routes to them."""

    features: list[Feature] = field(default_factory=list)
    commands: dict[str, CommandHandler] = field(default_factory=dict)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    steps: dict[str, StepHandler] = field(default_factory=dict)

    @classmethod
    def of(cls, features: Iterable[Feature], domains: Iterable[str]) -> Registry:
        """The features whose domain is installed; two claiming the same route are a mistake."""
        installed = set(domains)
        registry = cls()
        for feature in features:
            if feature.domain in installed:
                registry._add(feature)
        return registry

    def _add(self, feature: Feature) -> None:
        for table, routes in (
            (self.commands, feature.commands),
            (self.buttons, feature.buttons),
            (self.steps, feature.steps),
        ):
            taken = set(table) & set(routes)
            if taken:
                raise ValueError(f"bot feature {feature.name} claims {sorted(taken)}, already taken")
            table.update(routes)
        self.features.append(feature)

    def command(self, turn: Turn, name: str, arguments: str) -> Reply:
        """The handler of ``/name``."""
        turn.registry = self
        return self.commands[name](turn, arguments)

    def press(self, turn: Turn, data: str) -> Reply:
        """The handler of a pressed button."""
        turn.registry = self
        prefix, _, argument = data.partition(":")
        handler = self.buttons.get(prefix)
        if handler is None:
            return Reply(gettext("That button is no longer in use. Send /menu to start again."), ok=False)
        return handler(turn, argument)

    def answer(self, turn: Turn, incoming: Incoming) -> Reply:
        """The handler of the step the chat's conversation waits at."""
        turn.registry = self
        turn.resident  # noqa: B018 - an unlinked chat is told how to link, whatever it wrote
        handler = self.steps.get(f"{turn.flow}.{turn.step}")
        if handler is None:
            return Reply(gettext("I did not understand that. Send /menu to see what I can do."), ok=False)
        return handler(turn, incoming)

    def installed(self, domain: str) -> bool:
        """Whether a feature of ``domain`` is installed (its buttons would answer)."""
        return any(feature.domain == domain for feature in self.features)

    def own_menu(self, turn: Turn) -> Reply | None:
        """The first feature's own menu that applies to this chat (easy mode), if any."""
        for feature in self.features:
            reply = feature.own_menu(turn) if feature.own_menu else None
            if reply is not None:
                return reply
        return None

    def menu(self) -> list[tuple[Label, str]]:
        """Each feature's main-menu button, in installation order."""
        return [feature.menu for feature in self.features if feature.menu]

    def help_lines(self) -> list[str]:
        """Each feature's line of ``/help``, in the reader's language."""
        return [feature.help() for feature in self.features if feature.help]

    def opener(self, card_domain: str) -> str | None:
        """The button that opens a home card of ``card_domain`` in the bot, if a feature has one."""
        for feature in self.features:
            if card_domain in feature.opens:
                return feature.opens[card_domain]
        return None
