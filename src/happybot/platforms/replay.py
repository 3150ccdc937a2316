"""The JSONL replay source: one post per line, as documented in the README.

A line that is not a valid post becomes a `Malformed` item with its line number, so the runner
can keep it in the dead-letter table; it never stops the stream.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from happybot.errors import SourceError
from happybot.models import Author, BotAccount, Post, ReplyWhen, Trigger
from happybot.platforms.base import Incoming, Malformed

# a hostile line can break every field at once: the dead letter names the first few
MAX_PROBLEMS = 5
_MENTION = re.compile(r"(?<![\w@])@([\w.-]+\w)")


class AuthorIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    handle: str = Field(min_length=1, max_length=300)
    id: str | None = None
    display_name: str | None = None
    created_at: datetime | None = None
    followers: int | None = Field(default=None, ge=0)
    posts: int | None = Field(default=None, ge=0)


class PostIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1, max_length=300)
    text: str = Field(max_length=100_000)
    author: AuthorIn
    created_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    reply_to: PostIn | None = None
    langs: list[str] = Field(default_factory=list)
    media: list[dict[str, Any]] = Field(default_factory=list)
    # the accounts mentioned; when absent, the @handles written in the text
    mentions: list[str] | None = None


class LineIn(PostIn):
    expected: Literal["publish", "hold"] | None = None
    scenario: str | None = None


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # a time with no zone is taken as UTC
    return value


def to_post(data: PostIn) -> Post:
    a = data.author
    return Post(
        id=data.id,
        text=data.text,
        author=Author(
            handle=a.handle.lstrip("@"),
            id=a.id,
            display_name=a.display_name,
            created_at=_aware(a.created_at),
            followers=a.followers,
            posts=a.posts,
        ),
        created_at=_aware(data.created_at),
        tags=tuple(t.lstrip("#").lower() for t in data.tags),
        reply_to_id=data.reply_to.id if data.reply_to else None,
        langs=tuple(data.langs),
        media=tuple(data.media),
        mentions=tuple(
            m.lstrip("@")
            for m in (data.mentions if data.mentions is not None else _MENTION.findall(data.text))
        ),
        reply_to_author=(data.reply_to.author.id or data.reply_to.author.handle.lstrip("@"))
        if data.reply_to
        else None,
    )


def parse_line(line: str) -> tuple[Trigger, LineIn]:
    """Parse one line; raises ValueError with a message fit for the dead-letter table."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        # JSON nested a thousand deep: no post is shaped like that
        raise ValueError("not a post: JSON nested too deep") from None
    try:
        data = LineIn.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}"
            for e in exc.errors()[:MAX_PROBLEMS]
        )
        raise ValueError(problems) from None
    except RecursionError:
        raise ValueError("not a post: replies nested too deep") from None
    parent = to_post(data.reply_to) if data.reply_to else None
    return Trigger(platform="replay", post=to_post(data), parent=parent), data


class ReplaySource:
    """Posts from a JSONL file; the cursor is the number of the last line read."""

    live = False  # recorded posts: their age is history, not lateness

    def __init__(
        self,
        path: str | Path,
        reply_when: ReplyWhen = ReplyWhen.HASHTAG,
        account: str | None = None,
    ) -> None:
        """`account`: the bot's handle in the recording, that mentions of it name."""
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"replay file {self.path} does not exist")
        self.name = f"replay:{self.path.resolve()}"
        self.reply_when = reply_when
        self.account = account

    def bot_account(self) -> BotAccount | None:
        return BotAccount(self.account, self.account) if self.account else None

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        start = int(cursor) if cursor else 0
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if number <= start:
                    continue
                if not line.strip():
                    continue
                try:
                    trigger, data = parse_line(line)
                except Exception as exc:  # whatever a line holds, it must not end the file
                    yield Incoming(
                        cursor=str(number),
                        malformed=Malformed(f"line {number}", line.rstrip("\n"), str(exc)),
                    )
                    continue
                yield Incoming(
                    cursor=str(number),
                    trigger=trigger,
                    expected=data.expected,
                    scenario=data.scenario,
                )

    def fetch_parent(self, post: Post) -> Post | None:
        return None  # replay lines carry their parent inline
