"""The data that flows through the pipeline, as frozen dataclasses.

A `Trigger` is what a source yields: a post that carries the campaign hashtag, and, when it is a
reply, the parent post whose words are drawn. Ground truth for scoring is never part of a trigger.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class Target(StrEnum):
    """Which text a finding is about."""

    POST = "post"
    PARENT = "parent"
    HANDLE = "handle"
    DISPLAY_NAME = "display_name"
    PARENT_HANDLE = "parent_handle"
    PARENT_DISPLAY_NAME = "parent_display_name"
    ACCOUNT = "account"  # facts about the author, not a text
    PICTURE = "picture"  # rows, columns and first letters of the rendered art
    ALT_TEXT = "alt_text"
    REPLY_TEXT = "reply_text"


class Decision(StrEnum):
    PUBLISH = "publish"
    REVIEW = "review"
    REJECT = "reject"


class Mode(StrEnum):
    """The live campaign mode. Only audited actions change it."""

    AUTOPILOT = "autopilot"  # safe posts publish; held ones wait for people
    COPILOT = "copilot"  # everything waits for people
    PAUSED = "paused"  # nothing publishes


class PostState(StrEnum):
    """Where a post is. Every change is one of these (and is audited):

        received ─┬─► review ───┬─► queued ──► published ──► retracted
                  │   ▲    ▲    └─► rejected      │
                  │   │    └── queued (held back: a coordinated group, the picture changed,
                  │   │        the network refused it for good)
                  ├─► queued (passed; in copilot it waits for a person's approval there)
                  ├─► rejected
                  └─► skipped (nothing to draw, or its parent post already has a reply)

    A queued post a person rejects (copilot) goes to rejected too."""

    RECEIVED = "received"
    REVIEW = "review"
    REJECTED = "rejected"
    QUEUED = "queued"
    SKIPPED = "skipped"
    PUBLISHED = "published"
    RETRACTED = "retracted"


class OutboxState(StrEnum):
    """Where a reply in the outbox is:

        pending ──► sending ──► sent ──► retracted
          ▲  │        │  └──► pending (a transient error: retried with backoff)
          │  │        └─────► failed (refused for good; the post goes back to review)
          │  ├──► held (its post was held back with a coordinated group)
          │  ├──► cancelled (a person rejected the post)
          │  └──► failed (the picture changed after approval)
          └── held, failed (approved again by a person)

    A `sending` row whose lease ran out (the worker died mid-send) is claimed again."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"
    CANCELLED = "cancelled"
    RETRACTED = "retracted"


@dataclass(frozen=True)
class Author:
    handle: str
    id: str | None = None
    display_name: str | None = None
    created_at: datetime | None = None  # None: unknown, which the behaviour screen treats as risky
    followers: int | None = None
    posts: int | None = None


class ReplyWhen(StrEnum):
    """When the bot may answer a post that carries the hashtag (a network's `reply_when`)."""

    MENTIONED = "mentioned"  # it mentions the bot's account or answers one of its posts
    HASHTAG = "hashtag"  # the hashtag alone, where the network's rules allow it


@dataclass(frozen=True)
class BotAccount:
    """The bot's own account on a network: what a mention of it, or a reply to it, names."""

    id: str
    handle: str = ""

    def is_me(self, ref: str | None) -> bool:
        """Whether an account id or handle (with or without '@') names the bot."""
        if not ref:
            return False
        ref = ref.lstrip("@").casefold()
        return ref == self.id.casefold() or (bool(self.handle) and ref == self.handle.casefold())

    def addressed_by(self, post: Post) -> bool:
        """Whether `post` mentions the bot or answers one of its posts: the opt-in signal the
        networks ask bots to wait for."""
        return self.is_me(post.reply_to_author) or any(self.is_me(m) for m in post.mentions)


@dataclass(frozen=True)
class Post:
    id: str
    text: str
    author: Author
    created_at: datetime | None = None
    tags: tuple[str, ...] = ()
    reply_to_id: str | None = None
    langs: tuple[str, ...] = ()
    media: tuple[dict[str, Any], ...] = ()
    # the accounts the post mentions (ids, and handles where the network gives them), and the
    # account whose post it answers: whether a post is addressed to the bot (opt-in replies)
    mentions: tuple[str, ...] = ()
    reply_to_author: str | None = None


@dataclass(frozen=True)
class Trigger:
    """A post with the campaign hashtag; `parent` is set when it replies to another post."""

    platform: str
    post: Post
    parent: Post | None = None

    @property
    def key(self) -> str:
        """Stable identity across restarts: the platform and the post's id."""
        return f"{self.platform}:{self.post.id}"

    @property
    def art_text(self) -> str:
        """The words to draw: the parent's (the negative post someone found), else the post's."""
        return self.parent.text if self.parent is not None else self.post.text

    def text_of(self, target: Target) -> str | None:
        """The original text a finding's span refers to."""
        parent = self.parent
        match target:
            case Target.POST:
                return self.post.text
            case Target.HANDLE:
                return self.post.author.handle
            case Target.DISPLAY_NAME:
                return self.post.author.display_name
            case Target.PARENT:
                return parent.text if parent else None
            case Target.PARENT_HANDLE:
                return parent.author.handle if parent else None
            case Target.PARENT_DISPLAY_NAME:
                return parent.author.display_name if parent else None
        return None

    def texts(self) -> list[tuple[Target, str]]:
        """Every attacker-controlled text of this trigger, each with its target."""
        author, parent = self.post.author, self.parent
        every = [
            (Target.POST, self.post.text),
            (Target.HANDLE, author.handle),
            (Target.DISPLAY_NAME, author.display_name),
        ]
        if parent is not None:
            every += [
                (Target.PARENT, parent.text),
                (Target.PARENT_HANDLE, parent.author.handle),
                (Target.PARENT_DISPLAY_NAME, parent.author.display_name),
            ]
        return [(target, text) for target, text in every if text]

    def storable(self) -> Trigger:
        """This trigger with the characters no database stores (NUL, lone surrogates) read as
        U+FFFD, one for one, so that spans in the stored texts still point where they did."""
        return Trigger(
            storable_text(self.platform),
            _storable_post(self.post),
            _storable_post(self.parent) if self.parent is not None else None,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Trigger:
        data = json.loads(raw)
        parent = data.get("parent")
        return cls(
            platform=data["platform"],
            post=_post_from_dict(data["post"]),
            parent=_post_from_dict(parent) if parent else None,
        )

    def content_hash(self) -> str:
        """What the audit chain references instead of the words themselves."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD: PostgreSQL refuses both, and a
    hostile post must not be able to fail the transaction that records it."""
    return _UNSTORABLE.sub("\ufffd", text)


def _storable_post(post: Post) -> Post:
    author = post.author
    clean = storable_text
    return replace(
        post,
        id=clean(post.id),
        text=clean(post.text),
        author=replace(
            author,
            handle=clean(author.handle),
            id=clean(author.id) if author.id is not None else None,
            display_name=clean(author.display_name) if author.display_name is not None else None,
        ),
        tags=tuple(clean(t) for t in post.tags),
        reply_to_id=clean(post.reply_to_id) if post.reply_to_id is not None else None,
        langs=tuple(clean(lang) for lang in post.langs),
        mentions=tuple(clean(m) for m in post.mentions),
        reply_to_author=clean(post.reply_to_author) if post.reply_to_author is not None else None,
    )


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _post_from_dict(data: dict[str, Any]) -> Post:
    author = data["author"]
    return Post(
        id=data["id"],
        text=data["text"],
        author=Author(
            handle=author["handle"],
            id=author.get("id"),
            display_name=author.get("display_name"),
            created_at=_dt(author.get("created_at")),
            followers=author.get("followers"),
            posts=author.get("posts"),
        ),
        created_at=_dt(data.get("created_at")),
        tags=tuple(data.get("tags") or ()),
        reply_to_id=data.get("reply_to_id"),
        langs=tuple(data.get("langs") or ()),
        media=tuple(data.get("media") or ()),
        mentions=tuple(data.get("mentions") or ()),
        reply_to_author=data.get("reply_to_author"),
    )


@dataclass(frozen=True)
class Finding:
    """What a screen found, where (which text, which span of the original) and why."""

    screen: str
    label: str  # "hate", "profanity", "new-account", "coordination", "screen-error", ...
    risk: float  # 0..1
    target: Target
    span: tuple[int, int] | None
    why: str

    @property
    def ref(self) -> str:
        """The finding without any of the post's words, for the audit chain:
        "lexicon/slur:0.95@post[3:8]"."""
        where = f"[{self.span[0]}:{self.span[1]}]" if self.span else ""
        return f"{self.screen}/{self.label}:{self.risk:.2f}@{self.target.value}{where}"


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reasons: tuple[str, ...]

    @property
    def held(self) -> bool:
        """Held means review or reject: not published without a person."""
        return self.decision is not Decision.PUBLISH


@dataclass(frozen=True)
class Artwork:
    """The exact picture a reviewer approves and the publisher posts, bound by its hash."""

    png: bytes
    alt_text: str
    shape: str
    rows: tuple[str, ...]
    width: int
    height: int
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.png).hexdigest())


@dataclass(frozen=True)
class Reply:
    """What would be posted: to whom, in reply to which post, with which picture."""

    idempotency_key: str
    trigger_key: str
    in_reply_to: str  # the post that used the hashtag, never the parent
    to_handle: str
    text: str
    artwork: Artwork


@dataclass(frozen=True)
class Statement:
    """A post in the brand's own name, not a reply: a holding statement during an incident."""

    idempotency_key: str
    text: str


@dataclass(frozen=True)
class Published:
    """Where a reply landed, so that it can be retracted."""

    ref: str
    url: str | None = None


@dataclass(frozen=True)
class Incident:
    id: int
    kind: str
    summary: str
    opened_at: datetime
    closed_at: datetime | None = None
    # a person said they are on it: the campaign is not paused for silence
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The open incident as alerts and `incidents list --json` show it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "summary": self.summary,
            "opened_at": self.opened_at.isoformat(),
            "acknowledged_by": self.acknowledged_by,
        }
