"""How fast the dashboard serves the review queue page with many posts waiting.

    taskset -c 1 .venv/bin/python bench/bench_dashboard.py [--waiting 10000] [--db URL]

Fills a fresh store (SQLite in a temporary folder, or an empty PostgreSQL database you made
for it) with posts waiting for review, each with findings, a decision and a picture, as the
pipeline leaves them; then asks for `/queue` (the page a reviewer opens: the first 50, oldest
first, with the counters in the header), `/api/queue` and `/` over the app in process, and
prints the median and p95 time of each. Target: the page in under 100 ms with 10,000 waiting.

Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import track

from happybot.art.draw import render_art
from happybot.models import Author, Decision, Finding, Post, Target, Trigger, Verdict
from happybot.operate import users
from happybot.operate.users import Role
from happybot.pipeline.runner import Pipeline
from happybot.platforms.dryrun import DryRunPlatform
from happybot.platforms.replay import ReplaySource
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import ArtworkRow, PostRow
from happybot.testing import make_campaign
from happybot.web.app import create_app

console = Console()
PASSWORD = "benchmark password"


def fill(store: Store, waiting: int) -> None:
    art = render_art("what a sh!tty day", shape="heart")
    start = datetime.now(UTC) - timedelta(hours=2)
    batch = 500
    for first in track(range(0, waiting, batch), description="filling", console=console):
        with store.transaction() as session:
            for n in range(first, min(waiting, first + batch)):
                author = Author(f"user{n % 997}.example", created_at=start - timedelta(days=400))
                post = Post(f"p{n}", f"what a sh!tty day number {n} #MakeItHappy", author)
                trigger = Trigger("bench", post)
                row = PostRow(
                    trigger_key=trigger.key,
                    platform="bench",
                    author_handle=author.handle,
                    parent_key=None,
                    trigger_json=trigger.to_json(),
                    canonical_text=post.text.lower(),
                    content_hash=f"{n:064x}",
                    received_at=start + timedelta(milliseconds=n),
                    state="review",
                )
                session.add(row)
                session.flush()
                finding = Finding(
                    "lexicon", "profanity", 0.5, Target.POST, (6, 12), "profanity term 'shitty'"
                )
                queries.save_findings(session, row.id, "input", [finding])
                verdict = Verdict(Decision.REVIEW, ("review: lexicon/profanity risk 0.50",))
                queries.save_decision(session, row.id, "input", verdict, row.received_at)
                session.add(
                    ArtworkRow(
                        post_id=row.id,
                        sha256=art.sha256,
                        png=art.png,
                        alt_text=art.alt_text,
                        shape=art.shape,
                        rows="[]",
                        width=art.width,
                        height=art.height,
                        reply_text="@someone here's something happy #MakeItHappy",
                    )
                )


def timed(client: TestClient, path: str, repeat: int) -> list[float]:
    client.get(path)  # warm: templates, caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text[:200]
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--db", help="an empty database made for this (default: SQLite in a temporary folder)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        store = Store.open(url, b"bench")
        fill(store, args.waiting)
        campaign = make_campaign()
        users.add_user(store, f"bench{time.time_ns()}", Role.REVIEWER, PASSWORD, actor="bench")
        name = users.list_users(store)[-1].name
        (Path(folder) / "none.jsonl").write_text("")
        platform = DryRunPlatform(ReplaySource(Path(folder) / "none.jsonl"), Path(folder) / "out")
        Pipeline(campaign, store, platform, []).ensure_mode()
        client = TestClient(create_app(store, campaign, lambda: platform, secret_key="bench"))
        client.post("/api/login", json={"name": name, "password": PASSWORD})
        for path in ("/queue", "/api/queue", "/"):
            times = timed(client, path, args.repeat)
            console.print(
                f"{path} with {args.waiting:,} waiting ({url.split(':')[0]}): "
                f"median {statistics.median(times) * 1000:.1f} ms, "
                f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms"
            )
        store.close()


if __name__ == "__main__":
    main()
