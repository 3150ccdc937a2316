"""Chaos: a listener with a standby and two workers on PostgreSQL and the local PDS, under load,
with processes killed at random, the PDS frozen for a while and a storm of 429s.

    .venv/bin/python bench/chaos.py [--posts 300] [--rate 4] [--kills 50] [--freeze 60]
                                    [--storm 20] [--pg URL] [--seed N]

1. Starts the local PDS (`services/bluesky-pds`), a bot account and people; a fresh PostgreSQL
   schema; a fault proxy in front of the PDS's HTTP API (the bot's writes go through it; the
   firehose does not); two `happybot listen` and two `happybot worker` processes, each restarted
   two seconds after it ends, as systemd's `Restart=always` would.
2. People post `--posts` posts that mention the bot with the campaign tag, at `--rate` a second.
   Meanwhile `--kills` times a random process gets SIGKILL at a random moment; once the PDS is
   frozen (SIGSTOP, `--freeze` seconds: unreachable, then back with everything it had), and
   once the proxy answers every write with 429 and a Retry-After for `--storm` seconds.
3. Waits until every post is judged and every reply sent, stops everything, and checks: every
   post that reached the PDS is stored once and has exactly one outcome; no post has two
   replies on the PDS (read back from the bot's repository); no reply stayed "sending" longer
   than its lease (sampled every second); `audit verify` passes. Prints a table.

Not part of the test suite (tests/cli/test_scale.py is its small, dry-run sibling).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from atproto import models
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, func, select, text

from happybot.pipeline.publish import LEASE
from happybot.platforms.simulate import Simulator
from happybot.store import audit, queries
from happybot.store.db import Store
from happybot.store.schema import AuditRow, FindingRow, OutboxRow, PostRow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.pds import Account, LocalPds

console = Console()
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEY = "chaos-key"
TAG = "MakeItHappy"
FINAL = ("published", "review", "rejected", "skipped")
WRITES = ("com.atproto.repo.createRecord", "com.atproto.repo.uploadBlob")


class FaultProxy(ThreadingHTTPServer):
    """Forwards to the PDS; while `storm` is set, answers the bot's writes with 429."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.storm = threading.Event()
        self.refused = 0
        self.client = httpx.Client(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(BaseHTTPRequestHandler):
    server: FaultProxy

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.storm.is_set() and any(w in self.path for w in WRITES):
            self.server.refused += 1
            self.send_response(429)
            self.send_header("Retry-After", "2")
            self.send_header("Content-Type", "application/json")
            payload = b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}'
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
        }
        try:
            answer = self.server.client.request(
                self.command, self.server.upstream + self.path, headers=headers, content=body
            )
        except httpx.HTTPError:
            self.send_error(502)
            return
        self.send_response(answer.status_code)
        for k, v in answer.headers.items():
            if k.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "content-encoding",
            ):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def _forward_quietly(self) -> None:
        # the bot may give up waiting (a timeout while the PDS was frozen)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._forward()

    do_GET = do_POST = _forward_quietly


class Supervised:
    """A happybot process started again two seconds after it ends, until told to stop."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name, self.argv, self.env, self.folder = name, argv, env, folder
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.stopping = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self.stopping:
            with self.lock:
                if self.stopping:
                    return
                log = (self.folder / f"{self.name}.log").open("ab")
                self.process = subprocess.Popen(
                    self.argv, env=self.env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
                )
                self.starts += 1
            self.process.wait()
            time.sleep(2)  # RestartSec=2

    def kill(self) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()

    def stop(self) -> int | None:
        with self.lock:
            self.stopping = True
            process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        return process.wait(timeout=120)


def campaign_file(folder: Path, pds: LocalPds, proxy: FaultProxy) -> Path:
    path = folder / "chaos.yaml"
    path.write_text(
        f"""
hashtag: "#{TAG}"
publish_delay_seconds: 0
behaviour:
  min_account_age_days: 0  # every account on the test PDS is seconds old
  duplicate_authors: 10000
  burst_posts: 100000
breaker:
  enabled: false  # its copilot would keep replies waiting: the mechanics are measured here
rate_limits:
  per_minute: 100000
  per_hour: 1000000
platform:
  kind: bluesky
  bluesky:
    service: {proxy.url}
    firehose: {pds.firehose}
    appview: null
    plc: {pds.plc}
