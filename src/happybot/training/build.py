"""`make model` from start to end: train (resumably), export to ONNX int8, calibrate on the
held-out rows, measure, and write the model card. Each stage's output is kept, so a run that
stops goes on from the last finished stage."""

from __future__ import annotations

import json
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from happybot.classifiers.onnx import CARD_FILE, MODEL_FILE, OnnxClassifier
from happybot.config import Campaign, ClassifierSettings, Threshold
from happybot.datasets import Row
from happybot.labels import HATE, LABELS
from happybot.measure.calibrate import LabelReport, calibrate_model
from happybot.measure.evaluate import (
    classifier_scores,
    gate_holds,
    grumble_cases,
    read_dynabench_test,
    read_hatecheck,
    read_sensitive,
    score,
    separation,
)
from happybot.training import augment, corpus, distil
from happybot.training.card import write_card
from happybot.training.export import export
from happybot.training.train import TrainSettings, train

Say = Callable[[str], None]
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Built:
    folder: Path
    reports: tuple[LabelReport, ...]
    figures: dict[str, Any]


def build(
    sources: corpus.Sources,
    settings: TrainSettings,
    out: Path,
    campaign: Campaign,
    command: str,
    progress: Progress,
    say: Say,
    limit: int | None = None,
    evaluate: bool = True,
) -> Built:
    rows, held = corpus.split(corpus.examples(sources, settings.seed))
    if limit is not None:  # a sample of every source, not the first source's rows
        rng = random.Random(settings.seed)
        rows = rng.sample(rows, min(limit, len(rows)))
        held = rng.sample(held, min(max(limit // 2, 16), len(held)))
    if settings.misspelt_share:
        rows = augment.with_misspelt_copies(rows, settings.seed, settings.misspelt_share)
    say(f"{len(rows)} training rows, {len(held)} held out")
    learnt = rows
    if settings.teacher is not None:
        teacher, key = distil.open_teacher(settings.teacher, settings.threads)
        learnt = distil.with_teacher(
            rows,
            teacher,
            settings.teacher_weight,
            settings.work / distil.SCORES_FILE,
            key,
            lambda done, total: progress("the teacher's scores", done, total),
            settings.teacher_labels,
        )
    final = train(
        learnt, settings, lambda s, t, loss: progress(f"training (loss {loss:.3f})", s, t)
    )
    say(f"fine-tuned model in {final}")
    export(final, settings.base / "tokenizer.json", out, settings.max_length)
    say(f"exported {out / MODEL_FILE} ({(out / MODEL_FILE).stat().st_size / 1e6:.1f} MB)")
    classifier = OnnxClassifier(out)
    reports = calibrate_model(
        classifier, held, lambda done, total: progress("calibrating", done, total)
    )
    classifier = OnnxClassifier(out)  # with its calibration
    figures: dict[str, Any] = {}
    if evaluate:
        figures = measure(classifier, _with_model(campaign, out, reports), sources, progress)
        figures["int8_vs_fp32"] = agreement(classifier, final, held, settings, progress)
    write_card(
        out / CARD_FILE,
        base=settings.base,
        settings=settings,
        command=command,
        training=corpus.summary(rows),
        held_out=corpus.summary(held),
        reports=reports,
        figures=figures,
        environment=f"Python {sys.version.split()[0]}, {platform.machine()}",
    )
    return Built(out, tuple(reports), figures)


def _with_model(campaign: Campaign, out: Path, reports: Sequence[LabelReport]) -> Campaign:
    """The campaign with this model and its calibrated default thresholds."""
    thresholds = dict(campaign.thresholds)
    for r in reports:
        thresholds[f"classifier/{r.label}"] = Threshold(review=r.review, reject=r.reject)
    return campaign.model_copy(
        update={"classifier": ClassifierSettings(path=str(out.resolve())), "thresholds": thresholds}
    )


def measure(
    classifier: OnnxClassifier, campaign: Campaign, sources: corpus.Sources, progress: Progress
) -> dict[str, Any]:
    """The figures of the card: every suite, each as `happybot eval` reports it."""
    figures: dict[str, Any] = {}
    balanced = float(classifier.settings.thresholds[HATE]["balanced"])

    def tick(stage: str, total: int) -> Callable[[int], None]:
        return lambda n: progress(stage, n, total)

    hatecheck = read_hatecheck(sources.data / "hatecheck")
    texts = [c.text for c in hatecheck]
    scores = classifier_scores(classifier, texts, tick("HateCheck, model", len(texts)))
    report = score(hatecheck, [s.get(HATE, 0.0) >= balanced for s in scores])
    figures["hatecheck_balanced"] = {**report.as_json(), "threshold": balanced}
    report = score(hatecheck, gate_holds(texts, campaign, tick("HateCheck, gate", len(texts))))
    figures["hatecheck_campaign"] = report.as_json()

    dyna = read_dynabench_test(sources.data / "dynabench")
    scores = classifier_scores(classifier, [c.text for c in dyna], tick("Dynabench", len(dyna)))
    figures["dynabench_test"] = separation(
        [c.hateful for c in dyna], [s.get(HATE, 0.0) for s in scores], balanced
    ).as_json()

    grumbles = grumble_cases(2000, campaign.hashtag)
    held = gate_holds([c.text for c in grumbles], campaign, tick("grumbles", len(grumbles)))
    figures["grumbles_published"] = round(held.count(False) / len(held), 4)

    sensitive = read_sensitive(sources.own / "sensitive_eval.tsv")
    held = gate_holds([c.text for c in sensitive], campaign, tick("sensitive", len(sensitive)))
    figures["sensitive"] = score(sensitive, held).as_json()

    started = time.perf_counter()
    classifier_scores(classifier, texts[:500])
    figures["posts_per_second_batched"] = round(500 / (time.perf_counter() - started), 1)
    figures["labels"] = list(LABELS)
    return figures


def agreement(
    classifier: OnnxClassifier,
    final: Path,
    rows: Sequence[Row],
    settings: TrainSettings,
    progress: Progress,
) -> dict[str, int]:
    """How many held-out hate decisions (at the balanced threshold) the int8 ONNX model makes
    differently from the fp32 torch model it came from."""
    import torch
    from transformers import AutoModelForSequenceClassification

    from happybot.training.train import encode

    net = AutoModelForSequenceClassification.from_pretrained(final).eval()
    texts = [r.text for r in rows]
    ids = encode(settings.base / "tokenizer.json", texts, settings.max_length)
    cut = float(classifier.settings.thresholds[HATE]["balanced"])
    calibrate = classifier.settings.calibration[HATE]
    changed = 0
    for start in range(0, len(texts), 64):
        chunk = ids[start : start + 64]
        width = max(len(i) for i in chunk)
        input_ids = torch.tensor([i + [0] * (width - len(i)) for i in chunk])
        mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in chunk])
        with torch.inference_mode():
            logits = net(input_ids=input_ids, attention_mask=mask).logits[:, 0].tolist()
        ours = classifier.scores(texts[start : start + 64])
        changed += sum(
            (calibrate(f) >= cut) != (o[HATE] >= cut) for f, o in zip(logits, ours, strict=True)
        )
        progress("int8 against fp32", min(start + 64, len(texts)), len(texts))
    return {"held_out_rows": len(texts), "decisions_changed": changed}


def write_figures(path: Path, figures: dict[str, Any]) -> None:
    path.write_text(json.dumps(figures, indent=2) + "\n")
