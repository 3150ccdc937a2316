"""Print what the reply pictures cost and how often the output screen holds a harmless one.

    taskset -c 1 .venv/bin/python bench/bench_art.py [--pictures 160] [--texts 1500]
        [--dynabench ../shared/data/dynabench/db_dev.csv]

Render: every shape in turn with the simulator's ordinary texts, at 1080×1080 and 1200×675,
PNG encoding included: median and p95 time per picture, mean PNG size, and peak memory (Python's
own allocations by tracemalloc, and the process's peak RSS, which includes Pillow's buffers).

Output screen: ordinary texts drawn in the shape the campaign would choose, read by the output
screen with the bundled lexicon; the share held for a person, by reading (rows, columns, first
letters). `--dynabench` adds the data set's "nothate" texts, which mention identity groups far
more than ordinary posts do (texts whose own words the lexicon flags are left out: the input
screens judge those).

Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import track

from happybot.art.draw import render_art
from happybot.art.shapes import SHAPES
from happybot.models import Target
from happybot.pipeline.output_screen import screen_output
from happybot.pipeline.render import render_screened
from happybot.platforms.simulate import Simulator
from happybot.screens.lexicon import LexiconScreen
from happybot.testing import make_campaign, make_trigger

console = Console()
SIZES = {"square 1080×1080": (1080, 1080), "landscape 1200×675": (1200, 675)}


def ordinary_texts(n: int, seed: int = 5) -> list[str]:
    lines = Simulator("ordinary", seed=seed, size=n).as_lines()
    return [" ".join(w for w in line["text"].split() if not w.startswith("#")) for line in lines]


def bench_render(texts: list[str], pictures: int) -> None:
    shapes = sorted(SHAPES)
    for label, (width, height) in SIZES.items():
        render_art(texts[0], shape=shapes[0], width=width, height=height)  # font, caches
        times, sizes = [], []
        tracemalloc.start()
        for i in track(range(pictures), description=f"render {label}", console=console):
            started = time.perf_counter()
            art = render_art(
                texts[i % len(texts)],
                shape=shapes[i % len(shapes)],
                width=width,
                height=height,
                hashtag="#MakeItHappy",
                brand_line="Turning grumbles into something happy",
            )
            times.append(time.perf_counter() - started)
            sizes.append(len(art.png))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        times.sort()
        console.print(
            f"{label}: median {statistics.median(times) * 1000:.1f} ms, "
            f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms per picture, "
            f"PNG {statistics.mean(sizes) / 1000:.0f} KB, peak traced Python memory "
            f"{peak / 1e6:.1f} MB, peak process RSS {rss:.0f} MB"
        )


def bench_output_screen(name: str, texts: list[str]) -> None:
    lexicon = LexiconScreen()
    shapes = tuple(SHAPES)
    held, where = 0, Counter[str]()
    for i, text in enumerate(track(texts, description=f"output screen, {name}", console=console)):
        art = render_art(text, shapes=shapes, seed=str(i))
        findings = screen_output(art, "hi", lexicon, inputs=[text])
        held += bool(findings)
        where.update({f.why.split(":")[0].rstrip("0123456789 ") for f in findings})
    share = held / max(1, len(texts))
    console.print(
        f"output screen, {name}: {held} of {len(texts)} held for a person ({share:.2%})"
        + (f"; by reading: {dict(where)}" if where else "")
    )


def bench_redrawn(name: str, texts: list[str]) -> None:
    """The same texts through the pipeline's drawing (pipeline.render.render_screened): a word
    that only the layout made is drawn again with another layout; what is still held is held
    whatever the drawing, and the redraws' cost shows in the time."""
    campaign = make_campaign()
    lexicon = LexiconScreen(campaign)
    held, started = 0, time.perf_counter()
    for i, text in enumerate(track(texts, description=f"redrawn, {name}", console=console)):
        trigger = make_trigger(text, id=f"t{i}")
        _, _, findings = render_screened(trigger, campaign, lexicon)
        held += bool(findings)
    elapsed = time.perf_counter() - started
    console.print(
        f"with redraws, {name}: {held} of {len(texts)} held for a person "
        f"({held / max(1, len(texts)):.2%}), {1000 * elapsed / max(1, len(texts)):.1f} ms a post"
    )


def dynabench_texts(path: Path, n: int) -> list[str]:
    lexicon = LexiconScreen()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row["text"] for row in csv.DictReader(handle) if row["label"] == "nothate"]
    return [t for t in rows if not lexicon.scan(t, Target.POST)][:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pictures", type=int, default=160, help="pictures per size")
    parser.add_argument("--texts", type=int, default=1500, help="texts for the output screen")
    parser.add_argument("--dynabench", type=Path, help="Dynabench CSV (db_dev.csv)")
    args = parser.parse_args()
    texts = ordinary_texts(args.texts)
    bench_render(texts, args.pictures)
    bench_output_screen("simulated ordinary posts", texts)
    bench_redrawn("simulated ordinary posts", texts)
    if args.dynabench:
        nothate = dynabench_texts(args.dynabench, args.texts)
        bench_output_screen("Dynabench nothate", nothate)
        bench_redrawn("Dynabench nothate", nothate)


if __name__ == "__main__":
    main()
