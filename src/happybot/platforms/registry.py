"""Open a source or a platform from its spec: `replay:FILE`, `simulate:SCENARIO`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from happybot.errors import SourceError
from happybot.networks import network
from happybot.platforms.base import Platform, Source
from happybot.platforms.dryrun import DryRunPlatform
from happybot.platforms.replay import ReplaySource
from happybot.platforms.simulate import Simulator

if TYPE_CHECKING:
    from happybot.config import Campaign


def open_source(
    spec: str,
    *,
    campaign: Campaign,
    base_dir: Path | None = None,
    seed: int = 0,
    now: datetime | None = None,
    size: int = 200,
) -> Source:
    """A replay path is relative to `base_dir` (the working folder for a --source option,
    the campaign file's folder for the campaign's own setting)."""
    kind, _, arg = spec.partition(":")
    if kind == "replay" and arg:
        return ReplaySource(
            (base_dir or Path.cwd()) / arg,
            reply_when=campaign.platform.reply_when,
            account=campaign.platform.account,
        )
    if kind == "simulate":
        return Simulator(
            arg or "campaign",
            seed=seed,
            now=now,
            hashtag=campaign.hashtag,
            size=size,
            languages=campaign.languages,
        )
    raise SourceError(f"unknown source {spec!r}: use replay:FILE or simulate:SCENARIO")


def open_platform(
    campaign: Campaign,
    *,
    source: str | None = None,
    dry_run: bool = True,
    out_dir: str | Path | None = None,
    seed: int = 0,
    now: datetime | None = None,
    size: int = 200,
) -> Platform:
    """The campaign's platform. With `dry_run`, replies are written to a folder instead of
    posted (a network's campaign still listens on its network); a `source` given replaces
    where the posts come from, and is always dry-run."""
    if campaign.platform.kind != "dryrun" and source is None:
        net = network(campaign.platform.kind)
        opened = net.open(campaign.platform.settings_for(net.name), campaign, not dry_run)
        if not dry_run:
            return opened
        # dry-run on the real network: listen and read, write the replies to the folder
        return DryRunPlatform(opened, out_dir or campaign.path(campaign.platform.out_dir))
    if source is not None:
        src = open_source(source, campaign=campaign, seed=seed, now=now, size=size)
    else:
        src = open_source(
            campaign.platform.source,
            campaign=campaign,
            base_dir=Path(campaign.base_dir),
            seed=seed,
            now=now,
            size=size,
        )
    folder = out_dir or campaign.path(campaign.platform.out_dir)
    return DryRunPlatform(src, folder)
