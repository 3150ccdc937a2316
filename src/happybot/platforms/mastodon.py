"""Mastodon, through Mastodon.py: the hashtag stream with a timeline catch-up, replies with the
picture, delete for retractions.

- **Listen**: first the hashtag timeline since the saved cursor (the newest status id seen), oldest
  first, so that nothing posted while the bot was away is lost; then the hashtag stream. When the
  stream drops, the catch-up runs again from the cursor before streaming resumes. The bot's
  mentions (its notifications, and the user stream) are read the same way, so that a "stop"
  sent to the bot without the hashtag is heard; the cursor holds both ("STATUS/NOTIFICATION").
- **Reply** to the status that used the hashtag: the PNG uploaded with its alt text as the media
  description, then the status with an `Idempotency-Key` derived from the trigger, so a retry
  after a crash cannot post twice. Rate limits (HTTP 429 with `X-RateLimit-Reset`) become
  `PlatformUnavailable` that waits for the reset.
- **Delete**: the bot's own status.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, TypeVar

from mastodon import Mastodon, StreamListener
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
)
from pydantic import BaseModel, ConfigDict

from happybot.errors import ConfigError, PlatformRejected, PlatformUnavailable
from happybot.models import (
    Author,
    BotAccount,
    Post,
    Published,
    Reply,
    ReplyWhen,
    Statement,
    Trigger,
)
from happybot.networks import Network
from happybot.platforms.base import (
    Blocked,
    Incoming,
    Label,
    Platform,
    Withdrawal,
    incoming,
    serve_forever,
)

if TYPE_CHECKING:
    from happybot.config import Campaign

log = logging.getLogger(__name__)
T = TypeVar("T")
CATCH_UP_PAGE = 40


@dataclass(frozen=True)
class MastodonConfig:
    api_base_url: str  # https://mastodon.social
    access_token: str  # an application token with read and write scopes
    hashtag: str  # without '#'
    idle_seconds: float = 0.5
    reply_when: ReplyWhen = ReplyWhen.MENTIONED


class _Text(HTMLParser):
    """Status HTML to plain text: paragraphs and line breaks become new lines."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br" or (tag == "p" and self.parts):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return "".join(parser.parts).strip()


@dataclass(frozen=True)
class _Mention:
    id: str  # the notification's
    status: Any


def _cursor(text: str | None) -> tuple[str | None, str | None]:
    """(newest status, newest mention notification) from a saved cursor; an older cursor
    holds the status alone."""
    if not text:
        return None, None
    status, _, mention = text.partition("/")
    return status or None, mention or None


class _Queue(StreamListener):
    def __init__(self, into: queue.Queue[Any]) -> None:
        self.into = into

    def on_update(self, status: Any) -> None:
        self.into.put(status)

    def on_notification(self, notification: Any) -> None:
        if notification.get("type") == "mention" and notification.get("status"):
            self.into.put(_Mention(str(notification["id"]), notification["status"]))

    def on_abort(self, err: Exception) -> None:
        self.into.put(err)


