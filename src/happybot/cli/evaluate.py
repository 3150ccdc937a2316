"""`happybot eval`: the gate measured on public test suites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from happybot.cli import CampaignOpt, JsonOpt, app, campaign_from, err, out
from happybot.evaluate import gate_holds, read_hatecheck, score

eval_app = typer.Typer(help="Measure the gate on public test suites.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("hatecheck")
def hatecheck(
    data: Annotated[Path, typer.Option(help="HateCheck's folder (test_suite_cases.csv).")] = Path(
        "../shared/data/hatecheck"
    ),
    campaign_path: CampaignOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accuracy on HateCheck's functional tests: hateful cases held (review or reject),
    non-hateful ones published, and per functionality. HateCheck is for evaluation only."""
    cases = read_hatecheck(data)
    campaign = campaign_from(campaign_path)
    with Progress(console=err, transient=True, disable=as_json) as progress:
        task = progress.add_task("screening HateCheck", total=len(cases))
        held = gate_holds(
            [c.text for c in cases], campaign, lambda n: progress.update(task, completed=n)
        )
    report = score(cases, held)
    if as_json:
        print(json.dumps(report.as_json()))
        return
    table = Table("functionality", "cases", "accuracy", title="HateCheck, per functionality")
    for name, (n, ok) in sorted(report.per_functionality.items()):
        table.add_row(name, str(n), f"{ok / n:.1%}")
    out.print(table)
    out.print(
        f"accuracy {report.accuracy:.1%} over {report.cases} cases: hateful held "
        f"{report.hateful_accuracy:.1%}, non-hateful published {report.non_hateful_accuracy:.1%}"
    )
