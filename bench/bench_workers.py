"""How fast the whole flow goes with one process, and with 1, 2, … workers sharing PostgreSQL.

    .venv/bin/python bench/bench_workers.py [--posts 1200] [--workers 1,2] [--pg URL]

1. `happybot run` alone, pinned to one core (`taskset -c 0`), dry-run, SQLite: the embedded
   default's posts per second.
2. For each count of workers: a fresh PostgreSQL schema, the posts stored by `happybot listen`
   first (so that what is timed is the judging, drawing and publishing), then that many
   `happybot worker --dry-run` processes started together, each pinned to a core of its own
   where the machine has one; timed from the first post judged until every post is judged
   and every reply sent.
3. A profile of one post's path in the single process (where the milliseconds go).

The traffic is the simulator's everyday posts (`simulate:ordinary`), with the campaign's burst
rule raised out of the way (a peak is what is measured, not a raid), the breaker off (its
copilot would keep replies waiting) and the publish delay at 0.

Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, func, select, text

from happybot.config import starter_campaign_text
from happybot.platforms.simulate import Simulator
from happybot.store.db import Store
from happybot.store.schema import OutboxRow, PostRow

console = Console()
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEY = "bench-key"


def campaign_file(folder: Path) -> Path:
    body = starter_campaign_text().replace("publish_delay_seconds: 120", "publish_delay_seconds: 0")
    body = body.replace("  burst_posts: 40", "  burst_posts: 1000000")
    # the simulator's everyday traffic at this rate has its near-duplicates: the breaker's
    # copilot would keep replies waiting for people, and the outbox would never drain
    body = body.replace("breaker:\n  enabled: true", "breaker:\n  enabled: false")
    assert "burst_posts: 1000000" in body and "enabled: false" in body
    path = folder / "bench.yaml"
    path.write_text(body)
    return path


def happybot(*args: str, cores: str | None = None) -> list[str]:
    pin = ["taskset", "-c", cores] if cores is not None else []
    return [*pin, sys.executable, "-m", "happybot", *args]


def _span(store: Store) -> tuple[float, int]:
    """Seconds from the first post taken in to the last reply sent, and the posts judged."""
    with store.transaction() as session:
        first = session.execute(select(func.min(PostRow.received_at))).scalar_one()
        last = session.execute(select(func.max(OutboxRow.sent_at))).scalar_one()
        judged = session.execute(
            select(func.count()).select_from(PostRow).where(PostRow.state != "received")
        ).scalar_one()
    return (last - first).total_seconds(), int(judged)


def single(folder: Path, campaign: Path, posts: Path) -> tuple[float, int]:
    url = f"sqlite:///{folder / 'single.db'}"
    subprocess.run(
        happybot(
            "run",
            "--campaign",
            str(campaign),
            "--source",
            f"replay:{posts}",
            "--dry-run",
            "--out",
            str(folder / "single-out"),
            "--db",
            url,
            "--json",
            cores="0",
        ),
        capture_output=True,
        check=True,
        env={**os.environ, "HAPPYBOT_AUDIT_KEY": KEY},
    )
    store = Store.open(url, KEY.encode())
    try:
        return _span(store)  # the start-up (imports, the model) is not counted
    finally:
        store.close()


def workers(folder: Path, campaign: Path, posts: Path, n: int, pg: str) -> tuple[float, int]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{pg}?options=-csearch_path%3D{schema}"
    env = {**os.environ, "HAPPYBOT_DB": url, "HAPPYBOT_AUDIT_KEY": KEY}
    try:
        # the posts are stored first: what is timed is judging, drawing and publishing
        subprocess.run(
            happybot("listen", "--campaign", str(campaign), "--source", f"replay:{posts}"),
            check=True,
            capture_output=True,
            env=env,
        )
        store = Store.open(url, KEY.encode())
        cores = os.cpu_count() or 1
        procs = [
            subprocess.Popen(
                happybot(
                    "worker",
                    "--campaign",
                    str(campaign),
                    "--dry-run",
                    "--out",
                    str(folder / f"out-{schema}"),
                    cores=str(k % cores),
                ),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for k in range(n)
        ]

        def left() -> tuple[int, int]:
            with store.transaction() as session:
                waiting = session.execute(
                    select(func.count()).select_from(PostRow).where(PostRow.state == "received")
                ).scalar_one()
                unsent = session.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.state.in_(("pending", "sending")))
                ).scalar_one()
            return int(waiting), int(unsent)

        total = left()[0]
        deadline = time.monotonic() + 900
        while left()[0] == total:  # the workers' start-up is not counted
            time.sleep(0.02)
        started = time.perf_counter()
        while left() != (0, 0):
            if time.monotonic() > deadline:
                raise SystemExit(f"the workers did not finish: {left()} left")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        store.close()
        return elapsed, total
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def profile(campaign_path: Path, posts: Path, folder: Path) -> None:
    """One process, the profiler on: milliseconds per post in each stage."""
    from happybot.config import load_campaign
    from happybot.pipeline.runner import Pipeline
    from happybot.platforms.registry import open_platform
    from happybot.screens.base import load_screens

    campaign = load_campaign(campaign_path)
    store = Store.open(f"sqlite:///{folder / 'profile.db'}", KEY.encode())
    platform = open_platform(
        campaign, source=f"replay:{posts}", dry_run=True, out_dir=folder / "p", now=store.clock()
    )
    pipeline = Pipeline(campaign, store, platform, load_screens(campaign))
    profiler = cProfile.Profile()
    profiler.enable()
    stats = pipeline.run()
    profiler.disable()
    n = max(1, stats.received)
    by = {
        f"{Path(k[0]).name}:{k[2]}": v[3]
        for k, v in pstats.Stats(profiler).stats.items()  # type: ignore[attr-defined]
    }
    stages = [
        ("take in (store the post, the cursor)", "runner.py:ingest"),
        ("screens (lexicon, behaviour, classifier, …)", "screen.py:run"),
        ("draw the picture", "render.py:render"),
        ("output screen (what the picture shows)", "output_screen.py:screen_output_parts"),
        ("record the judgement, route", "runner.py:_save_judgements"),
        ("publish (claim, send, record)", "publish.py:run"),
        ("  of which the audit chain", "db.py:record"),
    ]
    total = sum(v for k, v in by.items() if k == "runner.py:run")
    table = Table("stage", "ms per post", "share", title=f"one post's path ({n} posts, profiled)")
    for label, key in stages:
        seconds = by.get(key, 0.0)
        table.add_row(label, f"{seconds / n * 1000:.1f}", f"{seconds / total:.0%}")
    table.add_row("whole flow", f"{total / n * 1000:.1f}", "100%")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1200)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--pg", default=PG)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        campaign = campaign_file(folder)
        posts = folder / "posts.jsonl"
        lines = Simulator("ordinary", seed=11, size=args.posts).as_lines()
        posts.write_text("".join(json.dumps(line) + "\n" for line in lines))
        table = Table("set-up", "posts", "seconds", "posts/s", title="whole flow, dry-run")
        seconds, n = single(folder, campaign, posts)
        table.add_row(
            "happybot run, SQLite, one core", str(n), f"{seconds:.1f}", f"{n / seconds:.1f}"
        )
        for k in (int(x) for x in re.split(r"[, ]+", args.workers) if x):
            seconds, n = workers(folder, campaign, posts, k, args.pg)
            table.add_row(
                f"{k} worker{'s' if k > 1 else ''}, PostgreSQL",
                str(n),
                f"{seconds:.1f}",
                f"{n / seconds:.1f}",
            )
        console.print(table)
        profile(campaign, posts, folder)


if __name__ == "__main__":
    main()
