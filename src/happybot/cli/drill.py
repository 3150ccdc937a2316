"""`happybot drill`: rehearse a hijack against a dry-run copy of the campaign (a game day)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from happybot.cli import CampaignOpt, JsonOpt, app, campaign_from, err, out
from happybot.cli.display import shown
from happybot.measure.drill import DRILLS, DrillResult, run_drill


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.0f} s"


def _print(result: DrillResult) -> None:
    table = Table(
        "step",
        "after the first attack post",
        "target",
        title=f"drill: {result.scenario} ({result.attack_posts} attack posts)",
    )
    for step in result.steps:
        met = "" if step.met is None else ("[green]met[/]" if step.met else "[red]missed[/]")
        target = f"≤ {step.target:.0f} s {met}" if step.target is not None else ""
        table.add_row(step.name, _seconds(step.seconds), target)
    table.add_row("attack replies queued before the stop", str(result.reached_outbox), "")
    table.add_row("attack replies published", str(result.published), "0")
    out.print(table)
    if result.alerts_off:
        out.print(f"[yellow]no alert could go out: {shown(result.alerts_off)}[/]")
    else:
        out.print(f"alerts went to: {', '.join(result.alert_channels)} (marked as a drill)")
    out.print("[green]passed[/]" if result.passed else "[bold red]not passed[/]")


@app.command()
def drill(
    scenario: Annotated[
        str,
        typer.Option(help=f"The attack to rehearse: {', '.join(DRILLS)} or all."),
    ] = "hijack",
    campaign_path: CampaignOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Fresh folder for the drill's stores.")
    ] = Path("happybot-drill"),
    seed: Annotated[int, typer.Option(help="Seed of the simulated traffic.")] = 1,
    size: Annotated[int, typer.Option(help="Ordinary posts around the attack.")] = 60,
    as_json: JsonOpt = False,
) -> None:
    """Replay a historical hijack (the 2015 pattern by default) against a dry-run copy of
    the campaign, with nobody watching, and print how long each step took from the first
    attack post: first hold, breaker, alert delivered (to the campaign's real channels,
    marked as a drill), copilot; and what reached the outbox before the stop. Target: for a
    takeover (hijack, coordinated) breaker and alert within 60 s; for every drill the first
    hold within 60 s and nothing published. Exit code 1 when missed."""
    campaign = campaign_from(campaign_path)
    chosen = list(DRILLS) if scenario == "all" else [scenario]
    if any(s not in DRILLS for s in chosen):
        raise typer.BadParameter(
            f"choose one of {', '.join(DRILLS)} or all", param_hint="--scenario"
        )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    results = []
    for name in chosen:
        with err.status(f"rehearsing {name}…"):
            results.append(run_drill(campaign, out_dir / name, name, seed=seed, size=size))
    if as_json:
        print(json.dumps({"drills": [r.as_json() for r in results]}))
    else:
        for result in results:
            _print(result)
    if not all(r.passed for r in results):
        raise typer.Exit(1)
