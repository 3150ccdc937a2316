"""The Bluesky adapter against a real PDS on loopback (`services/bluesky-pds`)."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated

import libipld
import pytest
from atproto import models
from fastapi import FastAPI, Query

from happybot.art.draw import render_art
from happybot.errors import PlatformRejected, PlatformUnavailable
from happybot.models import Author, Post, Published, Reply
from happybot.platforms import bluesky
from happybot.platforms.bluesky import BlueskyConfig, BlueskyPlatform, tid_for
from happybot.web.server import BackgroundServer
from tests.pds import Account, LocalPds

TAG = "MakeItHappy"


def test_record_keys_are_valid_tids_derived_from_the_reply() -> None:
    key = tid_for("idempotency-key-1")
    assert key == tid_for("idempotency-key-1") != tid_for("idempotency-key-2")
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    assert set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")


def _platform(pds: LocalPds, bot: Account) -> BlueskyPlatform:
    return BlueskyPlatform(
        BlueskyConfig(
            service=pds.url,
            handle=bot.handle,
            password=bot.password,
            firehose=pds.firehose,
            hashtag=TAG.lower(),
            plc=pds.plc,
            idle_seconds=0.3,
        )
    )


def test_listen_finds_the_campaign_posts_with_their_author_and_parent(pds: LocalPds) -> None:
    bot, alex, sam = (pds.account(f"{n}{time.time_ns() % 10**8}") for n in ("bot", "alex", "sam"))
    platform = _platform(pds, bot)
    stream = platform.listen(None)  # no cursor yet: from the live tail on
    assert next(stream).idle
    grumble = pds.post(sam, "my train is late again")
    pds.post(alex, "no hashtag here")
    trigger_uri = pds.post(alex, f"cheer this up #{TAG}", reply_to=grumble)
    found = []
    for n, item in enumerate(stream):
        if item.trigger is not None:
            found.append(item)
        if item.idle and found:
            break
        assert n < 300, "the post never came through the firehose"
    (item,) = found
    post = item.trigger.post
    assert post.id == trigger_uri and post.author.handle == alex.handle
    assert post.author.created_at is not None  # from the PLC directory's audit log
    assert post.reply_to_id == grumble and int(item.cursor) > 0
    parent = platform.fetch_parent(post)
    assert parent is not None and parent.text == "my train is late again"
    assert parent.author.handle == sam.handle
    # resuming from the cursor does not deliver it again
    for later in platform.listen(item.cursor):
        assert later.trigger is None
        if later.idle:
            break  # caught up, nothing delivered twice


def test_a_reply_carries_the_picture_and_is_never_posted_twice(pds: LocalPds) -> None:
    bot, alex = (pds.account(f"{n}{time.time_ns() % 10**8}") for n in ("bot", "alex"))
    platform = _platform(pds, bot)
    trigger_uri = pds.post(alex, f"rain again #{TAG}")
    art = render_art("rain again", shape="sun", width=1200, height=675, hashtag=f"#{TAG}")
    reply = Reply(
        idempotency_key="k-" + trigger_uri,
        trigger_key="bluesky:" + trigger_uri,
        in_reply_to=trigger_uri,
        to_handle=alex.handle,
        text=f"@{alex.handle} here's something happy #{TAG}",
        artwork=art,
    )
    first = platform.reply(reply)
    assert platform.reply(reply) == first  # a retry finds it
    reader = pds.client(alex)
    repo, _, rkey = first.ref.removeprefix("at://").split("/")
    record = reader.com.atproto.repo.get_record(
        models.ComAtprotoRepoGetRecord.Params(repo=repo, collection="app.bsky.feed.post", rkey=rkey)
    ).value
    assert record.reply.parent.uri == trigger_uri and record.reply.root.uri == trigger_uri
    image = record.embed.images[0]
    assert image.alt == art.alt_text
    assert (image.aspect_ratio.width, image.aspect_ratio.height) == (1200, 675)
    features = {f.features[0].py_type for f in record.facets}
    assert features == {"app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#mention"}
    blob = reader.com.atproto.sync.get_blob(
        models.ComAtprotoSyncGetBlob.Params(did=bot.did, cid=image.image.ref.link)
    )
    assert blob == art.png
    listed = reader.com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(repo=bot.did, collection="app.bsky.feed.post")
    )
    assert len(listed.records) == 1
    platform.delete(Published(ref=first.ref))
    listed = reader.com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(repo=bot.did, collection="app.bsky.feed.post")
    )
    assert listed.records == []


class _Limited(BaseHTTPRequestHandler):
    """A server that answers every call as a PDS over its write budget does (HTTP 429 with the
    `ratelimit-*` headers)."""

    reset = 0

    def do_POST(self) -> None:
        body = json.dumps({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
        self.send_response(429)
        self.send_header("Content-Type", "application/json")
        self.send_header("ratelimit-limit", "30")
        self.send_header("ratelimit-remaining", "0")
        self.send_header("ratelimit-reset", str(self.reset))
        self.send_header("ratelimit-policy", "30;w=300")
        self.end_headers()
        self.wfile.write(body.encode())

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


def test_a_rate_limited_answer_waits_for_the_servers_reset_time() -> None:
    _Limited.reset = int(time.time()) + 120
    server = HTTPServer(("127.0.0.1", 0), _Limited)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        platform = BlueskyPlatform(
            BlueskyConfig(
                service=base,
                firehose="ws://127.0.0.1:1",
                hashtag="x",
                handle="bot.test",
                password="app-password",
            )
        )
        with pytest.raises(PlatformUnavailable, match="rate limited") as raised:
            platform.did  # noqa: B018 (logging in is the call)
        assert raised.value.retry_after is not None and 100 < raised.value.retry_after <= 121
    finally:
        server.shutdown()


def test_an_unreachable_firehose_is_retried_with_growing_jittered_waits() -> None:
    waits: list[float] = []

    class Enough(Exception):
        pass

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 4:
            raise Enough

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform = BlueskyPlatform(
        BlueskyConfig(service="http://127.0.0.1:1", firehose=f"ws://127.0.0.1:{port}", hashtag="x"),
        sleep=sleep,
    )
    with pytest.raises(Enough):
        next(platform.listen("41"))
    # 2, 4, 8, 16 seconds, each cut to between half and all of it, so that many bots do not
    # come back at the same moment
    for attempt, wait in enumerate(waits, start=1):
        assert 2**attempt * 0.5 <= wait <= 2**attempt


def test_a_busy_firehose_still_has_its_cursor_saved_now_and_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter(range(0, 10_000, 2))  # every frame comes two seconds after the last
    monkeypatch.setattr(bluesky.time, "monotonic", lambda: next(clock))
    frame = libipld.encode_dag_cbor({"t": "#identity", "op": 1}) + libipld.encode_dag_cbor(
        {"seq": 7, "did": "did:plc:x"}
    )

    class Busy:
        def recv(self, timeout: float) -> bytes:
            return frame

    platform = BlueskyPlatform(BlueskyConfig("http://x", "ws://x", "x"))
    (tick, *_) = itertools.islice(platform._frames(Busy(), 3), 1)
    assert tick.cursor == "7" and tick.idle and tick.trigger is None


def _appview(blocked: set[str]) -> FastAPI:
    """An AppView that knows only who blocks whom, answering as the real one does."""
    app = FastAPI()

    @app.get("/xrpc/app.bsky.graph.getRelationships")
    def relationships(actor: str, others: Annotated[list[str], Query()]) -> dict[str, object]:
        rows = []
        for did in others:
            row: dict[str, object] = {"$type": "app.bsky.graph.defs#relationship", "did": did}
            if did in blocked:
                row["blockedBy"] = f"at://{did}/app.bsky.graph.block/3kblock2222a2"
            rows.append(row)
        return {"actor": actor, "relationships": rows}

    return app


def test_no_reply_to_someone_who_blocks_the_bot(pds: LocalPds) -> None:
    bot, alex = (pds.account(f"{n}{time.time_ns() % 10**8}") for n in ("bot", "alex"))
    trigger_uri = pds.post(alex, f"rain again #{TAG}")
    with BackgroundServer(_appview({alex.did})) as appview:
        platform = BlueskyPlatform(
            BlueskyConfig(
                service=pds.url,
                firehose=pds.firehose,
                hashtag=TAG.lower(),
                handle=bot.handle,
                password=bot.password,
                appview=appview,
                plc=pds.plc,
            )
        )
        art = render_art("rain again", shape="sun")
        reply = Reply("k-blocked", "t", trigger_uri, alex.handle, "@x hi", art)
        with pytest.raises(PlatformRejected, match="block each other"):
            platform.reply(reply)
    listed = pds.client(bot).com.atproto.repo.list_records(
        models.ComAtprotoRepoListRecords.Params(repo=bot.did, collection="app.bsky.feed.post")
    )
    assert listed.records == []


def test_the_write_budget_slows_the_bot_before_the_server_refuses() -> None:
    now = [0.0]
    budget = bluesky.WriteBudget(per_hour=6, per_day=100, clock=lambda: now[0])
    budget.spend(3)
    now[0] = 600.0
    budget.spend(3)
    with pytest.raises(PlatformUnavailable, match="write budget") as raised:
        budget.spend(3)
    assert raised.value.retry_after == 3000.0  # when the first write leaves the hour
    now[0] = 3601.0
    budget.spend(3)
    with pytest.raises(PlatformUnavailable):
        budget.spend(1)
    day = bluesky.WriteBudget(per_hour=100, per_day=4, clock=lambda: now[0])
    day.spend(3)
    with pytest.raises(PlatformUnavailable, match="per 24 h"):
        day.spend(3)


def test_a_post_on_a_busy_firehose_is_processed_without_waiting_for_a_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter(x / 10 for x in range(10_000))  # a frame every tenth of a second, never quiet
    monkeypatch.setattr(bluesky.time, "monotonic", lambda: next(clock))

    class Busy:
        received = 0

        def recv(self, timeout: float) -> bytes:
            self.received += 1
            return b"frame"

    platform = BlueskyPlatform(BlueskyConfig("http://x", "ws://x", "x", idle_seconds=0.5))
    frames = iter([(1, [("at://did:plc:a/app.bsky.feed.post/1", "did:plc:a", {})])])
    monkeypatch.setattr(platform.filter, "posts", lambda frame: next(frames, (2, [])))
    monkeypatch.setattr(platform, "_post", lambda uri, did, record: Post(uri, "hi", Author("a")))
    busy = Busy()
    first, second = itertools.islice(platform._frames(busy, None), 2)
    assert first.trigger is not None and second.idle and second.cursor == "2"
    # half a second of frames after the post, not the five seconds of the cursor's own tick
    assert busy.received < 10
