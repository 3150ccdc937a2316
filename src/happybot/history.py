"""What the campaign knows of earlier posts, as the screens ask it: a ground-floor type that the
store fills and the screens read, so that neither imports the other."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# how far back the screens look at an author's and the campaign's posts (rates, duplicates)
WINDOW = timedelta(hours=1)


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
