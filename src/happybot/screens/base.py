"""The plug-in point for detectors: a `Screen` reads a batch of triggers and returns findings.

Screens are registered under the `happybot.screens` entry point (the built-ins too, so a third
party's screen plugs in exactly like ours) as a factory called with the campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

from happybot.errors import ConfigError
from happybot.history import EmptyHistory, History
from happybot.models import BotAccount, Finding, Trigger

if TYPE_CHECKING:
    from happybot.config import Campaign

ENTRY_POINT_GROUP = "happybot.screens"


@dataclass(frozen=True)
class ScreenContext:
    """The clock, the campaign's history and the time by which the batch must be judged.

    `now` is the campaign's clock (account ages, rate windows); `deadline` is wall-clock time."""

    now: datetime
    deadline: datetime
    history: History = field(default_factory=EmptyHistory)
    bot: BotAccount | None = None  # the bot's own account: a mention of it is no stranger's


class Screen(Protocol):
    """Reads a batch of triggers; says what it found, where, and why. Never raises for bad input.

    Returns one list of findings per trigger, in the batch's order. Spans lie inside the
    original text of the finding's target."""

    name: str

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]: ...


ScreenFactory = Callable[["Campaign"], Screen]


def registered_screens() -> dict[str, ScreenFactory]:
    """Every screen factory installed under the entry point group, by name."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_screens(campaign: Campaign, names: Sequence[str] | None = None) -> list[Screen]:
    factories = registered_screens()
    wanted = list(names) if names is not None else sorted(factories)
    missing = [n for n in wanted if n not in factories]
    if missing:
        raise ConfigError(f"unknown screen(s) {missing}; installed: {sorted(factories)}")
    return [factories[n](campaign) for n in wanted]
