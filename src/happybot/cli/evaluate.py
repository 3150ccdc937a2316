"""`happybot eval`: the gate and its classifier measured on public test suites and our own sets.

Each command prints a Rich table, or with `--json` one JSON object on its last line."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, TaskID
from rich.table import Table

from happybot.classifiers.base import Classifier
from happybot.cli import CampaignOpt, JsonOpt, app, campaign_from, err, out
from happybot.config import Campaign
from happybot.errors import ClassifierError, SourceError
from happybot.labels import HATE
from happybot.measure.crafted import (
    CraftedCase,
    crafted_decisions,
    crafted_results,
    read_crafted,
)
from happybot.measure.evaluate import (
    Case,
    Load,
    Report,
    classifier_scores,
    gate_decisions,
    gate_holds,
    grumble_cases,
    hatecheck_groups,
    load_of,
    read_dynabench_test,
    read_hatecheck,
    read_sensitive,
    read_simplesafetytests,
    score,
    separation,
)
from happybot.models import Decision
from happybot.screens.classifier import open_classifier

eval_app = typer.Typer(help="Measure the gate on public test suites.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

REPO = Path(__file__).resolve().parents[3]


class At(StrEnum):
    campaign = "campaign"
    balanced = "balanced"


AtOpt = Annotated[
    At,
    typer.Option(
        "--at",
        help="campaign: the whole content gate at the campaign's thresholds (held = review or "
        "reject); balanced: the classifier's hate score alone at its balanced threshold "
        "(chosen on held-out training data).",
    ),
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option(help="With --at balanced: this hate threshold instead of the model's."),
]


def _classifier(campaign: Campaign) -> Classifier:
    return open_classifier(campaign.classifier, Path(campaign.base_dir))


def _balanced(classifier: Classifier, threshold: float | None) -> float:
    if threshold is not None:
        return threshold
    settings = getattr(classifier, "settings", None)
    try:
        return float(settings.thresholds[HATE]["balanced"])  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError):
        raise ClassifierError(
            f"{classifier.name} has no balanced hate threshold (calibrate it with "
            "`happybot model calibrate`, or give --threshold)"
        ) from None


def _held(
    cases: Sequence[Case], campaign: Campaign, at: At, threshold: float | None, quiet: bool
) -> tuple[list[bool], dict[str, Any]]:
    """Which cases are held, and what was measured how."""
    texts = [c.text for c in cases]
    with Progress(console=err, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"screening {len(texts)} texts", total=len(texts))

        def tick(n: int) -> None:
            progress.update(task, completed=n)

        if at is At.campaign:
            return gate_holds(texts, campaign, tick), {"at": "campaign"}
        classifier = _classifier(campaign)
        cut = _balanced(classifier, threshold)
        scores = classifier_scores(classifier, texts, tick)
    return [s.get(HATE, 0.0) >= cut for s in scores], {"at": "balanced", "threshold": cut}


def _print_report(report: Report, title: str, how: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps({**report.as_json(), **how}))
        return
    table = Table("functionality", "cases", "accuracy", title=title)
    for name, (n, ok) in sorted(report.per_functionality.items()):
        table.add_row(name, str(n), f"{ok / n:.1%}")
    out.print(table)
    where = ", ".join(f"{k} {v}" for k, v in how.items())
    out.print(
        f"accuracy {report.accuracy:.1%} over {report.cases} cases ({where}): hateful held "
        f"{report.hateful_accuracy:.1%}, non-hateful published {report.non_hateful_accuracy:.1%}"
    )


@eval_app.command("hatecheck")
def hatecheck(
    data: Annotated[Path, typer.Option(help="HateCheck's folder (test_suite_cases.csv).")] = Path(
        "../shared/data/hatecheck"
    ),
    campaign_path: CampaignOpt = None,
    at: AtOpt = At.campaign,
    threshold: ThresholdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accuracy on HateCheck's functional tests: hateful cases held, non-hateful ones
    published, and per functionality. HateCheck is for evaluation only."""
    cases = read_hatecheck(data)
    held, how = _held(cases, campaign_from(campaign_path), at, threshold, as_json)
    groups = hatecheck_groups(cases, held)
    if as_json:
        how = {**how, "groups": [g.as_json() for g in groups]}
    _print_report(score(cases, held), "HateCheck, per functionality", how, as_json)
    if not as_json:
        table = Table("what a brand expects", "cases", "held", "published", title="HateCheck")
        for group in groups:
            share = group.held / group.cases if group.cases else 0.0
            table.add_row(group.name, str(group.cases), f"{share:.1%}", f"{1 - share:.1%}")
        out.print(table)