"""
    )
    return path


def bot_replies(pds: LocalPds, bot: Account) -> Counter[str]:
    """Read back from the PDS: how many replies the bot has under each post."""
    client = pds.client(bot)
    replies: Counter[str] = Counter()
    cursor = None
    while True:
        page = client.com.atproto.repo.list_records(
            models.ComAtprotoRepoListRecords.Params(
                repo=bot.did, collection="app.bsky.feed.post", limit=100, cursor=cursor
            )
        )
        for record in page.records:
            reply = getattr(record.value, "reply", None)
            if reply is not None:
                replies[reply.parent.uri] += 1
        if not page.cursor or not page.records:
            return replies
        cursor = page.cursor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--freeze", type=float, default=60.0)
    parser.add_argument("--storm", type=float, default=20.0)
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    schema = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.pg)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{args.pg}?options=-csearch_path%3D{schema}"
    with LocalPds() as pds, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stamp = time.time_ns() % 10**8
        bot = pds.account(f"bot{stamp}")
        people = [pds.account(f"c{i}x{stamp}") for i in range(args.posts // 3 + 1)]
        proxy = FaultProxy(pds.url)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        campaign = campaign_file(folder, pds, proxy)
        store = Store.open(url, KEY.encode())
        with store.transaction() as session:  # the bot starts where the people's posts will
            queries.save_cursor(session, f"bluesky:{pds.firehose}", str(pds.head()), store.clock())
        env = {
            **os.environ,
            "HAPPYBOT_DB": url,
            "HAPPYBOT_AUDIT_KEY": KEY,
            "HAPPYBOT_BLUESKY_HANDLE": bot.handle,
            "HAPPYBOT_BLUESKY_APP_PASSWORD": bot.password,
        }
        cli = [sys.executable, "-m", "happybot"]
        fleet = [
            Supervised(name, [*cli, *argv, "--campaign", str(campaign)], env, folder)
            for name, argv in (
                ("listener-a", ["listen"]),
                ("listener-b", ["listen"]),
                ("worker-1", ["worker", "--batch-size", "8"]),
                ("worker-2", ["worker", "--batch-size", "8"]),
            )
        ]
        for p in fleet:
            p.thread.start()
        time.sleep(6)  # started, logged in, listening

        # a sampler: replies "sending" for longer than their lease
        stuck: set[int] = set()
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                with store.transaction() as session:
                    now = store.clock()
                    rows = session.execute(
                        select(OutboxRow.id).where(
                            OutboxRow.state == "sending", OutboxRow.claimed_at < now - LEASE
                        )
                    ).scalars()
                    stuck.update(rows)
                sampling.wait(1.0)

        threading.Thread(target=sample, daemon=True).start()

        texts = [
            " ".join(w for w in line["text"].split() if not w.startswith("#"))
            for line in Simulator("ordinary", seed=args.seed, size=args.posts).as_lines()
        ]
        sent: dict[str, float] = {}
        failed_posts = 0
        posting_seconds = args.posts / args.rate

        def poster() -> None:
            nonlocal failed_posts
            start = time.monotonic()
            for i in range(args.posts):
                time.sleep(max(0.0, start + i / args.rate - time.monotonic()))
                who = people[i % len(people)]
                for _ in range(120):  # the PDS may be frozen: the person tries again
                    try:
                        uri = pds.post(who, f"@{bot.handle} {texts[i]} #{TAG}", mentions=(bot,))
                    except Exception:  # a timeout while frozen, say
                        time.sleep(1)
                        continue
                    sent[uri] = time.monotonic()
                    break
                else:
                    failed_posts += 1

        posting = threading.Thread(target=poster, daemon=True)
        posting.start()

        # the faults, at random moments of the posting window
        kills: Counter[str] = Counter()
        window = posting_seconds + args.freeze + args.storm
        moments = sorted(rng.uniform(2, window) for _ in range(args.kills))
        freeze_at, storm_at = window * 0.3, window * 0.65
        events = [(t, "kill") for t in moments] + [(freeze_at, "freeze"), (storm_at, "storm")]
        began = time.monotonic()
        for at, what in sorted(events):
            time.sleep(max(0.0, began + at - time.monotonic()))
            if what == "kill":
                victim = rng.choice(fleet)
                kills[victim.name.split("-")[0]] += 1
                victim.kill()
            elif what == "freeze":
                console.print(f"[yellow]freezing the PDS for {args.freeze:g} s[/]")
                assert pds.process is not None
                os.killpg(pds.process.pid, signal.SIGSTOP)
                time.sleep(args.freeze)
                os.killpg(pds.process.pid, signal.SIGCONT)
            else:
                console.print(f"[yellow]429 storm for {args.storm:g} s[/]")
                proxy.storm.set()
                time.sleep(args.storm)
                proxy.storm.clear()
        posting.join()
        console.print(f"{len(sent)} posts made; waiting for the bot to finish")

        def settled() -> bool:
            with store.transaction() as session:
                stored = session.execute(select(func.count()).select_from(PostRow)).scalar_one()
                open_ = session.execute(
                    select(func.count()).select_from(PostRow).where(PostRow.state.not_in(FINAL))
                ).scalar_one()
                unsent = session.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.state.in_(("pending", "sending")))
                ).scalar_one()
            return stored >= len(sent) and open_ == 0 and unsent == 0

        deadline = time.monotonic() + 600
        while not settled() and time.monotonic() < deadline:
            time.sleep(1)
        sampling.set()
        exits = {p.name: p.stop() for p in fleet}

        with store.transaction() as session:
            rows = session.execute(select(PostRow.trigger_key, PostRow.state)).all()
            unsent_rows = session.execute(
                select(OutboxRow.state, func.count())
                .where(OutboxRow.state.in_(("pending", "sending")))
                .group_by(OutboxRow.state)
            ).all()
            chain = audit.verify(session, store.audit_key)
            gave_up = session.execute(
                select(func.count()).select_from(AuditRow).where(AuditRow.kind == "publish-failed")
            ).scalar_one()
            why_held = Counter(
                f"{screen}/{label}"
                for screen, label in session.execute(
                    select(FindingRow.screen, FindingRow.label)
                    .join(PostRow, PostRow.id == FindingRow.post_id)
                    .where(PostRow.state == "review", FindingRow.risk >= 0.5)
                )
            )
        stored = Counter(key.removeprefix("bluesky:") for key, _ in rows)
        outcomes = Counter(state for _, state in rows)
        lost = [u for u in sent if u not in stored]
        # a post whose making timed out while the PDS was frozen, made again by its person
        unrecorded = [u for u in stored if u not in sent]
        twice_stored = [u for u, n in stored.items() if n > 1]
        on_pds = bot_replies(pds, bot)
        doubles = [u for u, n in on_pds.items() if n > 1]
        starts = {p.name: p.starts for p in fleet}
        store.close()

        table = Table(
            "measure",
            "value",
            title="chaos: listener + standby, two workers, PostgreSQL, local PDS",
        )
        table.add_row(
            "posts made on the PDS",
            str(len(sent)) + (f" ({failed_posts} failed)" if failed_posts else ""),
        )
        table.add_row(
            "kills (SIGKILL)",
            f"{sum(kills.values())}: " + ", ".join(f"{k} {v}" for k, v in sorted(kills.items())),
        )
        table.add_row("process starts", ", ".join(f"{k} {v}" for k, v in starts.items()))
        table.add_row(
            "PDS frozen / 429 storm",
            f"{args.freeze:g} s / {args.storm:g} s ({proxy.refused} writes refused)",
        )
        table.add_row(
            "posts stored",
            f"{len(stored)} ({len(unrecorded)} made twice by a person after a timeout)",
        )
        table.add_row("posts lost", f"[{'red' if lost else 'green'}]{len(lost)}[/]")
        table.add_row(
            "posts stored twice", f"[{'red' if twice_stored else 'green'}]{len(twice_stored)}[/]"
        )
        table.add_row("outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        table.add_row(
            "held for review, why", ", ".join(f"{k} {v}" for k, v in why_held.most_common(4)) or "-"
        )
        table.add_row("replies given up after retries (back to review)", str(gave_up))
        table.add_row("replies on the PDS", str(sum(on_pds.values())))
        table.add_row(
            "posts with two replies", f"[{'red' if doubles else 'green'}]{len(doubles)}[/]"
        )
        table.add_row(
            "replies 'sending' past the lease", f"[{'red' if stuck else 'green'}]{len(stuck)}[/]"
        )
        table.add_row("left pending or sending", str(dict(unsent_rows)) if unsent_rows else "0")
        table.add_row(
            "audit chain", "verified" if chain.ok else f"[red]broken at {chain.broken_at}[/]"
        )
        # -9: the process had just been killed by the harness and was waiting to restart
        table.add_row("last exit codes (SIGTERM at the end)", json.dumps(exits))
        console.print(table)
        ok = not (lost or twice_stored or doubles or stuck or unsent_rows) and chain.ok
        ok = ok and outcomes.get("received", 0) == 0
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        proxy.shutdown()
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