class MastodonPlatform:
    def __init__(
        self, config: MastodonConfig, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.config = config
        self.api = Mastodon(
            access_token=config.access_token,
            api_base_url=config.api_base_url,
            ratelimit_method="throw",  # we wait ourselves, and tell the runner how long
        )
        self.name = f"mastodon:{config.api_base_url}#{config.hashtag}"
        self.reply_when = config.reply_when
        self.sleep = sleep
        self._me: str | None = None
        self._acct = ""
        self._closing = False

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except MastodonRatelimitError as exc:
            # Mastodon.py keeps the server's X-RateLimit-Reset
            reset = float(getattr(self.api, "ratelimit_reset", 0) or 0)
            wait = max(1.0, reset - time.time()) if reset else 60.0
            raise PlatformUnavailable(f"{what}: rate limited", retry_after=wait) from exc
        except (MastodonNetworkError, MastodonServerError) as exc:
            raise PlatformUnavailable(f"{what}: {exc}") from exc
        except MastodonAPIError as exc:
            raise PlatformRejected(f"{what}: {exc}") from exc

    live = True

    @property
    def me(self) -> str:
        if self._me is None:
            found = self._call("who am I", self.api.account_verify_credentials)
            self._me, self._acct = str(found["id"]), str(found.get("acct") or "")
        return self._me

    def bot_account(self) -> BotAccount | None:
        return BotAccount(self.me, self._acct)

    # -- the bot's label ----------------------------------------------------------------------

    def bot_label(self) -> Label:
        found = self._call("who am I", self.api.account_verify_credentials)
        return Label(bool(found.get("bot")), f"the bot flag of @{found.get('acct')}'s profile")

    def set_bot_label(self) -> None:
        self._call("set the bot flag", self.api.account_update_credentials, bot=True)

    # -- listen --------------------------------------------------------------------------------

    def close(self) -> None:
        self._closing = True

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        return serve_forever(
            "mastodon", self._serve_once, cursor, closing=lambda: self._closing, sleep=self.sleep
        )

    def _serve_once(self, cursor: str | None) -> Iterator[Incoming]:
        """One connection: the catch-up since the cursor, then the streams until one drops."""
        last, mention = _cursor(cursor)
        if last is None:  # a first run starts now, not at the tag's whole history
            newest = self._call(
                "the hashtag timeline", self.api.timeline_hashtag, self.config.hashtag, limit=1
            )
            last = str(newest[0]["id"]) if newest else "0"
        if mention is None:
            newest = self._call(
                "the bot's mentions", self.api.notifications, types=["mention"], limit=1
            )
            mention = str(newest[0]["id"]) if newest else "0"
        # subscribed before the catch-up, so that a post made in between is not lost (seen in
        # CI: the stream opened after it and never saw the post); the stream then repeats some
        # of what the catch-up read, and the cursor skips those
        inbox, handles = self._subscribe()
        try:
            for status in self._catch_up(last):
                last = str(status["id"])
                item = self._incoming(status, f"{last}/{mention}")
                if item is not None:
                    yield item
            for note in self._mentions_since(mention):
                mention = str(note["id"])
                item = self._incoming(note["status"], f"{last}/{mention}")
                if item is not None:
                    yield item
            yield from self._stream(inbox, last, mention)
        finally:
            for handle in handles:
                handle.close()

    def _catch_up(self, since: str) -> Iterator[Any]:
        """Statuses with the tag newer than `since`, oldest first."""
        while True:
            page = self._call(
                "the hashtag timeline",
                self.api.timeline_hashtag,
                self.config.hashtag,
                min_id=since,
                limit=CATCH_UP_PAGE,
            )
            if not page:
                return
            page = sorted(page, key=lambda s: int(s["id"]))
            yield from page
            since = str(page[-1]["id"])
            if len(page) < CATCH_UP_PAGE:
                return

    def _mentions_since(self, since: str) -> Iterator[Any]:
        """The bot's mention notifications newer than `since`, oldest first."""
        while True:
            page = self._call(
                "the bot's mentions",
                self.api.notifications,
                types=["mention"],
                min_id=since,
                limit=CATCH_UP_PAGE,
            )
            page = sorted((n for n in page if n.get("status")), key=lambda n: int(n["id"]))
            if not page:
                return
            yield from page
            since = str(page[-1]["id"])
            if len(page) < CATCH_UP_PAGE:
                return

    def _subscribe(self) -> tuple[queue.Queue[Any], list[Any]]:
        """The hashtag stream and the bot's own (its mentions), read on Mastodon.py's threads
        into one queue; and their handles."""
        inbox: queue.Queue[Any] = queue.Queue()
        handles = [
            self._call(
                "the hashtag stream",
                self.api.stream_hashtag,
                self.config.hashtag,
                _Queue(inbox),
                run_async=True,
            )
        ]
        try:
            handles.append(
                self._call("the bot's stream", self.api.stream_user, _Queue(inbox), run_async=True)
            )
        except BaseException:
            handles[0].close()
            raise
        return inbox, handles

    def _stream(self, inbox: queue.Queue[Any], last: str, mention: str) -> Iterator[Incoming]:
        while not self._closing:
            try:
                got = inbox.get(timeout=self.config.idle_seconds)
            except queue.Empty:
                yield Incoming(cursor=f"{last}/{mention}", idle=True)
                continue
            if isinstance(got, Exception):
                raise PlatformUnavailable(f"a stream dropped: {got}")
            if isinstance(got, _Mention):
                if int(got.id) <= int(mention):
                    continue  # already read by the catch-up
                mention, status = got.id, got.status
            else:
                if int(got["id"]) <= int(last):
                    continue
                last, status = str(got["id"]), got
            item = self._incoming(status, f"{last}/{mention}")
            if item is not None:
                yield item

    def _incoming(self, status: Any, cursor: str) -> Incoming | None:
        if str(status["account"]["id"]) == self.me:
            return Incoming(cursor=cursor)  # the bot's own reply: only the cursor
        return incoming(
            cursor,
            f"status {status['id']}",
            status,
            lambda: Trigger("mastodon", self._post(status)),
        )

    # -- posts -----------------------------------------------------------------------------------

    @staticmethod
    def _author(account: Any) -> Author:
        created = account.get("created_at")
        if isinstance(created, datetime) and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return Author(
            handle=str(account["acct"]),
            id=str(account["id"]),
            display_name=account.get("display_name") or None,
            created_at=created if isinstance(created, datetime) else None,
            followers=account.get("followers_count"),
            posts=account.get("statuses_count"),
        )

    def _post(self, status: Any) -> Post:
        created = status.get("created_at")
        return Post(
            id=str(status["id"]),
            text=plain_text(status.get("content") or ""),
            author=self._author(status["account"]),
            created_at=created if isinstance(created, datetime) else None,
            tags=tuple(str(t["name"]).lower() for t in status.get("tags") or ()),
            reply_to_id=str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
            reply_to_author=str(status["in_reply_to_account_id"])
            if status.get("in_reply_to_account_id")
            else None,
            mentions=tuple(
                str(m[key])
                for m in status.get("mentions") or ()
                for key in ("id", "acct")
                if m.get(key)
            ),
            langs=(str(status["language"]),) if status.get("language") else (),
            media=tuple(
                {"type": str(m.get("type")), "description": m.get("description") or ""}
                for m in status.get("media_attachments") or ()
            ),
        )

    def fetch_parent(self, post: Post) -> Post | None:
        if not post.reply_to_id:
            return None
        try:
            return self._post(self._call("the parent", self.api.status, post.reply_to_id))
        except PlatformRejected:
            return None  # deleted or hidden: the screens treat it as unavailable

    # -- reply and delete --------------------------------------------------------------------------

    def reply(self, reply: Reply) -> Published:
        target = self._call("the post to answer", self.api.status, reply.in_reply_to)
        (relation,) = self._call(
            "the relationship", self.api.account_relationships, target["account"]["id"]
        )
        if relation.get("blocked_by") or relation.get("blocking"):
            raise Blocked(
                f"@{reply.to_handle} and the bot block each other: no reply",
                Withdrawal(
                    "mastodon",
                    str(target["account"]["id"]),
                    reply.to_handle,
                    "block",
                    f"relationship seen at reply to {reply.in_reply_to}",
                ),
            )
        media = self._call(
            "upload the picture",
            self.api.media_post,
            io.BytesIO(reply.artwork.png),
            mime_type="image/png",
            description=reply.artwork.alt_text,
            file_name="happybot.png",
        )
        status = self._call(
            "post the reply",
            self.api.status_post,
            reply.text,
            in_reply_to_id=reply.in_reply_to,
            media_ids=[media["id"]],
            idempotency_key=reply.idempotency_key,
        )
        return Published(ref=str(status["id"]), url=status.get("url"))

    def post(self, statement: Statement) -> Published:
        status = self._call(
            "post the statement",
            self.api.status_post,
            statement.text,
            visibility="public",
            idempotency_key=statement.idempotency_key,
        )
        return Published(ref=str(status["id"]), url=status.get("url"))

    def delete(self, published: Published) -> None:
        try:
            self._call("delete the reply", self.api.status_delete, published.ref)
        except PlatformRejected as exc:
            if isinstance(exc.__cause__, MastodonNotFoundError):
                return  # already gone
            raise


# -- the campaign file's `platform.mastodon`, and opening the network ---------------------------


class Settings(BaseModel):
    """The brand's Mastodon account: its server here, its access token (read and write scopes)
    in the environment variable named here, never in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_base_url: str = "https://mastodon.social"
    token_env: str = "HAPPYBOT_MASTODON_TOKEN"
    # many servers' rules forbid bots that answer anyone posting a trending hashtag
    reply_when: ReplyWhen = ReplyWhen.MENTIONED

    def token(self) -> str:
        token = os.environ.get(self.token_env)
        if not token:
            raise ConfigError(
                f"set {self.token_env} to the access token of the bot's application (Preferences "
                "→ Development → New application, scopes read and write)"
            )
        return token


def _open(settings: Settings, campaign: Campaign, with_account: bool) -> Platform:
    # the token is needed to read too: most servers' timelines want an application
    return MastodonPlatform(
        MastodonConfig(
            settings.api_base_url, settings.token(), campaign.tag, reply_when=settings.reply_when
        )
    )


NETWORK = Network("mastodon", Settings, _open)
