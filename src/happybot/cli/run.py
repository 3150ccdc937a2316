"""`happybot init`, `run` and `demo`."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from happybot.cli import (
    CampaignOpt,
    CorpusOpt,
    DbOpt,
    JsonOpt,
    app,
    campaign_from,
    err,
    open_store,
    out,
)
from happybot.cli.display import shown
from happybot.cli.serve import HostOpt, PortOpt, dashboard_app, start_dashboard
from happybot.config import audit_key, starter_campaign, starter_campaign_text
from happybot.errors import HappybotError
from happybot.measure.redteam import redteam
from happybot.measure.scoring import Summary
from happybot.measure.simulation import run_simulation
from happybot.operate.breaker import COPILOT_KINDS, CircuitBreaker
from happybot.operate.users import Role, add_user
from happybot.pipeline.runner import Pipeline, RunStats
from happybot.platforms.base import Labelled
from happybot.platforms.registry import open_platform
from happybot.screens.base import load_screens
from happybot.store.db import Store
from happybot.store.processes import Heartbeat, register

DEMO_MARKER = ".happybot-demo"


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the campaign file.")] = Path(
        "campaign.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter campaign file to edit."""
    if path.exists() and not force:
        raise HappybotError(f"{path} already exists (use --force to overwrite it)")
    path.write_text(starter_campaign_text(), encoding="utf-8")
    out.print(f"wrote {path}: edit it, then `happybot run --campaign {path} --dry-run`")


SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source", help="replay:FILE or simulate:SCENARIO (default: the campaign's platform)."
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Write replies (PNG + JSON) to a folder instead of posting."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Folder for dry-run replies (default: the campaign's platform.out_dir)."
    ),
]
SeedOpt = Annotated[int, typer.Option(help="Seed for simulate: sources.")]
LimitOpt = Annotated[int | None, typer.Option(help="Stop after this many source items.")]
StopWhenIdleOpt = Annotated[
    bool,
    typer.Option(
        "--stop-when-idle", help="Stop once a live source (the firehose) has nothing new."
    ),
]


