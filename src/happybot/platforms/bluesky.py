"""Bluesky: listen on the firehose, reply with the picture, delete for retractions.

- **Listen** on `com.atproto.sync.subscribeRepos` (a relay in production, any PDS in tests):
  frames are decoded with libipld, and only commits that create an `app.bsky.feed.post` whose
  blocks contain the campaign tag are opened (`FirehoseFilter`); the cursor is the frame's `seq`,
  so a restart resumes where the store says. The connection is reopened with jittered backoff.
- **Author facts**: the AppView's `getProfile` when one is configured (followers, posts, account
  creation); else the handle from the author's repository and the account's creation from the
  PLC directory's audit log; what cannot be had stays unknown, which the screens treat as risky.
- **Reply** to the post that used the hashtag: the picture uploaded as a blob, the record created
  under a record key derived from the reply's idempotency key (so a retry after a crash finds the
  reply instead of posting twice), `root`/`parent` refs, the image embed with alt text and aspect
  ratio, facets for the hashtag and the mention. HTTP 429 becomes `PlatformUnavailable` with the
  reset time.
- **Delete**: `deleteRecord` of the bot's own reply.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import libipld
from atproto import Client, IdResolver, client_utils, models
from atproto_client import exceptions as at_errors
from pydantic import BaseModel, ConfigDict
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

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
from happybot.platforms.base import (
    Blocked,
    Incoming,
    Label,
    Platform,
    Withdrawal,
    incoming,
    serve_forever,
)
from happybot.text.hashtags import uses_hashtag

if TYPE_CHECKING:
    from happybot.config import Campaign

log = logging.getLogger(__name__)
T = TypeVar("T")

POST = "app.bsky.feed.post"
BLOCK = "app.bsky.graph.block"
PROFILE = "app.bsky.actor.profile"
# the self-label the Bluesky app shows as "automated account"
BOT_LABEL = "bot"
CURSOR_SECONDS = 5.0  # how often a busy firehose's cursor is saved
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_AT_URI = re.compile(r"^at://(?P<repo>[^/]+)/(?P<collection>[^/]+)/(?P<rkey>[^/]+)$")


def tid_for(key: str) -> str:
    """A valid record key (a TID: 13 characters, sortable base32) derived from `key`: the same
    reply always gets the same record key."""
    value = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1  # 63 bits
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    match = _AT_URI.match(uri)
    if match is None:
        raise PlatformRejected(f"not an at:// record URI: {uri!r}")
    return match["repo"], match["collection"], match["rkey"]


@dataclass(frozen=True)
class BlueskyConfig:
    service: str  # the bot account's PDS, e.g. https://bsky.social
    firehose: str  # wss://bsky.network, or ws://localhost:PORT for a local PDS
    hashtag: str  # without '#'
    handle: str = ""  # empty in dry-run: listening and reading need no account
    password: str = ""  # an app password
    appview: str | None = None  # https://public.api.bsky.app; None: no AppView
    plc: str = "https://plc.directory"
    idle_seconds: float = 0.5  # tell the runner to process what it has after this much quiet
    # the PDS's write limits for one account (create 3 points, delete 1), counted here so that
    # the bot slows down before the server refuses; its 429 answers stay the backstop
    points_per_hour: int = 5_000
    points_per_day: int = 35_000
    reply_when: ReplyWhen = ReplyWhen.MENTIONED


class WriteBudget:
    """Points spent on repository writes in the last hour and day, in this process."""

    def __init__(
        self, per_hour: int, per_day: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = ((3600.0, per_hour), (86400.0, per_day))
        self.clock = clock
        self.spent: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def spend(self, points: int) -> None:
        """Record a write, or raise PlatformUnavailable saying how long until it fits."""
        with self._lock:  # replies are sent from several threads (parallel_sends)
            self._spend(points)

    def _spend(self, points: int) -> None:
        now = self.clock()
        while self.spent and now - self.spent[0][0] > 86400:
            self.spent.popleft()
        for window, limit in self.limits:
            recent = [(t, p) for t, p in self.spent if now - t <= window]
            used = sum(p for _, p in recent)
            if used + points > limit:
                # wait until enough of the oldest writes leave the window
                freed, wait = 0, window
                for t, p in recent:
                    freed += p
                    if used - freed + points <= limit:
                        wait = window - (now - t)
                        break
                raise PlatformUnavailable(
                    f"the account's write budget ({limit} points per {window / 3600:g} h) is spent",
                    retry_after=max(1.0, wait),
                )
        self.spent.append((now, points))


class FirehoseFilter:
    """Decode a firehose frame and keep what the campaign must see: posts that carry its tag or
    address the bot (a mention, a reply to it: a "stop" has no tag), and blocks of the bot.
    Most frames are other people's posts and likes: those are dropped after decoding the
    frame's two small CBOR maps, with a byte search for the tag or the bot's DID before any
    CAR is opened."""

    def __init__(self, hashtag: str, bot: str | None = None) -> None:
        self.needle = hashtag.lower().encode()
        self.bot = bot  # the bot's DID, once known

    def posts(self, frame: bytes) -> tuple[int | None, list[tuple[str, str, dict[str, Any]]]]:
        """(seq, [(at-uri, author did, record)]) of the posts and blocks in `frame` for us."""
        header, body = libipld.decode_dag_cbor_multi(frame)
        if not isinstance(body, dict):
            return None, []
        seq = body.get("seq")
        seq = seq if isinstance(seq, int) else None
        if header.get("t") != "#commit" or header.get("op") != 1:
            return seq, []
        wanted = (POST + "/", BLOCK + "/") if self.bot else (POST + "/",)
        ops = [
            op
            for op in body.get("ops") or ()
            if op.get("action") == "create" and str(op.get("path", "")).startswith(wanted)
        ]
        blocks = body.get("blocks") or b""
        if not ops:
            return seq, []
        lowered = blocks.lower()
        if self.needle not in lowered and (self.bot is None or self.bot.encode() not in blocks):
            return seq, []
        car: dict[bytes, Any] = libipld.decode_car(blocks)[1]  # keyed by the CIDs' bytes
        repo = body["repo"]
        found = []
        for op in ops:
            record = car.get(op.get("cid") or b"")
            if isinstance(record, dict) and self._wanted(str(op["path"]), record):
                found.append((f"at://{repo}/{op['path']}", repo, record))
        return seq, found

    def _wanted(self, path: str, record: dict[str, Any]) -> bool:
        if path.startswith(BLOCK + "/"):
            return record.get("subject") == self.bot
        return uses_hashtag(str(record.get("text", "")), _tags(record), self.needle.decode()) or (
            self.bot is not None and self.bot in _addressed(record)
        )


def _addressed(record: dict[str, Any]) -> set[str]:
    """The accounts a post mentions or answers (their DIDs)."""
    dids = set(_mentions(record))
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    if isinstance(parent, str) and _AT_URI.match(parent):
        dids.add(parse_at_uri(parent)[0])
    return dids


def _mentions(record: dict[str, Any]) -> list[str]:
    return [
        str(feature.get("did"))
        for facet in record.get("facets") or ()
        for feature in facet.get("features") or ()
        if feature.get("$type") == "app.bsky.richtext.facet#mention" and feature.get("did")
    ]


def _when(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class BlueskyPlatform:
    # replies sent at once by one process: each is five round trips to the PDS (look for an
    # earlier attempt, the parent, a block; upload; create), a few at once keep the post →
    # reply time short at a peak. The client's session refresh and the write budget are locked
    parallel_sends = 4

    def __init__(
        self,
        config: BlueskyConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.reply_when = config.reply_when
        self.name = f"bluesky:{config.firehose}"
        self.sleep = sleep
        self.filter = FirehoseFilter(config.hashtag)
        self.client = Client(base_url=config.service.rstrip("/") + "/xrpc")
        self.resolver = IdResolver(plc_url=config.plc, timeout=10)
        self.appview = (
            Client(base_url=config.appview.rstrip("/") + "/xrpc") if config.appview else None
        )
        self._did: str | None = None
        self._own: str | None = None
        self._closing = False
        self.budget = WriteBudget(config.points_per_hour, config.points_per_day)
        self._authors: dict[str, Author] = {}
        self._repos: dict[str, Client] = {}

    live = True

    # -- calls through the atproto SDK, its errors turned into ours -----------------------------

    @staticmethod
    def _call(what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except at_errors.RateLimitExceededError as exc:
            wait = exc.retry_after
            if wait is None and exc.reset_at is not None:
                wait = (exc.reset_at - datetime.now(UTC)).total_seconds()
            raise PlatformUnavailable(
                f"{what}: rate limited by the server", retry_after=max(1.0, wait or 60.0)
            ) from exc
        except (at_errors.NetworkError, httpx.HTTPError) as exc:
            raise PlatformUnavailable(f"{what}: {exc}") from exc
        except at_errors.AtProtocolError as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            if status is not None and status >= 500:
                raise PlatformUnavailable(f"{what}: server error {status}") from exc
            raise PlatformRejected(f"{what}: {exc}") from exc

    @property
    def did(self) -> str:
        """The bot's account, logged in on first use (an app password, never the main one)."""
        if not (self.config.handle and self.config.password):
            raise PlatformRejected("no Bluesky account configured: this platform only listens")
        if self._did is None:
            self._call(
                "login",
                self.client.login,
                self.config.handle,
                self.config.password,
                fetch_bsky_profile=False,
            )
            self._did = self._call("session", self.client.com.atproto.server.get_session).did
        return self._did

    def bot_account(self) -> BotAccount | None:
        """The bot's DID and handle: logged in when an app password is set; listening in
        dry-run, the handle alone is resolved (so that mentions of the bot are recognised)."""
        if not self.config.handle:
            return None
        if self.config.password:
            return BotAccount(self.did, self.config.handle)
        found = self._call(
            "resolve the bot's handle",
            self.client.com.atproto.identity.resolve_handle,
            models.ComAtprotoIdentityResolveHandle.Params(handle=self.config.handle),
        )
        return BotAccount(found.did, self.config.handle)

    # -- the bot's label ----------------------------------------------------------------------

    def bot_label(self) -> Label:
        """Whether the bot's profile record carries the self-label the Bluesky app shows as
        an automated account."""
        found = self._record(f"at://{self.did}/{PROFILE}/self")
        value = _as_dict(found.value) if found is not None else {}
        values = ((value.get("labels") or {}).get("values")) or ()
        on = any(v.get("val") == BOT_LABEL for v in values if isinstance(v, dict))
        where = f"the self-label {BOT_LABEL!r} on {self.config.handle}'s profile record"
        return Label(on, where)

    def set_bot_label(self) -> None:
        """Add the self-label to the profile record, keeping everything else in it; the
        write is conditional on the record being unchanged since it was read."""
        found = self._record(f"at://{self.did}/{PROFILE}/self")
        value = dict(_as_dict(found.value)) if found is not None else {}
        labels = dict(value.get("labels") or {})
        values = [v for v in labels.get("values") or () if isinstance(v, dict)]
        if any(v.get("val") == BOT_LABEL for v in values):
            return
        value["$type"] = PROFILE
        value["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [*values, {"val": BOT_LABEL}],
        }
        self.budget.spend(2)
        self._call(
            "label the profile",
            self.client.com.atproto.repo.put_record,
            models.ComAtprotoRepoPutRecord.Data(
                repo=self.did,
                collection=PROFILE,
                rkey="self",
                record=value,
                swap_record=found.cid if found is not None else None,
            ),
        )

    def _repo(self, did: str) -> Client:
        """A client on the server that hosts `did`'s repository (found in its DID document)."""
        if did not in self._repos:
            data = self._call(f"resolve {did}", self.resolver.did.resolve_atproto_data, did)
            if data is None or not data.pds:
                raise PlatformRejected(f"{did} names no server hosting its repository")
            self._repos[did] = Client(base_url=data.pds.rstrip("/") + "/xrpc")
        return self._repos[did]

    def _record(self, uri: str) -> Any | None:
        repo, collection, rkey = parse_at_uri(uri)
        params = models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
        try:
            return self._call(f"read {uri}", self._repo(repo).com.atproto.repo.get_record, params)
        except PlatformRejected:
            return None

    # -- listen --------------------------------------------------------------------------------

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        return serve_forever(
            "firehose", self._serve_once, cursor, closing=lambda: self._closing, sleep=self.sleep
        )

    def _serve_once(self, cursor: str | None) -> Iterator[Incoming]:
        """One connection to the firehose from `cursor` (its `seq`), until it drops."""
        seq = int(cursor) if cursor else None
        url = f"{self.config.firehose.rstrip('/')}/xrpc/com.atproto.sync.subscribeRepos"
        if seq is not None:
            url += f"?cursor={seq}"
        if self.config.handle and self._own is None:
            # the bot's own replies carry the hashtag too: never answer them; and a post
            # that names the bot is for us even without the tag (a "stop")
            bot = self.bot_account()
            self._own = self.filter.bot = bot.id if bot is not None else None
        try:
            with connect(url, open_timeout=10, max_size=None) as socket:
                yield from self._frames(socket, seq)
        except InvalidStatus as exc:
            # refused at the handshake: a rate limit or an outage says when to come back
            raise PlatformUnavailable(
                f"firehose {url}: HTTP {exc.response.status_code}",
                retry_after=_retry_after(exc.response.headers),
            ) from exc
        except (OSError, WebSocketException, TimeoutError) as exc:
            raise PlatformUnavailable(f"firehose {url}: {exc}") from exc

    def close(self) -> None:
        """Stop listening: the stream ends at its next frame or quiet moment."""
        self._closing = True

    def _trigger(self, uri: str, did: str, record: Any) -> Trigger:
        return Trigger("bluesky", self._post(uri, did, record))

    def _blocked(self, uri: str, did: str) -> Withdrawal:
        return Withdrawal("bluesky", did, self._author(did).handle, "block", uri)

    def _frames(self, socket: Any, seq: int | None) -> Iterator[Incoming]:
        """Campaign posts as they come, and an idle signal (the runner then processes and
        publishes what it has) when no campaign post came for `idle_seconds`: on a relay that
        is never quiet, "no frame for a moment" never happens, and posts would wait for a full
        batch. The idle signal also carries the cursor now and then on a busy stream."""
        last = seq
        idle = self.config.idle_seconds
        signalled = handed = time.monotonic()  # the last idle signal; the last post handed over
        while not self._closing:
            try:
                frame = socket.recv(timeout=idle)
            except TimeoutError:
                frame = None
            now = time.monotonic()
            quiet = frame is None or (handed > signalled and now - handed > idle)
            if quiet or (last is not None and now - signalled > CURSOR_SECONDS):
                # (on a busy relay, most of it not for us, the cursor is saved now and then
                # too, or a restart would replay everything since the last campaign post)
                yield Incoming(cursor=str(last) if last is not None else "", idle=True)
                signalled = now
            if not isinstance(frame, bytes):
                continue
            try:
                at, posts = self.filter.posts(frame)
            except Exception as exc:  # a hostile frame must not end the stream
                log.warning("firehose frame after seq %s could not be read: %s", last, exc)
                continue
            if at is not None:
                last = at
            for uri, did, record in posts:
                if did == self._own:
                    continue  # the bot's own reply carries the hashtag too
                if parse_at_uri(uri)[1] == BLOCK:
                    yield incoming(
                        str(last), uri, record, functools.partial(self._blocked, uri, did)
                    )
                    continue
                yield incoming(
                    str(last),
                    uri,
                    record,
                    functools.partial(self._trigger, uri, did, record),
                )
                handed = time.monotonic()

    # -- posts and authors ------------------------------------------------------------------------

    def _post(self, uri: str, did: str, record: dict[str, Any]) -> Post:
        reply = record.get("reply") or {}
        parent = (reply.get("parent") or {}).get("uri")
        parent = parent if isinstance(parent, str) else None
        return Post(
            id=uri,
            text=str(record.get("text", "")),
            author=self._author(did),
            created_at=_when(record.get("createdAt")),
            tags=tuple(_tags(record)),
            reply_to_id=parent,
            reply_to_author=parse_at_uri(parent)[0] if parent and _AT_URI.match(parent) else None,
            mentions=tuple(_mentions(record)),
            langs=tuple(str(lang) for lang in record.get("langs") or ()),
            media=({"embed": str((record.get("embed") or {}).get("$type"))},)
            if record.get("embed")
            else (),
        )

    def _author(self, did: str) -> Author:
        if did not in self._authors:
            self._authors[did] = self._author_uncached(did)
        return self._authors[did]

    def _author_uncached(self, did: str) -> Author:
        if self.appview is not None:
            try:
                p = self._call(
                    f"profile of {did}",
                    self.appview.app.bsky.actor.get_profile,
                    models.AppBskyActorGetProfile.Params(actor=did),
                )
                return Author(
                    handle=p.handle,
                    id=did,
                    display_name=p.display_name,
                    created_at=_when(p.created_at) if p.created_at else None,
                    followers=p.followers_count,
                    posts=p.posts_count,
                )
            except PlatformError as exc:
                log.warning("profile of %s: %s", did, exc)
        handle = did
        try:
            data = self.resolver.did.resolve_atproto_data(did)
            handle = data.handle if data is not None and data.handle else did
        except Exception as exc:  # the SDK's resolver raises its own types
            log.warning("handle of %s: %s", did, exc)
        return Author(handle=handle, id=did, created_at=self._created(did))

    def _created(self, did: str) -> datetime | None:
        """When a did:plc account was made: the first operation of its PLC audit log."""
        if not did.startswith("did:plc:"):
            return None
        try:
            answer = httpx.get(f"{self.config.plc.rstrip('/')}/{did}/log/audit", timeout=10)
            answer.raise_for_status()
            first = answer.json()[0]
        except (httpx.HTTPError, ValueError, IndexError, KeyError) as exc:
            log.warning("account age of %s: %s", did, exc)
            return None
        return _when(first.get("createdAt"))

    def fetch_parent(self, post: Post) -> Post | None:
        if not post.reply_to_id:
            return None
        got = self._record(post.reply_to_id)
        if got is None:
            return None  # deleted, or not a post: the screens treat it as unavailable
        repo, _, _ = parse_at_uri(post.reply_to_id)
        return self._post(post.reply_to_id, repo, _as_dict(got.value))

    # -- reply and delete ---------------------------------------------------------------------

    def reply(self, reply: Reply) -> Published:
        rkey = tid_for(reply.idempotency_key)
        mine = f"at://{self.did}/{POST}/{rkey}"
        if self._record(mine) is not None:  # posted before a crash: never twice
            return Published(ref=mine, url=_web_url(mine))
        target = self._record(reply.in_reply_to)
        if target is None:
            raise PlatformRejected(f"the post {reply.in_reply_to} is gone: nothing to reply to")
        self._refuse_if_blocked(parse_at_uri(reply.in_reply_to)[0], reply.to_handle)
        parent = models.ComAtprotoRepoStrongRef.Main(uri=target.uri, cid=target.cid)
        value = _as_dict(target.value)
        root_ref = (value.get("reply") or {}).get("root")
        root = (
            models.ComAtprotoRepoStrongRef.Main(uri=root_ref["uri"], cid=root_ref["cid"])
            if root_ref
            else parent
        )
        self.budget.spend(3)  # before the upload: no picture is left behind by a full budget
        blob = self._call("upload the picture", self.client.upload_blob, reply.artwork.png).blob
        record = models.AppBskyFeedPost.Record(
            text=reply.text,
            created_at=self.client.get_current_time_iso(),
            reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
            facets=self._facets(reply.text) or None,
            embed=models.AppBskyEmbedImages.Main(
                images=[
                    models.AppBskyEmbedImages.Image(
                        alt=reply.artwork.alt_text,
                        image=blob,
                        aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(
                            width=reply.artwork.width, height=reply.artwork.height
                        ),
                    )
                ]
            ),
        )
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self.did, collection=POST, rkey=rkey, record=record
        )
        try:
            self._call("post the reply", self.client.com.atproto.repo.create_record, data)
        except PlatformError:
            if self._record(mine) is None:  # it may have landed before the error
                raise
        return Published(ref=mine, url=_web_url(mine))

    def post(self, statement: Statement) -> Published:
        """A top-level post under a record key derived from the statement's key: a retry
        finds it instead of posting twice."""
        rkey = tid_for(statement.idempotency_key)
        mine = f"at://{self.did}/{POST}/{rkey}"
        if self._record(mine) is None:
            self.budget.spend(3)
            record = models.AppBskyFeedPost.Record(
                text=statement.text,
                created_at=self.client.get_current_time_iso(),
                facets=self._facets(statement.text) or None,
            )
            data = models.ComAtprotoRepoCreateRecord.Data(
                repo=self.did, collection=POST, rkey=rkey, record=record
            )
            try:
                self._call("post the statement", self.client.com.atproto.repo.create_record, data)
            except PlatformError:
                if self._record(mine) is None:
                    raise
        return Published(ref=mine, url=_web_url(mine))

    def _refuse_if_blocked(self, did: str, handle: str) -> None:
        """No reply to someone who blocks the bot (or whom the bot blocks). Only the AppView
        knows blocks: without one configured, this cannot be checked."""
        if self.appview is None:
            return
        params = models.AppBskyGraphGetRelationships.Params(actor=self.did, others=[did])
        found = self._call(
            f"relationship with {did}", self.appview.app.bsky.graph.get_relationships, params
        )
        for relation in found.relationships:
            if getattr(relation, "blocked_by", None) or getattr(relation, "blocking", None):
                raise Blocked(
                    f"@{handle} and the bot block each other: no reply",
                    Withdrawal("bluesky", did, handle, "block", "relationship seen at reply"),
                )

    def _facets(self, text: str) -> list[Any]:
        """Hashtags (the SDK finds them) and mentions (resolved to their DID) as Bluesky links
        them, by byte range."""
        facets = list(client_utils.detect_facets(text))
        raw = text.encode()
        for match in re.finditer(rb"(?<![\w@])@([a-zA-Z0-9.-]+\.[a-zA-Z]+)", raw):
            try:
                did = self._call(
                    "resolve a handle",
                    self.client.com.atproto.identity.resolve_handle,
                    models.ComAtprotoIdentityResolveHandle.Params(handle=match[1].decode()),
                ).did
            except PlatformError:
                did = None  # an unknown handle stays plain text
            if did:
                facets.append(
                    models.AppBskyRichtextFacet.Main(
                        index=models.AppBskyRichtextFacet.ByteSlice(
                            byte_start=match.start(), byte_end=match.end()
                        ),
                        features=[models.AppBskyRichtextFacet.Mention(did=did)],
                    )
                )
        return sorted(facets, key=lambda f: f.index.byte_start)

    def delete(self, published: Published) -> None:
        repo, collection, rkey = parse_at_uri(published.ref)
        if repo != self.did:
            raise PlatformRejected(f"{published.ref} is not the bot's record: not deleted")
        self.budget.spend(1)
        self._call(
            "delete the reply",
            self.client.com.atproto.repo.delete_record,
            models.ComAtprotoRepoDeleteRecord.Data(repo=repo, collection=collection, rkey=rkey),
        )


