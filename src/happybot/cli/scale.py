"""`happybot listen` and `happybot worker`: one campaign on several processes over PostgreSQL
(pipeline/roles.py says who does what; the README's "Running at scale" shows a set-up)."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

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
from happybot.cli.run import (
    DryRunOpt,
    LimitOpt,
    OutOpt,
    SeedOpt,
    SourceOpt,
    StopWhenIdleOpt,
    say_if_unlabelled,
)
from happybot.operate.breaker import CircuitBreaker
from happybot.pipeline.roles import Listener, Worker
from happybot.pipeline.runner import Pipeline, RunStats
from happybot.platforms.registry import open_platform
from happybot.screens.base import load_screens
from happybot.store.locks import require_shared
from happybot.store.processes import Heartbeat, register


@contextmanager
def stop_on_signal() -> Iterator[threading.Event]:
    """SIGTERM (systemd's stop, a rolling restart) and Ctrl-C let the step in hand finish and
    end the process cleanly; a second Ctrl-C stops at once."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        err.print(f"{signal.Signals(signum).name}: stopping after the step in hand")
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _report(stats: RunStats, as_json: bool, **extra: object) -> None:
    result = {
        "received": stats.received,
        "duplicates": stats.duplicates,
        "dead_letters": stats.dead_letters,
        "screened": stats.screened,
        "published": stats.published,
        "review": stats.decisions.get("review", 0),
        "rejected": stats.decisions.get("rejected", 0),
        **extra,
    }
    if as_json:
        print(json.dumps(result))
    else:
        out.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.items()))


@app.command()
def listen(
    campaign_path: CampaignOpt = None,
    source: SourceOpt = None,
    db: DbOpt = None,
    seed: SeedOpt = 0,
    limit: LimitOpt = None,
    stop_when_idle: StopWhenIdleOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Hold the campaign's source and store what it brings, for the workers (PostgreSQL). Start
    two: one listens, the other stands by and takes over within seconds if the first dies."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign, create=True)
    require_shared(store, "listener")
    platform = open_platform(campaign, source=source, seed=seed, now=store.clock())
    ident = register(store, "standby")
    pipeline = Pipeline(campaign, store, platform, (), owner=ident)
    try:
        with stop_on_signal() as stop, Heartbeat(store, ident, "standby") as heartbeat:
            listener = Listener(pipeline, heartbeat, stop)
            stats = listener.run(limit=limit, stop_when_idle=stop_when_idle)
    finally:
        store.close()
    _report(stats, as_json, process=ident)


@app.command()
def worker(
    campaign_path: CampaignOpt = None,
    dry_run: DryRunOpt = False,
    out_dir: OutOpt = None,
    db: DbOpt = None,
    source: SourceOpt = None,
    seed: SeedOpt = 0,
    stop_when_idle: Annotated[
        bool,
        typer.Option(
            "--stop-when-idle",
            help="Stop once no post waits to be judged and no reply waits to be sent.",
        ),
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Posts claimed and screened together.")] = 32,
    corpus: CorpusOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Screen, draw and publish the posts the listener stored (PostgreSQL). Start as many as the
    load needs, on any machines: each claims its own posts and replies."""
    campaign = campaign_from(campaign_path, corpus)
    store = open_store(db, campaign, create=True)
    require_shared(store, "worker")
    platform = open_platform(
        campaign, source=source, dry_run=dry_run, out_dir=out_dir, seed=seed, now=store.clock()
    )
    say_if_unlabelled(platform)
    ident = register(store, "worker")
    pipeline = Pipeline(
        campaign,
        store,
        platform,
        load_screens(campaign),
        batch_size=batch_size,
        rate_limited=not dry_run,
        watch=CircuitBreaker(store, campaign),
        owner=ident,
    )
    try:
        with stop_on_signal() as stop, Heartbeat(store, ident, "worker") as heartbeat:
            stats = Worker(pipeline, heartbeat, stop).run(stop_when_idle=stop_when_idle)
    finally:
        pipeline.close()
        store.close()
    folder = getattr(platform, "out_dir", None)
    _report(stats, as_json, process=ident, out_dir=str(Path(folder)) if folder else None)
