"""Print how fast the stages are on this machine (one core): render, screens, the whole flow.

    .venv/bin/python bench/bench_pipeline.py [--posts 200]

Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from happybot.art.draw import render_art
from happybot.config import starter_campaign
from happybot.pipeline.normalize import normalize
from happybot.pipeline.runner import Pipeline
from happybot.pipeline.screen import ScreenRunner
from happybot.platforms.registry import open_platform
from happybot.platforms.simulate import Simulator
from happybot.screens.base import ScreenContext, load_screens
from happybot.store.db import Store


def bench_render(n: int) -> None:
    text = "My train is late again and it is raining, what a Monday, honestly"
    render_art(text, shape="heart")  # font loading, caches
    times = []
    tracemalloc.start()
    for i in range(n):
        started = time.perf_counter()
        render_art(f"{text} {i}", shape="heart", hashtag="#MakeItHappy", brand_line="brand line")
        times.append(time.perf_counter() - started)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc sees Python's allocations only; Pillow's image buffers show in the RSS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"render 1080x1080 PNG: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {sorted(times)[int(n * 0.95)] * 1000:.1f} ms, peak traced Python memory "
        f"{peak / 1e6:.1f} MB, peak process RSS so far {rss:.0f} MB"
    )


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
    print(f"lexicon + behaviour screens (batches of 32): {len(triggers) / elapsed:,.0f} posts/s")


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
        pipeline = Pipeline(campaign, store, platform, load_screens(campaign))
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
    bench_render(50)
    bench_screens(args.posts)
    bench_flow(args.posts)


if __name__ == "__main__":
    main()
