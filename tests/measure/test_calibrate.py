"""Calibration and thresholds on held-out logits (synthetic ones with a known answer)."""

from __future__ import annotations

import random

import pytest

from happybot.errors import ClassifierError
from happybot.measure.calibrate import TARGETS, campaign_yaml, fit, recall_threshold


def _held_out(n: int = 2000, seed: int = 3) -> tuple[list[float], list[int]]:
    """Positives' logits around +2, negatives' around -2, overlapping."""
    rng = random.Random(seed)
    truth = [int(rng.random() < 0.3) for _ in range(n)]
    return [rng.gauss(2.0 if t else -2.0, 1.5) for t in truth], truth


def test_calibrated_probabilities_match_observed_frequencies() -> None:
    logits, truth = _held_out()
    report = fit("hate", logits, truth)
    bins: dict[int, list[int]] = {}
    for logit, t in zip(logits, truth, strict=True):
        bins.setdefault(min(int(report.calibration(logit) * 5), 4), []).append(t)
    for index, members in bins.items():
        if len(members) >= 100:
            share = sum(members) / len(members)
            assert index / 5 - 0.08 <= share <= (index + 1) / 5 + 0.08


def test_hate_thresholds_keep_their_promises() -> None:
    logits, truth = _held_out()
    report = fit("hate", logits, truth)
    probs = [report.calibration(v) for v in logits]
    assert report.review <= report.balanced <= report.reject <= 1.0
    caught = sum(p >= report.review for p, t in zip(probs, truth, strict=True) if t)
    assert caught / sum(truth) >= TARGETS["hate"].review_recall  # type: ignore[operator]
    rejected = [t for p, t in zip(probs, truth, strict=True) if p >= report.reject]
    assert rejected and sum(rejected) / len(rejected) >= 0.95
    assert report.auc > 0.9


def test_labels_other_than_hate_are_never_rejected_unseen() -> None:
    logits, truth = _held_out()
    for label in ("insult", "sexual", "self-harm", "threat"):
        assert fit(label, logits, truth).reject == 1.0


def test_one_class_cannot_be_calibrated() -> None:
    with pytest.raises(ClassifierError, match="both kinds"):
        fit("hate", [0.1, 0.2, 0.3], [1, 1, 1])


def test_campaign_yaml_lists_every_label() -> None:
    logits, truth = _held_out()
    text = campaign_yaml([fit("hate", logits, truth), fit("insult", logits, truth)])
    assert "classifier/hate: {review:" in text and "classifier/insult:" in text


def test_balanced_threshold_is_sklearns_best_macro_f1() -> None:
    from sklearn.metrics import f1_score

    logits, truth = _held_out(600, seed=9)
    report = fit("hate", logits, truth)
    probs = [report.calibration(v) for v in logits]

    def macro(t: float) -> float:
        return float(f1_score(truth, [p >= t for p in probs], average="macro"))

    assert macro(report.balanced) == pytest.approx(report.balanced_f1)
    assert all(macro(t / 100) <= report.balanced_f1 + 1e-9 for t in range(1, 100))


def test_recall_threshold_is_the_highest_thousandth_that_holds_the_aim() -> None:
    scores = [i / 100 + 0.0004 for i in range(100)]  # 0.0004, 0.0104, ... 0.9904
    at = recall_threshold(scores, 0.95)
    assert sum(s >= at for s in scores) >= 95
    assert sum(s >= at + 0.001 for s in scores) < 95
    assert at == 0.050  # rounded down onto the grid, so the 95th is still held
    assert recall_threshold(scores, 1.0) == 0.0
    # 90% of ten is nine: the lowest score may fall below the threshold
    assert recall_threshold([i / 10 for i in range(10)], 0.9) == 0.1


@pytest.mark.parametrize(("scores", "recall"), [([0.5], 0.0), ([0.5], 1.5), ([], 0.9)])
def test_recall_threshold_refuses_what_has_no_answer(scores: list[float], recall: float) -> None:
    with pytest.raises(ClassifierError):
        recall_threshold(scores, recall)
