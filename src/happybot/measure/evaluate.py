"""Measure the gate on public test suites: HateCheck's functional tests (evaluation only: never
trained on), with accuracy on hateful and on non-hateful cases and per functionality; Dynabench's
test split (F1 and AUC of the classifier's hate score); the simulator's harmless grumbles (the
share the gate still publishes); our own small set for self-harm and sexual content.

A case counts as held when the gate would not publish it (review or reject): for hateful cases
that is right, for non-hateful ones it is the over-blocking every model so far suffers from.
Each case is screened alone, as from an established account, by the campaign's content screens
(the texts are not a stream: rate and duplicate checks would only see the suite's templates).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from happybot import datasets
from happybot.classifiers.base import Classifier, Scores
from happybot.config import Campaign, Policy
from happybot.errors import SourceError
from happybot.models import Author, Decision, Post, Trigger
from happybot.pipeline.decide import decide
from happybot.pipeline.screen import ScreenRunner
from happybot.platforms.simulate import grumble
from happybot.screens.base import ScreenContext, load_screens

# screens that judge what a text says; behaviour needs a stream of posts, which a suite is not
CONTENT_SCREENS = ("lexicon", "corpus", "links", "media", "classifier")
BATCH = 32


@dataclass(frozen=True)
class Case:
    text: str
    hateful: bool
    functionality: str


@dataclass
class Report:
    cases: int = 0
    correct: int = 0
    hateful: int = 0
    hateful_held: int = 0
    non_hateful: int = 0
    non_hateful_published: int = 0
    per_functionality: dict[str, list[int]] = field(default_factory=dict)  # name -> [n, correct]

    @property
    def accuracy(self) -> float:
        return self.correct / self.cases if self.cases else 0.0

    @property
    def hateful_accuracy(self) -> float:
        return self.hateful_held / self.hateful if self.hateful else 0.0

    @property
    def non_hateful_accuracy(self) -> float:
        return self.non_hateful_published / self.non_hateful if self.non_hateful else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "accuracy": round(self.accuracy, 4),
            "hateful_accuracy": round(self.hateful_accuracy, 4),
            "non_hateful_accuracy": round(self.non_hateful_accuracy, 4),
            "per_functionality": {
                name: {"cases": n, "accuracy": round(ok / n, 4)}
                for name, (n, ok) in sorted(self.per_functionality.items())
            },
        }


# HateCheck's functionalities by what a brand expects of its campaign (issue 18): hate held;
# identity mentions and negated hate published; abuse of no protected group, profanity,
# reclaimed slurs and counter-speech that quotes hate may go to a person (a brand draws none
# of them cheerfully unseen, and none is hate)
MUST_PUBLISH = frozenset({"ident_neutral_nh", "ident_pos_nh"})
SHOULD_PUBLISH = frozenset({"negate_neg_nh"})
GROUPS = (
    ("hate: must be held", lambda f: f.endswith("_h")),
    ("identity mentions: must be published", lambda f: f in MUST_PUBLISH),
    ("negated hate: should be published", lambda f: f in SHOULD_PUBLISH),
    (
        "abuse of no protected group, profanity, reclaimed slurs, counter-speech: "
        "may go to a person",
        lambda f: not f.endswith("_h") and f not in MUST_PUBLISH | SHOULD_PUBLISH,
    ),
)


@dataclass(frozen=True)
class Group:
    name: str
    cases: int
    held: int

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.name,
            "cases": self.cases,
            "held": round(self.held / self.cases, 4) if self.cases else None,
            "published": round(1 - self.held / self.cases, 4) if self.cases else None,
        }


def hatecheck_groups(cases: Sequence[Case], held: Sequence[bool]) -> list[Group]:
    """HateCheck's cases held and published per group of `GROUPS`."""
    out = []
    for name, member in GROUPS:
        mine = [h for c, h in zip(cases, held, strict=True) if member(c.functionality)]
        out.append(Group(name, len(mine), sum(mine)))
    return out


def read_hatecheck(folder: Path) -> list[Case]:
    path = folder / "test_suite_cases.csv"
    if not path.is_file():
        raise SourceError(f"{path} does not exist (HateCheck's test_suite_cases.csv)")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Case(row["test_case"].strip(), row["label_gold"] == "hateful", row["functionality"])
            for row in csv.DictReader(handle)
        ]


def gate_holds(
    texts: Sequence[str],
    campaign: Campaign,
    on_progress: Callable[[int], None] | None = None,
    policy: Policy | None = None,
) -> list[bool]:
    """Whether the gate would hold each text (review or reject), by the campaign's thresholds
    unless `policy` says otherwise."""
    found = gate_decisions(texts, campaign, on_progress, policy)
    return [d is not Decision.PUBLISH for d in found]


def gate_decisions(
    texts: Sequence[str],
    campaign: Campaign,
    on_progress: Callable[[int], None] | None = None,
    policy: Policy | None = None,
) -> list[Decision]:
    """The content gate's decision on each text, as from an established account."""
    author = established("someone.example")
    triggers = [
        Trigger("eval", Post(id=str(i), text=text, author=author)) for i, text in enumerate(texts)
    ]
    return trigger_decisions(triggers, campaign, on_progress, policy)


def established(handle: str, display_name: str | None = None) -> Author:
    """An author the behaviour screen has no reason to doubt: a year old, a hundred posts."""
    created = datetime.now(UTC) - timedelta(days=365)
    return Author(handle=handle, display_name=display_name, created_at=created, posts=100)


