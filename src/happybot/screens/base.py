"""The plug-in point for detectors: a `Screen` reads a batch of triggers and returns findings.

Screens are registered under the `happybot.screens` entry point (the built-ins too, so a third
party's screen plugs in exactly like ours) as a factory called with the campaign.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Protocol

from happybot.errors import ConfigError
from happybot.models import Finding, Trigger

if TYPE_CHECKING:
    from happybot.config import Campaign

ENTRY_POINT_GROUP = "happybot.screens"


@dataclass(frozen=True)
class RecentPost:
    """A post seen earlier in the campaign, as the behaviour screen needs it."""

    trigger_key: str
    author: str
    canonical_text: str
    received_at: datetime


class History(Protocol):
    """What the store knows about earlier posts. Never includes ground truth."""

    def posts_by_author(
        self, handle: str, since: datetime, before_key: str
    ) -> Sequence[RecentPost]: ...

    def rejected_by_author(self, handle: str) -> int: ...

    def recent_posts(self, since: datetime, before_key: str) -> Sequence[RecentPost]: ...


class EmptyHistory:
    """No earlier posts: `happybot screen` on one text, and unit tests."""

    def posts_by_author(
        self, handle: str, since: datetime, before_key: str
    ) -> Sequence[RecentPost]:
        return ()

    def rejected_by_author(self, handle: str) -> int:
        return 0

    def recent_posts(self, since: datetime, before_key: str) -> Sequence[RecentPost]:
        return ()


@dataclass(frozen=True)
class ScreenContext:
    """The clock, the campaign's history and the time by which the batch must be judged.

    `now` is the campaign's clock (account ages, rate windows); `deadline` is wall-clock time."""

    now: datetime
    deadline: datetime
    history: History = field(default_factory=EmptyHistory)


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


class MemoryHistory:
    """History kept in memory: the runner's per-batch snapshot of the store, and the stream of
    `happybot screen --file`, whose lines are one stream in order so that rate and duplicate
    checks see them as they would live. Posts are added in time order."""

    def __init__(self) -> None:
        self._posts: list[RecentPost] = []
        self._times: list[datetime] = []
        self._order: dict[str, int] = {}
        self._rejected: dict[str, int] = {}
        # positions in _posts of each author's posts: a per-author question must not read
        # everyone's posts of the hour
        self._by_author: dict[str, list[int]] = {}

    def add(self, post: RecentPost) -> None:
        self._order.setdefault(post.trigger_key, len(self._posts))
        self._by_author.setdefault(post.author.lower(), []).append(len(self._posts))
        self._posts.append(post)
        # a file's times may run backwards; the index must not
        last = self._times[-1] if self._times else post.received_at
        self._times.append(max(last, post.received_at))

    def reject(self, handle: str) -> None:
        self._rejected[handle.lower()] = self._rejected.get(handle.lower(), 0) + 1

    def set_rejected(self, handle: str, count: int) -> None:
        self._rejected[handle.lower()] = count

    def _before(self, key: str, since: datetime) -> list[RecentPost]:
        end = self._order.get(key, len(self._posts))
        start = bisect.bisect_left(self._times, since, 0, end)
        return self._posts[start:end]

    def posts_by_author(
        self, handle: str, since: datetime, before_key: str
    ) -> Sequence[RecentPost]:
        """The author's posts since `since` and before `before_key`, newest first."""
        positions = self._by_author.get(handle.lower(), [])
        end = self._order.get(before_key, len(self._posts))
        start = bisect.bisect_left(self._times, since, 0, end)
        first = bisect.bisect_left(positions, start)
        last = bisect.bisect_left(positions, end)
        return [self._posts[i] for i in reversed(positions[first:last])]

    def rejected_by_author(self, handle: str) -> int:
        return self._rejected.get(handle.lower(), 0)

    def recent_posts(self, since: datetime, before_key: str) -> Sequence[RecentPost]:
        return self._before(before_key, since)[::-1]
