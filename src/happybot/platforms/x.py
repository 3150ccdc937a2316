"""X (Twitter), through tweepy and the X API v2: a filtered-stream rule for the hashtag, a recent
search to catch up after a restart or a drop, replies with the picture, delete.

The filtered stream needs app-only access (a bearer token) at a tier that includes it; posting
needs user context (OAuth 1.0a: the app's consumer key and secret, and the brand account's access
token and secret). X has no idempotency key: before posting, the adapter looks for a reply of its
own to the same post and returns that one instead of posting a second.
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
from typing import TYPE_CHECKING, Any, TypeVar

import requests
import tweepy
from pydantic import BaseModel, ConfigDict

from happybot.errors import ConfigError, PlatformError, PlatformRejected, PlatformUnavailable
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
from happybot.platforms.base import Incoming, Label, Platform, incoming, serve_forever

if TYPE_CHECKING:
    from happybot.config import Campaign

log = logging.getLogger(__name__)
T = TypeVar("T")

TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "lang",
    "entities",
    "in_reply_to_user_id",
]
USER_FIELDS = ["created_at", "public_metrics", "username", "name"]
EXPANSIONS = ["author_id"]
RULE_TAG = "happybot"


@dataclass(frozen=True)
class XConfig:
    bearer_token: str  # app-only: the stream and its rules, searches, reads
    consumer_key: str  # user context (OAuth 1.0a): posting, media, delete
    consumer_secret: str
    access_token: str
    access_token_secret: str
    hashtag: str  # without '#'
    idle_seconds: float = 0.5
    reply_when: ReplyWhen = ReplyWhen.MENTIONED


class _Stream(tweepy.StreamingClient):  # type: ignore[misc]
    """The filtered stream, in its own thread, onto a queue the listen loop reads."""

    def __init__(self, bearer_token: str, inbox: queue.Queue[Any]) -> None:
        super().__init__(bearer_token, max_retries=0)
        self.inbox = inbox

    def on_response(self, response: Any) -> None:
        self.inbox.put(response)

    def on_errors(self, errors: Any) -> None:
        self.inbox.put(PlatformUnavailable(f"the filtered stream reported: {errors}"))

    def on_connection_error(self) -> None:
        self.inbox.put(PlatformUnavailable("the filtered stream's connection failed"))

    def on_request_error(self, status_code: int) -> None:
        self.inbox.put(PlatformUnavailable(f"the filtered stream answered {status_code}"))

    def on_disconnect(self) -> None:
        self.inbox.put(PlatformUnavailable("the filtered stream closed"))


class XPlatform:
    def __init__(
        self,
        config: XConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.reply_when = config.reply_when
        self.name = f"x:#{config.hashtag}"
        self.rule = f"#{config.hashtag} -is:retweet"
        self.sleep = sleep
        self.client = tweepy.Client(
            bearer_token=config.bearer_token,
            consumer_key=config.consumer_key,
            consumer_secret=config.consumer_secret,
            access_token=config.access_token,
            access_token_secret=config.access_token_secret,
        )
        self.api = tweepy.API(
            tweepy.OAuth1UserHandler(
                config.consumer_key,
                config.consumer_secret,
                config.access_token,
                config.access_token_secret,
            )
        )
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.stream = _Stream(config.bearer_token, self.inbox)
        self._me: str | None = None
        self._username = ""
        self._closing = False

    def _call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            reset = exc.response.headers.get("x-rate-limit-reset", "")
            wait = max(1.0, float(reset) - time.time()) if reset.isdigit() else 60.0
            raise PlatformUnavailable(f"{what}: rate limited", retry_after=wait) from exc
        except (tweepy.TwitterServerError, requests.RequestException) as exc:
            raise PlatformUnavailable(f"{what}: {exc}") from exc
        except tweepy.HTTPException as exc:
            raise PlatformRejected(f"{what}: {exc}") from exc

    live = True

    @property
    def me(self) -> str:
        if self._me is None:
            found = self._call("who am I", self.client.get_me, user_auth=True).data
            self._me, self._username = str(found.id), str(found.username or "")
        return self._me

    def bot_account(self) -> BotAccount | None:
        return BotAccount(self.me, self._username)

    def bot_label(self) -> Label:
        # X API v2 neither shows nor sets the automated-account label
        return Label(
            None,
            "X's automated-account label is set by hand on the bot's account: Settings → Your "
            "account → Account information → Automation, naming the brand's managing account",
        )

    def set_bot_label(self) -> None:
        raise ConfigError(self.bot_label().where)

    # -- listen --------------------------------------------------------------------------------

    def close(self) -> None:
        self._closing = True
        self.stream.disconnect()

    def _ensure_rule(self) -> None:
        """The campaign's posts, and those that name the bot (a "stop" carries no hashtag):
        `(#tag OR @bot) -is:retweet`. An older rule of ours is replaced."""
        _ = self.me  # asks for the bot's username, which the rule names
        if self._username:
            self.rule = f"(#{self.config.hashtag} OR @{self._username}) -is:retweet"
        rules = self._call("the stream's rules", self.stream.get_rules)
        ours = [r for r in rules.data or () if r.tag == RULE_TAG]
        stale = [r.id for r in ours if r.value != self.rule]
        if stale:
            self._call("remove an older stream rule", self.stream.delete_rules, stale)
        if self.rule not in [r.value for r in ours]:
            self._call(
                "add the stream rule",
                self.stream.add_rules,
                tweepy.StreamRule(self.rule, tag=RULE_TAG),
            )

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        return serve_forever(
            "x", self._serve_once, cursor, closing=lambda: self._closing, sleep=self.sleep
        )

    def _serve_once(self, last: str | None) -> Iterator[Incoming]:
        """One connection: the rule, the catch-up since `last`, then the filtered stream."""
        self._ensure_rule()
        if last is not None:
            for item in self._catch_up(last):
                last = item.cursor
                yield item
        yield from self._follow(last)

    def _catch_up(self, since: str) -> Iterator[Incoming]:
        """Posts matching the rule newer than `since`, oldest first (recent search: the last
        seven days)."""
        found: list[tuple[Any, dict[str, Any]]] = []
        token = None
        while True:
            page = self._call(
                "catch up",
                self.client.search_recent_tweets,
                self.rule,
                since_id=since,
                max_results=100,
                next_token=token,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                expansions=EXPANSIONS,
            )
            users = _users(page.includes)
            found += [(tweet, users) for tweet in page.data or ()]
            token = (page.meta or {}).get("next_token")
            if not token:
                break
        for tweet, users in sorted(found, key=lambda pair: int(pair[0].id)):
            yield self._incoming(tweet, users)

    def _follow(self, last: str | None) -> Iterator[Incoming]:
        self.stream.filter(
            threaded=True,
            tweet_fields=TWEET_FIELDS,
            user_fields=USER_FIELDS,
            expansions=EXPANSIONS,
        )
        try:
            while not self._closing:
                try:
                    got = self.inbox.get(timeout=self.config.idle_seconds)
                except queue.Empty:
                    yield Incoming(cursor=last or "", idle=True)
                    continue
                if isinstance(got, PlatformError):
                    raise got
                tweet = got.data
                if tweet is None or (last is not None and int(tweet.id) <= int(last)):
                    continue
                last = str(tweet.id)
                yield self._incoming(tweet, _users(got.includes))
        finally:
            self.stream.disconnect()

    def _incoming(self, tweet: Any, users: dict[str, Any]) -> Incoming:
        if str(tweet.author_id) == self.me:
            return Incoming(cursor=str(tweet.id))  # the bot's own reply: only the cursor
        cursor = str(tweet.id)
        return incoming(cursor, f"post {cursor}", tweet, lambda: Trigger("x", _post(tweet, users)))

    def fetch_parent(self, post: Post) -> Post | None:
        if not post.reply_to_id:
            return None
        try:
            got = self._call(
                "the parent",
                self.client.get_tweet,
                post.reply_to_id,
                tweet_fields=TWEET_FIELDS,
                user_fields=USER_FIELDS,
                expansions=EXPANSIONS,
            )
        except PlatformRejected:
            return None
        if got.data is None:  # deleted or protected: X answers 200 with errors
            return None
        return _post(got.data, _users(got.includes))

    # -- reply and delete ------------------------------------------------------------------------

    def _existing_reply(self, to: str) -> str | None:
        """Our reply to post `to`, if a crash came between posting it and recording it."""
        page = self._call(
            "look for an earlier reply",
            self.client.get_users_tweets,
            self.me,
            since_id=to,
            max_results=100,
            tweet_fields=["referenced_tweets"],
        )
        for tweet in page.data or ():
            for ref in tweet.referenced_tweets or ():
                if ref.type == "replied_to" and str(ref.id) == to:
                    return str(tweet.id)
        return None

    def reply(self, reply: Reply) -> Published:
        existing = self._existing_reply(reply.in_reply_to)
        if existing is not None:
            return Published(ref=existing, url=_url(existing))
        media = self._call(
            "upload the picture",
            self.api.media_upload,
            "happybot.png",
            file=io.BytesIO(reply.artwork.png),
        )
        self._call(
            "describe the picture",
            self.api.create_media_metadata,
            media.media_id_string,
            reply.artwork.alt_text[:1000],  # X's limit for alt text
        )
        made = self._call(
            "post the reply",
            self.client.create_tweet,
            text=reply.text,
            in_reply_to_tweet_id=reply.in_reply_to,
            media_ids=[media.media_id_string],
        )
        tweet_id = str(made.data["id"])
        return Published(ref=tweet_id, url=_url(tweet_id))

    def post(self, statement: Statement) -> Published:
        """X has no idempotency key: the account's recent posts are searched for the same
        words first, so that a retry after a crash finds the statement."""
        page = self._call(
            "look for the statement", self.client.get_users_tweets, self.me, max_results=100
        )
        for tweet in page.data or ():
            if tweet.text == statement.text:
                return Published(ref=str(tweet.id), url=_url(str(tweet.id)))
        made = self._call("post the statement", self.client.create_tweet, text=statement.text)
        tweet_id = str(made.data["id"])
        return Published(ref=tweet_id, url=_url(tweet_id))

    def delete(self, published: Published) -> None:
        try:
            self._call("delete the reply", self.client.delete_tweet, published.ref)
        except PlatformRejected as exc:
            if isinstance(exc.__cause__, tweepy.NotFound):
                return  # already gone
            raise


def _users(includes: Any) -> dict[str, Any]:
    return {str(u.id): u for u in (includes or {}).get("users", ())}


def _post(tweet: Any, users: dict[str, Any]) -> Post:
    user = users.get(str(tweet.author_id))
    metrics = (user.public_metrics or {}) if user is not None else {}
    created = user.created_at if user is not None else None
    author = Author(
        handle=user.username if user is not None else str(tweet.author_id),
        id=str(tweet.author_id),
        display_name=user.name if user is not None else None,
        created_at=created.astimezone(UTC) if isinstance(created, datetime) else None,
        followers=metrics.get("followers_count"),
        posts=metrics.get("tweet_count"),
    )
    replied = [str(r.id) for r in tweet.referenced_tweets or () if r.type == "replied_to"]
    hashtags = ((tweet.entities or {}).get("hashtags")) or ()
    return Post(
        id=str(tweet.id),
        text=tweet.text,
        author=author,
        created_at=tweet.created_at,
        tags=tuple(str(h.get("tag", "")).lower() for h in hashtags),
        reply_to_id=replied[0] if replied else None,
        langs=(tweet.lang,) if tweet.lang else (),
        mentions=tuple(
            str(m.get(key))
            for m in ((tweet.entities or {}).get("mentions")) or ()
            for key in ("id", "username")
            if m.get(key)
        ),
        reply_to_author=str(tweet.in_reply_to_user_id)
        if getattr(tweet, "in_reply_to_user_id", None)
        else None,
    )


def _url(tweet_id: str) -> str:
    return f"https://x.com/i/web/status/{tweet_id}"


# -- the campaign file's `platform.x`, and opening the network -----------------------------------


class Settings(BaseModel):
    """The brand's X account: the app's keys and the account's tokens come from the environment
    variables named here, never from the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bearer_token_env: str = "HAPPYBOT_X_BEARER_TOKEN"
    consumer_key_env: str = "HAPPYBOT_X_CONSUMER_KEY"
    consumer_secret_env: str = "HAPPYBOT_X_CONSUMER_SECRET"
    access_token_env: str = "HAPPYBOT_X_ACCESS_TOKEN"
    access_token_secret_env: str = "HAPPYBOT_X_ACCESS_TOKEN_SECRET"
    # X's automation rules allow automated replies only to people who asked for them
    reply_when: ReplyWhen = ReplyWhen.MENTIONED

    def secrets(self) -> tuple[str, str, str, str, str]:
        names = (
            self.bearer_token_env,
            self.consumer_key_env,
            self.consumer_secret_env,
            self.access_token_env,
            self.access_token_secret_env,
        )
        missing = [n for n in names if not os.environ.get(n)]
        if missing:
            raise ConfigError(
                f"set {', '.join(missing)} (from the X developer portal: the app's bearer token "
                "and consumer keys, and the brand account's access token and secret)"
            )
        bearer, key, secret, token, token_secret = (os.environ[n] for n in names)
        return bearer, key, secret, token, token_secret


def _open(settings: Settings, campaign: Campaign, with_account: bool) -> Platform:
    # the stream needs the app's bearer token even to listen
    bearer, key, secret, token, token_secret = settings.secrets()
    return XPlatform(
        XConfig(
            bearer, key, secret, token, token_secret, campaign.tag, reply_when=settings.reply_when
        )
    )


NETWORK = Network("x", Settings, _open)
