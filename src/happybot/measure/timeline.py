"""Replaying traffic faster than it happened: a clock that follows the posts' own times.

The demo and the red-team replay hours of simulated campaign in seconds; windows, rates and the
publish delay must still see the hours. Live, the store's clock is the wall clock instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from happybot.models import BotAccount, Post
from happybot.platforms.base import Incoming, Source


class TimelineClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def follow(self, source: Source) -> Source:
        """The same source, moving this clock to each post's time as it is read."""
        return _Following(source, self)


class _Following:
    def __init__(self, source: Source, clock: TimelineClock) -> None:
        self.source = source
        self.clock = clock
        self.name = source.name
        self.reply_when = source.reply_when
        self.live = source.live

    def bot_account(self) -> BotAccount | None:
        return self.source.bot_account()

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        for item in self.source.listen(cursor):
            at = item.trigger.post.created_at if item.trigger else None
            if at is not None and at > self.clock.now:
                self.clock.now = at
            yield item

    def fetch_parent(self, post: Post) -> Post | None:
        return self.source.fetch_parent(post)
