"""From a person's post to the bot's reply on a local PDS, and how fast the firehose is read.

    .venv/bin/python bench/bench_bluesky.py [--posts 200] [--rate 10 | --rates 5,10,15,20]
                                            [--workers N [--pg URL]]

1. Starts the local PDS (`services/bluesky-pds`), the bot (the whole pipeline with the Bluesky
   adapter, SQLite, publish delay 0; with `--workers N` a listener and N workers on
   PostgreSQL, as threads) and a watcher on the firehose.
2. People post `--posts` posts with the campaign hashtag at `--rate` per second, from several
   threads at the set times (never a catch-up burst), and as many without it (on the real
   network most posts are not for the bot); with `--rates` at each rate in turn, a sweep that
   says where p99 passes 1.5 s and which part of the path grew. The watcher notes when each
   reply appears on the firehose. Per rate: p50 and p99 of post → reply (the posts the screens
   hold get no reply and are not timed), and where the time goes: from a firehose reader
   seeing a post to the bot storing it, and from then to its reply recorded (the bot's store).
3. Replays every firehose frame the watcher recorded through the adapter's decoder and filter
   (`FirehoseFilter`), and through the atproto SDK's own frame parsing, message models and CAR
   reader, on one core: events per second of each (target: the adapter ≥ 5,000 events/s).
   The recorded frames are the campaign's posts, the bot's replies and the posts without the
   hashtag: the real firehose has far more frames without the tag, which the filter drops
   before opening their CAR, so these rates are a floor.

Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from atproto import CAR, firehose_models, models, parse_subscribe_repos_message
from rich.console import Console
from rich.progress import track
from rich.table import Table
from sqlalchemy import create_engine, select, text
from websockets.sync.client import connect

from happybot.operate import review
from happybot.operate.breaker import CircuitBreaker
from happybot.pipeline.roles import Listener, Worker
from happybot.pipeline.runner import Pipeline
from happybot.platforms.bluesky import BlueskyConfig, BlueskyPlatform, FirehoseFilter
from happybot.platforms.simulate import Simulator
from happybot.screens.base import load_screens
from happybot.store.db import Store
from happybot.store.processes import Heartbeat, register
from happybot.store.schema import OutboxRow, PostRow
from happybot.testing import make_campaign

# the PDS harness lives with the tests (the bot never uses it): importable from the checkout
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.pds import LocalPds

console = Console()
TAG = "MakeItHappy"


class Watcher(threading.Thread):
    """Records every frame of the firehose, and when each of the bot's replies appears."""

    def __init__(self, firehose: str, bot: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{firehose}/xrpc/com.atproto.sync.subscribeRepos"
        self.bot, self.frames = bot, list[bytes]()
        self.replied: dict[str, float] = {}  # parent uri -> when its reply was seen
        self.seen: dict[str, float] = {}  # uri of a campaign post -> when it was seen
        self.seen_at: dict[str, float] = {}  # the same, as Unix time (to compare with the store)
        self.filter = FirehoseFilter(TAG.lower())
        self.stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        with connect(self.url, max_size=None) as socket:
            self.ready.set()
            while not self.stop.is_set():
                try:
                    frame = socket.recv(timeout=0.5)
                except TimeoutError:
                    continue
                assert isinstance(frame, bytes)
                self.frames.append(frame)
                for uri, did, record in self.filter.posts(frame)[1]:
                    if did == self.bot and record.get("reply"):
                        self.replied[record["reply"]["parent"]["uri"]] = time.monotonic()
                    elif did != self.bot:
                        self.seen[uri] = time.monotonic()
                        self.seen_at[uri] = time.time()


def sdk_decode(frames: list[bytes]) -> int:
    """What a client built on the SDK does with each frame: parse it into the SDK's models and
    open the commit's CAR to read the new posts."""
    kept = 0
    for raw in frames:
        frame = firehose_models.Frame.from_bytes(raw)
        if not isinstance(frame, firehose_models.MessageFrame):
            continue
        message = parse_subscribe_repos_message(frame)
        if not isinstance(message, models.ComAtprotoSyncSubscribeRepos.Commit):
            continue
        if not message.blocks:
            continue
        car = CAR.from_bytes(message.blocks)
        for op in message.ops:
            if op.action == "create" and op.path.startswith("app.bsky.feed.post/") and op.cid:
                record = car.blocks.get(op.cid)
                if record and f"#{TAG}".lower() in str(record.get("text", "")).lower():
                    kept += 1
    return kept


def ours(frames: list[bytes]) -> int:
    check = FirehoseFilter(TAG.lower())
    return sum(len(check.posts(raw)[1]) for raw in frames)


def rate(name: str, fn: Any, frames: list[bytes], seconds: float = 3.0) -> None:
    fn(frames)  # warm
    rounds, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        kept = fn(frames)
        rounds += 1
    elapsed = time.perf_counter() - started
    console.print(
        f"{name}: {rounds * len(frames) / elapsed:,.0f} events/s "
        f"({len(frames):,} recorded frames, {kept} campaign posts found per pass)"
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument(
        "--rates", default="", help="a sweep, e.g. 5,10,15,20 (default: --rate alone)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="0: one `happybot run`; N: a listener, N workers"
    )
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r.strip()] or [args.rate]
    texts = [
        " ".join(w for w in line["text"].split() if not w.startswith("#"))
        for line in Simulator("ordinary", seed=3, size=2 * args.posts * len(rates)).as_lines()
    ]
    with LocalPds() as pds, tempfile.TemporaryDirectory() as folder:
        stamp = time.time_ns() % 10**8
        bot = pds.account(f"bot{stamp}")
        # enough people that nobody passes the campaign's posts-per-hour limit (nor the three
        # replies a person gets a day)
        people = [pds.account(f"p{i}x{stamp}") for i in range(args.posts // 3 + 1)]
        # the latency of the flow, not the campaign's policy: 200 posts in 20 s from a small
        # pool of texts would look coordinated and like a burst, trip the breaker, and pass the
        # default publishing limits (10 replies a minute)
        campaign = make_campaign(
            publish_delay_seconds=0,
            behaviour={
                "min_account_age_days": 0,
                "duplicate_authors": 10_000,
                "burst_posts": 10_000,
                "max_posts_per_hour": 10_000,  # each person posts once or more a rate
            },
            etiquette={"replies_per_person_per_day": 1_000},
            breaker={"enabled": False},
            rate_limits={"per_minute": 100_000, "per_hour": 1_000_000},
        )

        def bluesky() -> BlueskyPlatform:
            return BlueskyPlatform(
                BlueskyConfig(
                    service=pds.url,
                    firehose=pds.firehose,
                    hashtag=TAG.lower(),
                    handle=bot.handle,
                    password=bot.password,
                    plc=pds.plc,
                    idle_seconds=0.05,
                )
            )

        stop = threading.Event()
        if args.workers:
            # the scaled set-up: a listener and workers on PostgreSQL (threads of this process)
            schema = f"bench_{stamp}"
            admin = create_engine(args.pg)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            url = f"{args.pg}?options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        store = Store.open(url, b"bench-key")
        platform = bluesky()
        pipeline = Pipeline(
            campaign,
            store,
            platform,
            load_screens(campaign) if not args.workers else (),
            batch_size=8,
            watch=CircuitBreaker(store, campaign),
        )
        roles: list[Any] = []
        if args.workers:
            roles.append(Listener(pipeline, stop=stop))
            for _ in range(args.workers):
                s = Store.open(url, b"bench-key")
                ident = register(s, "worker")
                roles.append(
                    Worker(
                        Pipeline(
                            campaign,
                            s,
                            bluesky(),
                            load_screens(campaign),
                            batch_size=8,
                            watch=CircuitBreaker(s, campaign),
                            owner=ident,
                        ),
                        Heartbeat(s, ident, "worker").__enter__(),
                        stop,
                    )
                )
        watcher = Watcher(pds.firehose, bot.did)
        watcher.start()
        watcher.ready.wait(10)
        bots = [threading.Thread(target=r.run, daemon=True) for r in roles] or [
            threading.Thread(target=pipeline.run, daemon=True)
        ]
        for t in bots:
            t.start()
        time.sleep(2)  # the bot is connected and at the live tail
        for i in range(len(people)):
            pds.client(people[i])  # logged in before the clock starts

        def pct(values: list[float], q: float) -> float:
            return values[max(0, int(len(values) * q) - 1)] * 1000 if values else float("nan")

        def phase(rate: float, offset: int) -> dict[str, float]:
            """`args.posts` posts at `rate` a second; the post → reply times and where they go."""
            sent: dict[str, float] = {}
            step, started = 1 / rate, time.monotonic()

            def person_posts(i: int) -> None:
                # people post at once, as on the network: each post at its own time, never a
                # catch-up burst (a PDS slow to take one post does not crowd the next ones)
                time.sleep(max(0.0, started + i * step - time.monotonic()))
                who = people[i % len(people)]
                # asked of the bot, as Bluesky's opt-in rule has it: a mention of its account
                text = texts[offset + i]
                uri = pds.post(who, f"@{bot.handle} {text} #{TAG}", mentions=(bot,))
                sent[uri] = posted[uri] = time.monotonic()
                pds.post(who, f"{texts[-1 - offset - i]} (no hashtag)")

            with ThreadPoolExecutor(8) as pool:
                for _ in track(
                    pool.map(person_posts, range(args.posts)),
                    total=args.posts,
                    description=f"posting at {rate:g}/s",
                    console=console,
                ):
                    pass
            achieved = len(sent) / (time.monotonic() - started)
            deadline = time.monotonic() + 30
            while (
                sum(u in watcher.replied for u in sent) < len(sent) and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            replies = sorted(
                watcher.replied[u] - t for u, t in sent.items() if u in watcher.replied
            )
            with store.transaction() as session:
                rows = [
                    r
                    for r in session.execute(select(PostRow)).scalars()
                    if r.trigger_key.removeprefix("bluesky:") in sent
                ]
                sent_at = dict(
                    session.execute(
                        select(OutboxRow.post_id, OutboxRow.sent_at).where(
                            OutboxRow.post_id.in_([r.id for r in rows])
                        )
                    ).all()
                )
            inside = sorted(
                (done - r.received_at).total_seconds()
                for r in rows
                if (done := sent_at.get(r.id)) is not None
            )
            heard = sorted(
                r.received_at.timestamp() - watcher.seen_at[u]
                for r in rows
                if (u := r.trigger_key.removeprefix("bluesky:")) in watcher.seen_at
            )
            return {
                "rate": rate,
                "achieved": achieved,
                "answered": len(replies),
                "posts": len(sent),
                "p50": pct(replies, 0.5),
                "p99": pct(replies, 0.99),
                "heard_p99": pct(heard, 0.99),
                "inside_p99": pct(inside, 0.99),
            }

        posted: dict[str, float] = {}
        results = []
        for n, per_second in enumerate(rates):
            results.append(phase(per_second, n * args.posts))
            time.sleep(3)  # the queue empties between rates
        watcher.stop.set()
        platform.close()
        stop.set()
        for t in bots:
            t.join(timeout=30)
        hops = sorted(watcher.seen[u] - t for u, t in posted.items() if u in watcher.seen)
        if hops:
            console.print(
                f"post → seen on the PDS firehose (one hop): p50 "
                f"{statistics.median(hops) * 1000:.0f} ms, p99 {pct(hops, 0.99):.0f} ms"
            )
        who_runs = (
            f"a listener and {args.workers} workers" if args.workers else "one `happybot run`"
        )
        table = Table(
            "rate/s",
            "achieved",
            "answered",
            "p50 ms",
            "p99 ms",
            "firehose → stored p99",
            "stored → reply p99",
            title=f"post → reply on the local PDS ({who_runs}, {args.posts} posts a rate)",
        )
        for r in results:
            table.add_row(
                f"{r['rate']:g}",
                f"{r['achieved']:.1f}",
                f"{r['answered']:.0f}/{r['posts']:.0f}",
                f"{r['p50']:.0f}",
                f"{r['p99']:.0f}",
                f"{r['heard_p99']:.0f}",
                f"{r['inside_p99']:.0f}",
            )
        console.print(table)
        # where it saturates: the first rate the people could not reach, or whose p99 passes
        # the 1.5 s bar; and which part of the path grew
        for r in results:
            if r["achieved"] < 0.95 * r["rate"]:
                console.print(
                    f"saturates at {r['rate']:g}/s: the PDS takes only {r['achieved']:.1f} "
                    "posts a second from the people (it shares this machine's cores with the bot)"
                )
                break
            if r["p99"] > 1500:
                part = (
                    "reading the firehose (the bot's loop is busy drawing and sending while "
                    "posts wait on its connection)"
                    if r["heard_p99"] >= r["inside_p99"]
                    else "inside the bot (posts wait for drawing and sending)"
                )
                console.print(
                    f"saturates at {r['rate']:g}/s: p99 {r['p99']:.0f} ms > 1,500 ms; "
                    f"the time grows {part}"
                )
                break
        else:
            console.print(f"no saturation up to {results[-1]['rate']:g}/s (p99 ≤ 1,500 ms)")
        held = Counter(
            f"{f.screen}/{f.label}"
            for item in review.queue(store, limit=1000)
            for f in item.findings
        )
        if held:
            console.print(f"why the others wait for review: {dict(held.most_common(5))}")
        frames = watcher.frames
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # the decoding: on one core
        rate("firehose decode + filter, happybot's FirehoseFilter", ours, frames)
        rate("firehose decode + filter, atproto SDK models + CAR", sdk_decode, frames)
        store.close()
        if args.workers:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
