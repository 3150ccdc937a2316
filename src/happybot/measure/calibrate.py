"""Calibrated probabilities and thresholds, chosen on held-out data (never on a test suite).

Per label: Platt scaling turns the model's logit into a probability that means what it says on
the held-out rows; then three thresholds are read off those rows: `balanced` (the best macro-F1,
what figures are quoted at), `review` (low: catches the share of positives the label's target
asks for) and `reject` (high: where what is rejected is almost surely right). Hate goes to a
person from below its balanced threshold; the other labels are never rejected unseen, only
reviewed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from happybot.classifiers.onnx import SETTINGS_FILE, Calibration, OnnxClassifier
from happybot.datasets import Row
from happybot.errors import ClassifierError
from happybot.labels import HATE, INSULT, LABELS, SELF_HARM, SEXUAL, THREAT

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Target:
    """What the defaults of one label aim for on held-out data."""

    review_recall: float | None  # None: review at the balanced threshold
    reject_precision: float | None  # None: never rejected without a person


TARGETS = {
    # review is a person, not a loss: 95%, not 90%. Its cost on the held-out rows (v11) falls on
    # the public sets' harmless rows, made or picked to sit beside hate (Dynabench's contrasts,
    # HateXplain's "normal"): 56% of them held against 38%, while our everyday sentences stay
    # at 0 of 94. Not 98%: the held-out hate has label noise, and its last few percent sit at
    # the model's floor, where even everyday text begins to be held. The word lists, the corpus
    # and the behaviour screens hold what the model misses.
    HATE: Target(review_recall=0.95, reject_precision=0.95),
    INSULT: Target(review_recall=None, reject_precision=None),
    # few held-out rows, mostly our own sentences: a recall aim on a dozen positives lands on
    # the lowest of them (tried: 0.000 for threat, 0.002 for self-harm, every post held); the
    # balanced threshold is the honest choice; `happybot model calibrate --reviewed` shows how
    # it does on a campaign's own decided posts
    THREAT: Target(review_recall=None, reject_precision=None),
    SEXUAL: Target(review_recall=None, reject_precision=None),
    SELF_HARM: Target(review_recall=None, reject_precision=None),
}


@dataclass(frozen=True)
class LabelReport:
    label: str
    rows: int
    positives: int
    auc: float
    calibration: Calibration
    balanced: float
    balanced_f1: float
    review: float
    reject: float

    def thresholds(self) -> dict[str, float]:
        return {"balanced": self.balanced, "review": self.review, "reject": self.reject}


def _sklearn() -> Any:
    try:
        import sklearn.linear_model
        import sklearn.metrics
    except ImportError:
        raise ClassifierError("calibration needs scikit-learn: pip install -e '.[train]'") from None
    return sklearn


def fit(label: str, logits: Sequence[float], truth: Sequence[int]) -> LabelReport:
    """Platt scaling and thresholds for one label from held-out logits and true labels."""
    import numpy as np

    sk = _sklearn()
    x = np.asarray(logits, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(truth, dtype=np.int64)
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        raise ClassifierError(
            f"{label}: the held-out rows hold {positives} positives of {len(y)}: both kinds "
            "are needed to calibrate"
        )
    # regularised: on a label the held-out rows separate perfectly, an unregularised fit makes
    # the slope huge and every probability 0 or 1
    platt = sk.linear_model.LogisticRegression(C=1.0).fit(x, y)
    calibration = Calibration(float(platt.coef_[0][0]), float(platt.intercept_[0]))
    probs = np.asarray([calibration(v) for v in x[:, 0]])
    auc = float(sk.metrics.roc_auc_score(y, probs))
    # thresholds on a grid of 0.001, so that what is written is exactly what was measured
    candidates = np.round(np.arange(0.001, 1.0, 0.001), 3)
    f1 = macro_f1(y, probs, candidates)
    best = int(np.argmax(f1))
    balanced = float(candidates[best])
    target = TARGETS.get(label, Target(None, None))
    review = balanced
    if target.review_recall is not None:
        review = min(recall_threshold(probs[y == 1].tolist(), target.review_recall), balanced)
    reject = 1.0
    if target.reject_precision is not None:
        for t in candidates[best:]:
            over = probs >= t
            if over.sum() and y[over].mean() >= target.reject_precision:
                reject = float(t)
                break
    return LabelReport(
        label, len(y), positives, auc, calibration, balanced, float(f1[best]), review, reject
    )


def recall_threshold(positives: Sequence[float], recall: float) -> float:
    """The highest threshold, to the thousandth and rounded down, that still holds `recall` of
    these positives' scores (a score at the threshold is held).

    One rule for the shipped defaults (`fit`), the campaign's own verdicts
    (`happybot model calibrate --reviewed`) and what each aim would cost
    (`scripts/review_aims.py`), so that the three always agree."""
    if not 0 < recall <= 1:
        raise ClassifierError(f"a recall aim is a share above 0 and at most 1, not {recall}")
    if not positives:
        raise ClassifierError("a recall threshold needs at least one positive's score")
    ranked = sorted(positives)
    # rounded before the floor: (1 - 0.9) * 10 is 0.999..., which would skip the highest
    # threshold that holds exactly the aim
    index = math.floor(round((1 - recall) * len(ranked), 9))
    return math.floor(float(ranked[index]) * 1000) / 1000


def macro_f1(y: Any, probs: Any, grid: Any) -> Any:
    """Macro-F1 at every threshold of the grid at once (sklearn's f1_score, one call per
    threshold, takes seconds for the thousand of them)."""
    import numpy as np

    said = probs[None, :] >= grid[:, None]
    tp = (said & (y == 1)).sum(axis=1)
    fp = (said & (y == 0)).sum(axis=1)
    fn = (y == 1).sum() - tp
    tn = (y == 0).sum() - fp
    with np.errstate(invalid="ignore", divide="ignore"):
        positive = np.nan_to_num(2 * tp / (2 * tp + fp + fn))
        negative = np.nan_to_num(2 * tn / (2 * tn + fn + fp))
    return (positive + negative) / 2


def campaign_yaml(reports: Sequence[LabelReport], screen: str = "classifier") -> str:
    """The campaign file's `thresholds` lines for these labels."""
    lines = [
        f"  {screen}/{r.label}: {{review: {r.review:.3f}, reject: {r.reject:.3f}}}" for r in reports
    ]
    return "thresholds:\n" + "\n".join(lines)