@contextmanager
def _progress(quiet: bool, total: int | None) -> Iterator[Callable[[RunStats], None]]:
    """A progress bar on stderr, fed with the pipeline's running counts."""
    with Progress(
        SpinnerColumn(),
        TextColumn("posts"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        console=err,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("posts", total=total, detail="")

        def show(stats: RunStats) -> None:
            progress.update(
                task,
                completed=stats.received + stats.dead_letters,
                detail=f"{stats.received} read, {stats.published} published, "
                f"{stats.decisions.get('review', 0)} waiting for review, "
                f"{stats.decisions.get('rejected', 0)} rejected"
                + (
                    f"; next reply due in {stats.waiting_seconds:.0f} s (publish delay)"
                    if stats.waiting_seconds
                    else ""
                ),
            )

        yield show


def say_if_unlabelled(platform: object) -> None:
    """Networks ask automated accounts to say so: a bot without the label is told at start
    (the campaign still runs: the label is the brand's to set, `happybot accounts setup`)."""
    if not isinstance(platform, Labelled):
        return
    try:
        label = platform.bot_label()
    except HappybotError as exc:
        err.print(f"[yellow]could not read the bot's label: {shown(str(exc))}[/]")
        return
    if label.on is False:
        err.print(
            f"[yellow]the bot's account is not labelled as automated ({shown(label.where)})[/]: "
            "`happybot accounts setup` sets it"
        )


@app.command()
def run(
    campaign_path: CampaignOpt = None,
    source: SourceOpt = None,
    dry_run: DryRunOpt = False,
    out_dir: OutOpt = None,
    db: DbOpt = None,
    seed: SeedOpt = 0,
    limit: LimitOpt = None,
    stop_when_idle: StopWhenIdleOpt = False,
    corpus: CorpusOpt = None,
    dashboard: Annotated[
        bool, typer.Option("--dashboard", help="Serve the review dashboard while it runs.")
    ] = False,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8080,
    as_json: JsonOpt = False,
) -> None:
    """Run the campaign: read triggers, screen, draw, queue for review or publish."""
    campaign = campaign_from(campaign_path, corpus)
    store = open_store(db, campaign, create=True)
    if (off := campaign.alerts.off_because()) is not None:
        err.print(
            f"[yellow]alerts are off: {off}[/]; the circuit breaker will open incidents "
            "without telling anyone (`happybot doctor` checks the set-up)"
        )
    platform = open_platform(
        campaign, source=source, dry_run=dry_run, out_dir=out_dir, seed=seed, now=store.clock()
    )
    say_if_unlabelled(platform)
    ident = register(store, "run")
    pipeline = Pipeline(
        campaign,
        store,
        platform,
        load_screens(campaign),
        rate_limited=not dry_run,
        watch=CircuitBreaker(store, campaign),
        owner=ident,
    )
    server = (
        start_dashboard(dashboard_app(store, campaign, out_dir), host, port) if dashboard else None
    )
    try:
        with Heartbeat(store, ident, "run"), _progress(as_json, total=limit) as show:
            stats = pipeline.run(limit=limit, on_progress=show, stop_when_idle=stop_when_idle)
    finally:
        pipeline.close()
        if server is not None:
            err.print("the run is over; the dashboard stays open until Ctrl-C")
            server.wait()
        store.close()
    folder = Path(getattr(platform, "out_dir", "."))
    result = {
        "received": stats.received,
        "dead_letters": stats.dead_letters,
        "duplicates": stats.duplicates,
        "ignored": stats.ignored,  # not for the campaign (no hashtag, not addressed to the bot)
        "declined": stats.declined,  # for it, but not answered: opted out, too old
        "opt_outs": stats.opt_outs,  # people who said stop or blocked the bot in this run
        "published": stats.published,
        "review": stats.decisions.get("review", 0),
        "rejected": stats.decisions.get("rejected", 0),
        "out_dir": str(folder),
    }
    if as_json:
        print(json.dumps(result))
        return
    table = Table(title="happybot run", show_header=False)
    for key, value in result.items():
        table.add_row(key.replace("_", " "), str(value))
    out.print(table)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Fresh folder for the demo.")] = Path(
        "happybot-demo"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the simulated traffic.")] = 1,
    size: Annotated[int, typer.Option(help="Ordinary posts to simulate.")] = 200,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Then keep the dashboard open on the demo's results (Ctrl-C stops)."
        ),
    ] = False,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8080,
    as_json: JsonOpt = False,
) -> None:
    """Simulate a campaign (ordinary traffic and every attack) through the whole flow, dry-run,
    with the starter campaign, and score it against the simulator's ground truth."""
    if out_dir.exists():
        if not (out_dir / DEMO_MARKER).exists():
            raise HappybotError(f"{out_dir} exists and is not a demo folder; choose another --out")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / DEMO_MARKER).write_text(datetime.now(UTC).isoformat())
    with _progress(as_json, total=None) as show:
        summary = run_simulation(
            starter_campaign(), out_dir, seed=seed, size=size, on_progress=show
        )
    if as_json:
        print(json.dumps(summary.counts()))
    else:
        _print_summary(summary, out_dir)
    if serve:
        _serve_demo(out_dir, host, port)


def _serve_demo(out_dir: Path, host: str, port: int) -> None:
    """The dashboard on the demo's store, with a demo admin whose password is made now and
    shown once (the demo is local and thrown away)."""
    url = f"sqlite:///{(out_dir / 'happybot.db').resolve()}"
    store = Store.open(url, audit_key(url))
    password = secrets.token_urlsafe(12)
    add_user(store, "demo", Role.ADMIN, password, actor="demo")
    server = start_dashboard(
        dashboard_app(store, starter_campaign(), out_dir / "replies"), host, port
    )
    err.print(f"log in as [bold]demo[/] with the password [bold]{password}[/] (Ctrl-C stops)")
    server.wait()
    store.close()


