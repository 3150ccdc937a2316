"""Run simulated traffic through the whole flow on its own timeline, dry-run, and score it.

Shared by `happybot demo` and `happybot redteam`: a fresh store in a folder, the simulator's
posts read on a clock that follows their times (hours of campaign in seconds), one post at a
time so that windows, rates and the publish delay see what they would see live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from happybot.config import audit_key
from happybot.measure.scoring import Summary, summarise
from happybot.measure.timeline import TimelineClock
from happybot.operate.alerts import Channel
from happybot.operate.breaker import CircuitBreaker
from happybot.pipeline.runner import Pipeline, RunStats
from happybot.platforms.dryrun import DryRunPlatform
from happybot.platforms.simulate import ATTACKS, Simulator
from happybot.screens.base import load_screens
from happybot.store.db import Store

if TYPE_CHECKING:
    from happybot.config import Campaign


def run_simulation(
    campaign: Campaign,
    folder: Path,
    *,
    scenario: str = "campaign",
    seed: int = 1,
    size: int = 200,
    attacks: Sequence[str] = ATTACKS,
    extra: Sequence[Sequence[dict[str, Any]]] = (),
    breaker: bool = True,
    channels: Sequence[Channel] | None = None,
    on_progress: Callable[[RunStats], None] | None = None,
) -> Summary:
    """`channels`: where the breaker's alerts go (default: the campaign's own)."""
    folder.mkdir(parents=True, exist_ok=True)
    clock = TimelineClock(datetime.now(UTC).replace(microsecond=0))
    url = f"sqlite:///{(folder / 'happybot.db').resolve()}"
    store = Store.open(url, audit_key(url), clock=clock)
    source = Simulator(
        scenario,
        seed=seed,
        now=clock.now,
        hashtag=campaign.hashtag,
        size=size,
        attacks=attacks,
        extra=extra,
        languages=campaign.languages,
    )
    platform = DryRunPlatform(clock.follow(source), folder / "replies")
    pipeline = Pipeline(
        campaign,
        store,
        platform,
        load_screens(campaign),
        batch_size=1,
        watch=CircuitBreaker(store, campaign, channels) if breaker else None,
        sleep=clock.sleep,
    )
    try:
        pipeline.run(on_progress=on_progress)
        return summarise(store)
    finally:
        pipeline.close()
        store.close()