@eval_app.command("dynabench")
def dynabench(
    data: Annotated[Path, typer.Option(help="Dynabench's folder (db_test.csv).")] = Path(
        "../shared/data/dynabench"
    ),
    campaign_path: CampaignOpt = None,
    threshold: ThresholdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The classifier's hate score on Dynabench's test split (never trained on): AUC, and F1
    and accuracy at the balanced threshold; and the share the whole gate holds."""
    cases = read_dynabench_test(data)
    campaign = campaign_from(campaign_path)
    classifier = _classifier(campaign)
    cut = _balanced(classifier, threshold)
    with Progress(console=err, transient=True, disable=as_json) as progress:
        task = progress.add_task("scoring Dynabench test", total=len(cases))
        scores = classifier_scores(
            classifier, [c.text for c in cases], lambda n: progress.update(task, completed=n)
        )
    found = separation([c.hateful for c in cases], [s.get(HATE, 0.0) for s in scores], cut)
    gate, _ = _held(cases, campaign, At.campaign, None, as_json)
    report = score(cases, gate)
    result = {
        **found.as_json(),
        "gate_hateful_held": round(report.hateful_accuracy, 4),
        "gate_non_hateful_published": round(report.non_hateful_accuracy, 4),
    }
    if as_json:
        print(json.dumps(result))
        return
    table = Table("measure", "value", title=f"Dynabench test ({len(cases)} cases)")
    table.add_row("AUC (hate score)", f"{found.auc:.3f}")
    table.add_row(f"F1 of hate at {cut:.3f}", f"{found.f1:.3f}")
    table.add_row(f"macro-F1 at {cut:.3f}", f"{found.macro_f1:.3f}")
    table.add_row(f"accuracy at {cut:.3f}", f"{found.accuracy:.1%}")
    table.add_row("whole gate: hateful held", f"{report.hateful_accuracy:.1%}")
    table.add_row("whole gate: non-hateful published", f"{report.non_hateful_accuracy:.1%}")
    out.print(table)


@eval_app.command("grumbles")
def grumbles(
    count: Annotated[int, typer.Option(min=1, help="How many grumbles to make.")] = 2000,
    seed: int = 7,
    campaign_path: CampaignOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The simulator's harmless everyday negativity through the whole content gate at the
    campaign's thresholds: the share still published (the campaign's reason to exist)."""
    campaign = campaign_from(campaign_path)
    cases = grumble_cases(count, campaign.hashtag, seed)
    held, _ = _held(cases, campaign, At.campaign, None, as_json)
    published = held.count(False) / len(held)
    examples = [c.text for c, h in zip(cases, held, strict=True) if h][:5]
    if as_json:
        print(json.dumps({"cases": len(held), "published": round(published, 4)}))
        return
    out.print(f"{published:.1%} of {len(held)} harmless grumbles published")
    for text in examples:
        out.print(f"  held: {text}", highlight=False)


@eval_app.command("sensitive")
def sensitive(
    data: Annotated[Path, typer.Option(help="Our own set (sensitive_eval.tsv).")] = REPO
    / "training"
    / "sensitive_eval.tsv",
    campaign_path: CampaignOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Self-harm and sexual content held (review or reject), their look-alikes published, by
    the whole content gate at the campaign's thresholds."""
    cases = read_sensitive(data)
    held, how = _held(cases, campaign_from(campaign_path), At.campaign, None, as_json)
    _print_report(score(cases, held), "Sensitive topics, per label", how, as_json)


@eval_app.command("crafted")
def crafted(
    data: Annotated[Path, typer.Option(help="Our crafted set (crafted_eval.yaml).")] = REPO
    / "training"
    / "crafted_eval.yaml",
    campaign_path: CampaignOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Names and handles, hidden messages in the author's lines, counter-speech, other
    languages: per item, the cases that came out as the campaign expects (held, published, or
    sent to a person and not rejected unseen), and each one that did not."""
    cases = read_crafted(data)
    decisions = _crafted_decisions(cases, campaign_from(campaign_path), as_json)
    results = crafted_results(cases, decisions)
    if as_json:
        print(json.dumps({"items": [r.as_json() for r in results]}))
        return
    table = Table("item", "expected", "cases", "as expected", title="Our crafted set")
    for result in results:
        for expect, (n, ok) in result.expected.items():
            table.add_row(result.item, expect, str(n), f"{ok} ({ok / n:.0%})")
    out.print(table)
    for case, decision in zip(cases, decisions, strict=True):
        if not case.expect.met_by(decision):
            shown = case.trigger.parent or case.trigger.post
            who = shown.author.display_name or shown.author.handle
            out.print(
                f"  {case.item}: expected {case.expect}, {decision}: {shown.text!r} ({who})",
                highlight=False,
            )


def _crafted_decisions(
    cases: Sequence[CraftedCase], campaign: Campaign, quiet: bool
) -> list[Decision]:
    with Progress(console=err, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"screening {len(cases)} cases", total=len(cases))
        return crafted_decisions(cases, campaign, functools.partial(_advance, progress, task))


def _advance(progress: Progress, task: TaskID, done: int) -> None:
    progress.update(task, completed=done)


@eval_app.command("summary")
def summary(
    data: Annotated[Path, typer.Option(help="The public data sets' folder.")] = Path(
        "../shared/data"
    ),
    grumbles_count: Annotated[
        int, typer.Option("--grumbles", min=1, help="How many simulated grumbles.")
    ] = 2000,
    campaign_path: CampaignOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One table a campaign manager reads: for each evaluation set the whole content gate at
    the campaign's thresholds holds (review or reject) so much of the harm, publishes so much
    of the harmless, and sends so many posts in 1,000 to people. A set whose files are missing
    is left out, and said. Evaluation only: nothing here is trained or tuned on."""
    campaign = campaign_from(campaign_path)
    sets: list[tuple[str, Callable[[], list[Case]]]] = [
        ("HateCheck", lambda: read_hatecheck(data / "hatecheck")),
        ("Dynabench test", lambda: read_dynabench_test(data / "dynabench")),
        ("SimpleSafetyTests", lambda: read_simplesafetytests(data / "simplesafetytests")),
        ("our sensitive set", lambda: read_sensitive(REPO / "training" / "sensitive_eval.tsv")),
        ("our harm set", lambda: read_sensitive(REPO / "training" / "harm_eval.tsv")),
        ("grumbles", lambda: grumble_cases(grumbles_count, campaign.hashtag)),
    ]
    loads: list[Load] = []
    for name, read in sets:
        try:
            cases = read()
        except SourceError as exc:
            err.print(f"[yellow]{name} left out:[/] {exc}")
            continue
        with Progress(console=err, transient=True, disable=as_json) as progress:
            task = progress.add_task(f"{name}: {len(cases)} texts", total=len(cases))
            decisions = gate_decisions(
                [c.text for c in cases],
                campaign,
                functools.partial(_advance, progress, task),
            )
        loads.append(load_of(name, cases, decisions))
    try:
        crafted_cases = read_crafted(REPO / "training" / "crafted_eval.yaml")
    except SourceError as exc:
        err.print(f"[yellow]our crafted set left out:[/] {exc}")
    else:
        # a case the campaign expects to be held or sent to a person counts as harm here
        as_cases = [
            Case(c.trigger.post.text, c.expect.value != "published", c.item) for c in crafted_cases
        ]
        found = _crafted_decisions(crafted_cases, campaign, as_json)
        loads.append(load_of("our crafted set", as_cases, found))
    if as_json:
        print(json.dumps({"sets": [load.as_json() for load in loads]}))
        return
    table = Table(
        "set", "cases", "harm held", "harmless published", "to people / 1,000",
        title="the gate at the campaign's thresholds",
    )  # fmt: skip
    for load in loads:
        table.add_row(
            load.name,
            str(load.cases),
            f"{load.harmful_held / load.harmful:.1%} of {load.harmful}" if load.harmful else "—",
            f"{load.harmless_published / load.harmless:.1%} of {load.harmless}"
            if load.harmless
            else "—",
            f"{load.per_thousand_to_people:.0f}",
        )
    out.print(table)
