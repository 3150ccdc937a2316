"""The plug-in point for social networks: listen with a cursor, fetch a parent, reply, delete.

Adapters own their connection and translate their SDK's errors at the edge: transient failures
become `PlatformUnavailable` (retried with backoff), permanent ones `PlatformRejected` (recorded,
never retried).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from happybot.errors import PlatformError, PlatformRejected, PlatformUnavailable
from happybot.models import BotAccount, Post, Published, Reply, ReplyWhen, Statement, Trigger

log = logging.getLogger(__name__)

Expected = Literal["publish", "hold"]


@dataclass(frozen=True)
class Malformed:
    """Input that could not be read as a post: kept in the dead-letter table, never lost."""

    position: str  # "line 12"
    raw: str
    error: str


@dataclass(frozen=True)
class Withdrawal:
    """A person turned the bot away on the network itself (a block of the bot's account):
    they get no reply again, in any later run."""

    platform: str
    account: str  # the account's id on the network
    handle: str
    how: str  # "stop", "block", "reviewer"
    ref: str | None  # the post or record that said so


class Blocked(PlatformRejected):
    """The person blocks the bot (or the bot them), seen when replying: no reply, and no
    later reply either (the publisher records the withdrawal)."""

    def __init__(self, message: str, withdrawal: Withdrawal) -> None:
        super().__init__(message)
        self.withdrawal = withdrawal


@dataclass(frozen=True)
class Incoming:
    """One item from a source, with the cursor to resume after it.

    `expected` and `scenario` are ground truth for scoring (replay files, the simulator); the
    runner stores them apart from the post, and no screen ever receives them."""

    cursor: str
    trigger: Trigger | None = None
    malformed: Malformed | None = None
    withdrawal: Withdrawal | None = None
    expected: Expected | None = None
    scenario: str | None = None
    # a live source has nothing more for now: the runner processes and publishes what it has
    # instead of waiting for a full batch
    idle: bool = False


def incoming(
    cursor: str, position: str, raw: object, build: Callable[[], Trigger | Withdrawal]
) -> Incoming:
    """The trigger (or withdrawal) `build` makes of one item of a network, or, when a hostile
    or unexpected item breaks the translation, a `Malformed` item kept in the dead letters: a
    generator that raised would end the stream, and with it the campaign."""
    try:
        made = build()
        if isinstance(made, Withdrawal):
            return Incoming(cursor=cursor, withdrawal=made)
        return Incoming(cursor=cursor, trigger=made)
    except Exception as exc:  # any shape a network can send must not stop the run
        return Incoming(
            cursor=cursor,
            malformed=Malformed(position, _raw_text(raw), f"{type(exc).__name__}: {exc}"),
        )


def _raw_text(raw: object) -> str:
    try:
        return raw if isinstance(raw, str) else repr(raw)
    except Exception:  # a repr that fails is itself hostile input
        return f"<{type(raw).__name__}>"


class Source(Protocol):
    """Where triggers come from."""

    name: str  # stable across restarts: the key its cursor is saved under

    @property
    def reply_when(self) -> ReplyWhen:
        """When a post with the hashtag may be answered: only when it addresses the bot (the
        opt-in the networks ask of bots), or on the hashtag alone (a replay, the simulator, a
        network whose rules allow it)."""
        ...

    @property
    def live(self) -> bool:
        """A network's stream as it happens, where a post's age matters; a replay or the
        simulator is history by design."""
        ...

    def bot_account(self) -> BotAccount | None:
        """The bot's own account here (what mentions of it and replies to it name), or None
        where the source has none (a replay, the simulator, a network listened to without an
        account)."""
        ...

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        """Items after `cursor` (from the start when None). Ends when a finite source is done."""
        ...

    def fetch_parent(self, post: Post) -> Post | None:
        """The post `post` replies to, or None when it is not a reply or is gone."""
        ...


@dataclass(frozen=True)
class Label:
    """Whether the bot's account says it is automated, in the network's own way."""

    on: bool | None  # None: the network gives no way to read it
    where: str  # what was looked at, or what to do by hand


@runtime_checkable
class Labelled(Protocol):
    """A network that lets the bot read (and set) its "automated account" label."""

    def bot_label(self) -> Label: ...

    def set_bot_label(self) -> None: ...


class Platform(Source, Protocol):
    """A source that can also publish. `reply` must be idempotent on the reply's key (or look
    before retrying), so that a retry after a crash cannot post twice."""

    def reply(self, reply: Reply) -> Published: ...

    def post(self, statement: Statement) -> Published:
        """Post in the brand's own name (no reply, no picture), idempotent on the key."""
        ...

    def delete(self, published: Published) -> None: ...


def parallel_sends(platform: object) -> int:
    """How many replies a platform may be sending at once: an adapter whose `reply` is safe to
    call from several threads says so with a `parallel_sends` attribute (a network round trip
    per reply is most of a reply's time: a few at once keep the post → reply time short); one
    otherwise."""
    n = getattr(platform, "parallel_sends", 1)
    return n if isinstance(n, int) and n >= 1 else 1


def serve_forever(
    name: str,
    serve_once: Callable[[str | None], Iterator[Incoming]],
    cursor: str | None,
    *,
    closing: Callable[[], bool],
    sleep: Callable[[float], None],
) -> Iterator[Incoming]:
    """A live source's one reconnect loop (errbot's serve-forever / serve-once split):
    `serve_once(cursor)` is one connection (catch up from the cursor, then follow) that raises a
    `PlatformError` when it drops; this loop resumes from the newest cursor it handed on, waits
    `retry_wait` (the server's own retry-after when it gave one), and starts the backoff over
    once a connection delivers again, as atproto's websocket client does: a network that was
    down for a while must not leave a healthy connection one failure from a minute's wait."""
    failures = 0
    while not closing():
        try:
            for item in serve_once(cursor):
                failures = 0
                cursor = item.cursor or cursor
                yield item
        except PlatformError as exc:
            failures += 1
            wait = retry_wait(failures, exc)
            log.warning("%s: %s; again in %.1f s", name, exc, wait)
            sleep(wait)


def retry_wait(failures: int, exc: PlatformError) -> float:
    """How long a live source waits before it reconnects: the server's reset time when it gave
    one (never less), else a doubling backoff up to a minute; jittered, so that many bots do
    not all come back at once. A permanent refusal (a wrong token) is raised at once: waiting
    would not mend it."""
    if isinstance(exc, PlatformRejected):
        raise exc
    if isinstance(exc, PlatformUnavailable) and exc.retry_after:
        return exc.retry_after * random.uniform(1.0, 1.1)
    return min(60.0, 2.0**failures) * random.uniform(0.5, 1.0)