def calibrate_model(
    classifier: OnnxClassifier, rows: Sequence[Row], on_progress: Progress | None = None
) -> list[LabelReport]:
    """Fit every label of a sigmoid model on held-out rows and write the calibration and the
    thresholds into its `model.json`, which the runtime reads."""
    if classifier.settings.activation != "sigmoid":
        raise ClassifierError(
            f"{classifier.folder}: calibration applies to sigmoid outputs, not softmax"
        )
    logits: list[list[float]] = []
    for start in range(0, len(rows), 256):
        logits.extend(classifier.logits([r.text for r in rows[start : start + 256]]))
        if on_progress:
            on_progress(len(logits), len(rows))
    reports = []
    for output, label in enumerate(classifier.outputs_as_ours):
        if label is None or label not in LABELS:
            continue
        column = LABELS.index(label)
        known = [i for i, row in enumerate(rows) if row.known[column]]
        truth = [int(rows[i].targets[column]) for i in known]
        if label != HATE and len(set(truth)) < 2:
            continue  # too few rows to say anything: left uncalibrated, at the campaign's limits
        reports.append(fit(label, [logits[i][output] for i in known], truth))
    path = classifier.folder / SETTINGS_FILE
    settings = json.loads(path.read_text()) if path.is_file() else {}
    settings.setdefault("labels", list(classifier.settings.outputs))
    settings.setdefault("max_length", classifier.settings.max_length)
    settings["calibration"] = {
        r.label: {"a": r.calibration.a, "b": r.calibration.b} for r in reports
    }
    settings["thresholds"] = {r.label: r.thresholds() for r in reports}
    settings["held_out"] = {
        r.label: {
            "rows": r.rows,
            "positives": r.positives,
            "auc": round(r.auc, 4),
            "balanced_macro_f1": round(r.balanced_f1, 4),
        }
        for r in reports
    }
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return reports
