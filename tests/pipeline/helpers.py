"""Small platforms for pipeline tests: a list source and a dry-run platform that can crash."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from happybot.errors import PlatformError
from happybot.models import BotAccount, Post, Published, Reply, ReplyWhen
from happybot.platforms.base import Incoming
from happybot.platforms.dryrun import DryRunPlatform
from happybot.platforms.replay import parse_line

# everyday grumbles, all different: near-duplicates from several accounts at once would be a
# coordinated group
GRUMBLES = [
    "my train is late again",
    "it has rained all week",
    "Monday came round far too fast",
    "exam tomorrow and I remember nothing",
    "the coffee machine at work broke",
    "my umbrella flipped inside out",
    "the wifi died in the middle of a call",
    "burnt toast set off the smoke alarm",
    "the bus drove straight past my stop",
    "phone on two percent, charger at home",
    "flight delayed by three hours",
    "stepped in a puddle with new shoes",
    "the printer jammed before the deadline",
    "traffic has not moved in forty minutes",
    "lost a glove on the walk in",
    "neighbours drilling since seven",
]


def line(pid: str, text: str, handle: str = "alex.example", age_days: int = 400, **kw: Any) -> str:
    author = {"handle": handle, "created_at": "2025-01-01T00:00:00+00:00", "posts": 300}
    if age_days < 1:
        author.update(created_at="2026-11-01T11:30:00+00:00", posts=0)
    return json.dumps({"id": pid, "text": text, "author": author, **kw})


def self_replies(handle: str, n: int, tag: str = "#MakeItHappy") -> list[str]:
    """The historical hijack: a fresh account replying to its own lines with the hashtag."""
    fresh = {"id": "parent", "text": "a line", "author": {"handle": handle}}
    return [
        line(
            f"{handle}-{i}",
            tag,
            handle=handle,
            age_days=0,
            reply_to={**fresh, "id": f"{handle}{i}"},
        )
        for i in range(n)
    ]


class ListSource:
    """Replay-format lines from memory; raises after `crash_after` items, like a killed run."""

    def __init__(
        self,
        lines: Sequence[str],
        crash_after: int | None = None,
        *,
        reply_when: ReplyWhen = ReplyWhen.HASHTAG,
        bot: BotAccount | None = None,
        live: bool = False,
    ) -> None:
        self.lines = list(lines)
        self.crash_after = crash_after
        self.name = "list:test"
        self.reply_when = reply_when
        self.live = live
        self.bot = bot

    def bot_account(self) -> BotAccount | None:
        return self.bot

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        start = int(cursor) if cursor else 0
        for n, raw in enumerate(self.lines[start:], start=start + 1):
            if self.crash_after is not None and n > self.crash_after:
                raise KeyboardInterrupt("killed")
            try:
                trigger, data = parse_line(raw)
            except ValueError as exc:
                from happybot.platforms.base import Malformed

                yield Incoming(str(n), malformed=Malformed(f"line {n}", raw, str(exc)))
                continue
            yield Incoming(str(n), trigger=trigger, expected=data.expected, scenario=data.scenario)

    def fetch_parent(self, post: Post) -> Post | None:
        return None


class CrashingPlatform(DryRunPlatform):
    """Writes the reply, then dies before the store hears of it (on the listed calls), or
    fails with a platform error."""

    def __init__(
        self,
        source: ListSource,
        out: Path,
        crash_on: Sequence[int] = (),
        error: PlatformError | None = None,
    ) -> None:
        super().__init__(source, out)
        self.calls = 0
        self.crash_on = set(crash_on)
        self.error = error

    def reply(self, reply: Reply) -> Published:
        self.calls += 1
        if self.error is not None:
            raise self.error
        published = super().reply(reply)
        if self.calls in self.crash_on:
            raise KeyboardInterrupt("killed after posting")
        return published