def _tags(record: dict[str, Any]) -> list[str]:
    tags = [str(t).lower() for t in record.get("tags") or ()]
    for facet in record.get("facets") or ():
        for feature in facet.get("features") or ():
            if feature.get("$type") == "app.bsky.richtext.facet#tag":
                tags.append(str(feature.get("tag", "")).lower())
    return tags


def _as_dict(value: Any) -> dict[str, Any]:
    """A record as plain JSON-like data, whether the SDK gave a model or a dict."""
    if isinstance(value, dict):
        return value
    dumped = value.model_dump(by_alias=True, exclude_none=True)
    return dumped if isinstance(dumped, dict) else {}


def _web_url(uri: str) -> str:
    repo, _, rkey = parse_at_uri(uri)
    return f"https://bsky.app/profile/{repo}/post/{rkey}"


# -- the campaign file's `platform.bluesky`, and opening the network --------------------------


class Settings(BaseModel):
    """Where the bot's Bluesky account lives and where it listens. The handle and app password
    come from the environment variables named here, never from the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = "https://bsky.social"  # the bot account's PDS
    firehose: str = "wss://bsky.network"  # a relay; any PDS's own firehose in tests
    appview: str | None = "https://public.api.bsky.app"  # profiles; None: none reachable
    plc: str = "https://plc.directory"
    handle_env: str = "HAPPYBOT_BLUESKY_HANDLE"
    password_env: str = "HAPPYBOT_BLUESKY_APP_PASSWORD"
    # Bluesky asks bots to answer only people who tagged the bot's account (opt-in)
    reply_when: ReplyWhen = ReplyWhen.MENTIONED

    def credentials(self) -> tuple[str, str]:
        handle, password = os.environ.get(self.handle_env), os.environ.get(self.password_env)
        if not handle or not password:
            raise ConfigError(
                f"set {self.handle_env} and {self.password_env} (an app password, made in the "
                "Bluesky app under Settings → Privacy and security → App passwords)"
            )
        return handle, password


def _open(settings: Settings, campaign: Campaign, with_account: bool) -> Platform:
    if with_account:
        handle, password = settings.credentials()
    else:  # listening needs no account; the handle alone says which mentions are the bot's
        handle, password = os.environ.get(settings.handle_env, ""), ""
    return BlueskyPlatform(
        BlueskyConfig(
            reply_when=settings.reply_when,
            service=settings.service,
            handle=handle,
            password=password,
            firehose=settings.firehose,
            hashtag=campaign.tag,
            appview=settings.appview,
            plc=settings.plc,
        )
    )


NETWORK = Network("bluesky", Settings, _open)


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from a refusal's headers: `Retry-After` (seconds), else atproto's
    `RateLimit-Reset` (a Unix time); None when the server said neither."""
    value = headers.get("Retry-After")
    try:
        if value is not None:
            return max(1.0, float(value))
        reset = headers.get("RateLimit-Reset")
        if reset is not None:
            return max(1.0, float(reset) - time.time())
    except ValueError:
        return None
    return None
