"""The project's own training sentences are well formed, and are what they say they are."""

from __future__ import annotations

import csv
from pathlib import Path

from happybot.models import Target
from happybot.screens.lexicon import LexiconScreen

DATA = Path(__file__).resolve().parent.parent / "training" / "counter_examples.tsv"


def test_counter_examples_are_harmless_varied_and_unique() -> None:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) >= 300 and {r["label"] for r in rows} == {"nothate"}
    assert {r["kind"] for r in rows} == {
        "identity-everyday",
        "identity-supportive",
        "negated-hate",
        "counter-speech",
    }
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts)
    # none of them is held as a slur by the gate's own word lists: they are harmless by design
    lexicon = LexiconScreen()
    slurs = [t for t in texts if any(f.label == "slur" for f in lexicon.scan(t, Target.POST))]
    assert slurs == []


def test_the_sensitive_evaluation_set_covers_both_labels_and_their_lookalikes() -> None:
    path = DATA.parent / "sensitive_eval.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    counts = {
        label: sum(r["label"] == label for r in rows) for label in ("self-harm", "sexual", "none")
    }
    assert counts["self-harm"] >= 10 and counts["sexual"] >= 8 and counts["none"] >= 15
    # every harmful kind has harmless look-alikes (figures of speech, support, health, art)
    assert {"figure-of-speech", "support", "health"} <= {r["kind"] for r in rows}
    assert len({r["text"] for r in rows}) == len(rows)