def trigger_decisions(
    triggers: Sequence[Trigger],
    campaign: Campaign,
    on_progress: Callable[[int], None] | None = None,
    policy: Policy | None = None,
    screens: Sequence[str] = CONTENT_SCREENS,
) -> list[Decision]:
    """The gate's decision on each trigger, by the named screens."""
    policy = policy or campaign.policy()
    now = datetime.now(UTC)
    held: list[Decision] = []
    with ScreenRunner(load_screens(campaign, list(screens))) as runner:
        for start in range(0, len(triggers), BATCH):
            batch = triggers[start : start + BATCH]
            ctx = ScreenContext(now=now, deadline=datetime.now(UTC) + timedelta(seconds=60))
            for findings in runner.run(batch, ctx):
                held.append(decide(findings, policy).decision)
            if on_progress:
                on_progress(len(held))
    return held


def score(cases: Sequence[Case], held: Sequence[bool]) -> Report:
    report = Report()
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, was_held in zip(cases, held, strict=True):
        right = was_held if case.hateful else not was_held
        report.cases += 1
        report.correct += right
        if case.hateful:
            report.hateful += 1
            report.hateful_held += was_held
        else:
            report.non_hateful += 1
            report.non_hateful_published += not was_held
        per[case.functionality][0] += 1
        per[case.functionality][1] += right
    report.per_functionality = dict(per)
    return report


def read_simplesafetytests(folder: Path) -> list[Case]:
    """SimpleSafetyTests' hundred requests an assistant must refuse (self-harm, violence,
    scams…): every one "hateful" here, meaning must be held; the harm area is the
    functionality."""
    path = folder / "SimpleSafetyTests - test cases.csv"
    if not path.is_file():
        raise SourceError(f"{path} does not exist (SimpleSafetyTests' test cases)")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Case(row["prompts_final"].strip(), True, row["harm_area"])
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True)
class Load:
    """One evaluation set at the campaign's thresholds, as a campaign manager reads it."""

    name: str
    harmful: int
    harmful_held: int
    harmless: int
    harmless_published: int
    to_people: int  # sent to review (not rejected unseen)

    @property
    def cases(self) -> int:
        return self.harmful + self.harmless

    @property
    def per_thousand_to_people(self) -> float:
        return 1000 * self.to_people / self.cases if self.cases else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "cases": self.cases,
            "harmful": self.harmful,
            "harmful_held": round(self.harmful_held / self.harmful, 4) if self.harmful else None,
            "harmless": self.harmless,
            "harmless_published": (
                round(self.harmless_published / self.harmless, 4) if self.harmless else None
            ),
            "to_people_per_1000": round(self.per_thousand_to_people, 1),
        }


def load_of(name: str, cases: Sequence[Case], decisions: Sequence[Decision]) -> Load:
    harmful = [d for c, d in zip(cases, decisions, strict=True) if c.hateful]
    harmless = [d for c, d in zip(cases, decisions, strict=True) if not c.hateful]
    return Load(
        name,
        harmful=len(harmful),
        harmful_held=sum(d is not Decision.PUBLISH for d in harmful),
        harmless=len(harmless),
        harmless_published=sum(d is Decision.PUBLISH for d in harmless),
        to_people=sum(d is Decision.REVIEW for d in decisions),
    )


def read_dynabench_test(folder: Path) -> list[Case]:
    return [
        Case(e.text, bool(e.hate), "dynabench-test") for e in datasets.dynabench(folder, "test")
    ]


def read_sensitive(path: Path) -> list[Case]:
    """Our own set (`training/sensitive_eval.tsv`): the functionality is its label, self-harm,
    sexual or none; "hateful" here means "must be held"."""
    if not path.is_file():
        raise SourceError(f"{path} does not exist (training/sensitive_eval.tsv)")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Case(row["text"], row["label"] != "none", row["label"])
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def grumble_cases(count: int, hashtag: str, seed: int = 7) -> list[Case]:
    """Harmless everyday complaints as the simulator writes them, each with the hashtag."""
    rng = random.Random(seed)
    return [Case(f"{grumble(rng)} {hashtag}", False, "grumble") for _ in range(count)]


def classifier_scores(
    classifier: Classifier,
    texts: Sequence[str],
    on_progress: Callable[[int], None] | None = None,
) -> list[Scores]:
    out: list[Scores] = []
    for start in range(0, len(texts), 64):
        out.extend(classifier.scores(texts[start : start + 64]))
        if on_progress:
            on_progress(len(out))
    return out


@dataclass(frozen=True)
class Separation:
    """How well one score tells the classes apart, threshold-free (AUC) and at a threshold."""

    cases: int
    threshold: float
    accuracy: float
    f1: float
    macro_f1: float
    auc: float

    def as_json(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def separation(truth: Sequence[bool], scores: Sequence[float], threshold: float) -> Separation:
    try:
        from sklearn import metrics
    except ImportError:
        raise SourceError("F1 and AUC need scikit-learn: pip install -e '.[train]'") from None
    predicted = [s >= threshold for s in scores]
    return Separation(
        len(truth),
        threshold,
        float(metrics.accuracy_score(truth, predicted)),
        float(metrics.f1_score(truth, predicted, zero_division=0)),
        float(metrics.f1_score(truth, predicted, average="macro", zero_division=0)),
        float(metrics.roc_auc_score(truth, scores)),
    )
