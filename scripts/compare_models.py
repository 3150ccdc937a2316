"""Compare model directories on the held-out rows of the public sets, never on a test suite:
hate AUC and best macro-F1 (the rule that picks the balanced threshold), on the rows as they are
and with one or two words of each misspelt (how a model reads through a dropped letter).

    .venv/bin/python scripts/compare_models.py src/happybot/data/model build/v9-model

This is how a new build is chosen over the shipped one (training/README.md lists the results).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.metrics import roc_auc_score

from happybot.classifiers.onnx import OnnxClassifier
from happybot.labels import HATE, LABELS
from happybot.measure.calibrate import macro_f1
from happybot.training import corpus
from happybot.training.augment import misspell

REPO = Path(__file__).resolve().parents[1]


def main(folders: list[str]) -> None:
    sources = corpus.Sources(
        REPO.parent / "shared" / "data", REPO / "training", REPO / "src/happybot/data/lexicon.tsv"
    )
    _, held = corpus.split(corpus.examples(sources))
    column = LABELS.index(HATE)
    # the public sets' rows only: a change of our own sentences must not move the yardstick
    # (Davidson's hate label is a slur's presence, corpus.SLUR_DRIVEN: not a measure of hate)
    public = corpus.PUBLIC - corpus.SLUR_DRIVEN
    rows = [r for r in held if r.known[column] and r.source in public]
    truth = np.array([int(r.targets[column]) for r in rows])
    rng = random.Random(99)
    misspelt = [misspell(r.text, rng) for r in rows]
    table = Table(
        "model", "AUC", "best macro-F1", "AUC misspelt", "macro-F1 misspelt",
        title=f"Hate on {len(rows):,} held-out rows ({int(truth.sum()):,} hateful)",
    )  # fmt: skip
    console = Console()
    for folder in folders:
        model = OnnxClassifier(Path(folder))
        figures = []
        for texts in ([r.text for r in rows], misspelt):
            with console.status(f"{folder}: scoring {len(texts):,} texts"):
                scores = np.array([s[HATE] for s in model.scores(texts)])
            figures += [
                roc_auc_score(truth, scores),
                float(macro_f1(truth, scores, np.unique(scores)).max()),
            ]
        table.add_row(folder, *(f"{f:.3f}" for f in figures))
    console.print(table)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