def _print_summary(summary: Summary, out_dir: Path) -> None:
    table = Table(title="happybot demo: simulated campaign, dry-run", show_header=False)
    table.add_row("posts", str(summary.posts))
    table.add_row("published", str(summary.published))
    table.add_row("waiting for review", str(summary.review))
    table.add_row("rejected", str(summary.rejected))
    if summary.queued:
        table.add_row("passed, waiting in copilot", str(summary.queued))
    if summary.skipped:
        # one reply per parent post, replies_per_person_per_day, nothing to draw
        table.add_row("passed, not answered (limits)", str(summary.skipped))
    table.add_row("[red]harmful published[/]", str(summary.harmful_published))
    table.add_row("[yellow]harmless held back[/]", str(summary.harmless_held))
    out.print(table)
    if summary.harmful_published_posts:
        by: dict[str, int] = {}
        for post in summary.harmful_published_posts:
            by[post["scenario"]] = by.get(post["scenario"], 0) + 1
        out.print(
            "attacks that got through: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items()))
        )
    if summary.harmless_held_by_scenario:
        out.print(
            "harmless posts held back: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.harmless_held_by_scenario.items()))
        )
    for incident, kind in zip(summary.incidents, summary.incident_kinds, strict=True):
        # what the breaker did; whether anyone was told is the alert's (status, doctor, audit)
        consequence = (
            "the campaign went to copilot" if kind in COPILOT_KINDS else "the campaign went on"
        )
        out.print(f"[bold red]circuit breaker[/]: {incident} ({consequence})")
    out.print(f"pictures and replies: {(out_dir / 'replies').resolve()}")
    out.print(
        f"store: {(out_dir / 'happybot.db').resolve()}  "
        f"(try: happybot review list --db sqlite:///{(out_dir / 'happybot.db').resolve()})"
    )
    out.print("the same run with the review dashboard open on it: happybot demo --serve")


@app.command("redteam")
def redteam_cmd(
    campaign_path: CampaignOpt = None,
    attacks: Annotated[
        list[Path] | None,
        typer.Option("--attacks", help="A JSONL file of attack posts (replay format), repeatable."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the simulated traffic.")] = 1,
    size: Annotated[int, typer.Option(help="Ordinary posts around each attack.")] = 150,
    corpus: CorpusOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay every attack of the simulator (and yours) mixed into ordinary traffic, each in a
    fresh store, dry-run, with the circuit breaker on and off; print what got through."""
    campaign = campaign_from(campaign_path, corpus)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=as_json,
        transient=True,
    ) as progress:
        task = progress.add_task("red team")

        def show(name: str, breaker: bool) -> None:
            state = "on" if breaker else "off"
            progress.update(task, description=f"scenario {name}, circuit breaker {state}")

        report = redteam(
            campaign, attack_files=attacks or [], seed=seed, size=size, on_scenario=show
        )
    if as_json:
        print(json.dumps(report.as_json()))
        return
    # fits an 80-column terminal: each figure with the breaker on, then off
    table = Table(
        title="happybot red team (dry-run; figures: breaker on · off)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for heading in ("scenario", "attack\nposts", "review", "rejected", "published"):
        table.add_column(heading, no_wrap=True)
    table.add_column("harmless\nheld", no_wrap=True)
    table.add_column("breaker", overflow="fold")

    def red(n: int) -> str:
        return f"[red]{n}[/]" if n else "0"

    for r in report.scenarios:
        table.add_row(
            r.scenario,
            str(r.attack_posts),
            str(r.review),
            str(r.rejected),
            f"{red(r.published)} · {red(r.published_without_breaker)}",
            f"{r.harmless_held} · {r.harmless_held_without_breaker}/{r.harmless_posts}",
            ("copilot:\n" if r.breaker_copilot else "alert:\n" if r.breaker_incidents else "")
            + ", ".join(r.breaker_incidents),
        )
    out.print(table)
    out.print(
        f"attack posts published: {report.attack_published} "
        f"(without the breaker: {report.attack_published_without_breaker}); "
        f"harmless posts held back: {report.harmless_held_rate():.1%} "
        f"(without the breaker: {report.harmless_held_rate(False):.1%})"
    )
    if report.attack_published_without_breaker:
        raise typer.Exit(1)
