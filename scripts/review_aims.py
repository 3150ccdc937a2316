"""What each recall aim for the hate review threshold would cost, on the held-out rows only
(never on a test suite): per aim, the threshold and, per source, how many of its harmless rows
the hate score alone would send to a person.

    .venv/bin/python scripts/review_aims.py src/happybot/data/model

How the aim in `measure/calibrate.py` was chosen (training/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from happybot.classifiers.onnx import OnnxClassifier
from happybot.labels import HATE, LABELS
from happybot.measure.calibrate import recall_threshold
from happybot.training import corpus

REPO = Path(__file__).resolve().parents[1]
AIMS = (0.90, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98)


def main(folder: str) -> None:
    sources = corpus.Sources(
        REPO.parent / "shared" / "data", REPO / "training", REPO / "src/happybot/data/lexicon.tsv"
    )
    _, held = corpus.split(corpus.examples(sources))
    column = LABELS.index(HATE)
    rows = [r for r in held if r.known[column]]  # the rows calibration reads
    console = Console()
    with console.status(f"scoring {len(rows):,} held-out rows"):
        scores = np.array([s[HATE] for s in OnnxClassifier(Path(folder)).scores(
            [r.text for r in rows]
        )])  # fmt: skip
    truth = np.array([int(r.targets[column]) for r in rows])
    source = np.array([r.source for r in rows])
    harmless = truth == 0
    at = [recall_threshold(scores[truth == 1].tolist(), aim) for aim in AIMS]
    table = Table(
        "aim", *(f"{aim:.0%}" for aim in AIMS),
        title=f"Harmless held-out rows that hate's review threshold holds ({folder})",
    )  # fmt: skip
    table.add_row("review threshold", *(f"{t:.3f}" for t in at))
    table.add_row("all harmless", *(f"{(scores[harmless] >= t).mean():.1%}" for t in at))
    for name in sorted(set(source[harmless])):
        these = harmless & (source == name)
        table.add_row(
            f"{name} ({int(these.sum()):,})", *(f"{int((scores[these] >= t).sum())}" for t in at)
        )
    console.print(table)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
