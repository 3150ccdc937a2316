"""Print how fast the stages are on this machine (one core): screens, the whole flow (the
pictures: bench/bench_art.py).

    .venv/bin/python bench/bench_pipeline.py [--posts 200]

Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from happybot.config import starter_campaign
from happybot.operate.breaker import CircuitBreaker
from happybot.pipeline.runner import Pipeline
from happybot.pipeline.screen import ScreenRunner
from happybot.platforms.registry import open_platform
from happybot.platforms.simulate import Simulator
from happybot.screens.base import ScreenContext, load_screens
from happybot.store.db import Store
from happybot.text.normalize import normalize


def bench_screens(n: int) -> None:
    campaign = starter_campaign()
    triggers = [i.trigger for i in Simulator("campaign", seed=7, size=n).listen(None) if i.trigger]
    started = time.perf_counter()
    for t in triggers:
        normalize(t.art_text)
    elapsed = time.perf_counter() - started
    print(f"normalise: {len(triggers) / elapsed:,.0f} posts/s")
    now = datetime.now(UTC)
    with ScreenRunner(load_screens(campaign)) as runner:
        started = time.perf_counter()
        for i in range(0, len(triggers), 32):
            runner.run(triggers[i : i + 32], ScreenContext(now, now + timedelta(seconds=60)))
        elapsed = time.perf_counter() - started
    rate = len(triggers) / elapsed
    print(f"every screen, the classifier too (batches of 32): {rate:,.0f} posts/s")


def bench_flow(n: int) -> None:
    campaign = starter_campaign()
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'b.db'}", b"bench")
        platform = open_platform(
            campaign,
            source="simulate:campaign",
            out_dir=Path(folder) / "out",
            now=store.clock(),
            size=n,
        )
        pipeline = Pipeline(
            campaign, store, platform, load_screens(campaign), watch=CircuitBreaker(store, campaign)
        )
        started = time.perf_counter()
        stats = pipeline.run()
        elapsed = time.perf_counter() - started
        pipeline.close()
    print(
        f"whole flow on SQLite, dry-run: {stats.received} posts in {elapsed:.1f} s "
        f"({stats.received / elapsed:.1f} posts/s, {stats.published} published)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()
    bench_screens(args.posts)
    bench_flow(args.posts)


if __name__ == "__main__":
    main()
