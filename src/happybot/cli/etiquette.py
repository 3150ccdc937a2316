"""`happybot optouts` (people who turned the bot away) and `happybot accounts` (the bot's
"automated account" label on its network)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, open_store, out
from happybot.cli.display import shown
from happybot.config import Campaign, default_actor
from happybot.errors import ConfigError
from happybot.networks import network
from happybot.operate import optouts
from happybot.platforms.base import Labelled

optouts_app = typer.Typer(help="People who get no reply: stops, blocks, the list, reviewers'.")
app.add_typer(optouts_app, name="optouts", no_args_is_help=True)
accounts_app = typer.Typer(help="The bot's account says it is a bot, as each network asks.")
app.add_typer(accounts_app, name="accounts", no_args_is_help=True)

NetworkOpt = Annotated[
    str | None,
    typer.Option(
        "--network", help="The network's name as posts carry it (default: the campaign's)."
    ),
]


def _network(campaign: Campaign, given: str | None) -> str:
    return given or campaign.network_name()


@optouts_app.command("list")
def optouts_list(
    campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """Everyone who gets no reply, and why: a stop, a block, a reviewer, the campaign's list."""
    campaign = campaign_from(campaign_path)
    found = optouts.everyone(open_store(db, campaign), campaign)
    if as_json:
        for o in found:
            print(json.dumps(o.as_json()))
        return
    table = Table("network", "handle", "how", "when", "by", title=f"{len(found)} opted out")
    for o in found:
        table.add_row(
            shown(o.platform or "every"),
            shown(o.handle),
            o.how,
            o.at.strftime("%Y-%m-%d %H:%M") if o.at else "",
            shown(o.by),
        )
    out.print(table)


@optouts_app.command("add")
def optouts_add(
    handle: str,
    network: NetworkOpt = None,
    note: Annotated[str, typer.Option(help="Why (kept in the store and the audit).")] = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Opt a person out by hand (they asked elsewhere): no reply to them again, and their
    replies still waiting are cancelled."""
    campaign = campaign_from(campaign_path)
    name = _network(campaign, network)
    new = optouts.add(open_store(db, campaign), name, handle, default_actor(), note)
    out.print(f"@{shown(handle.lstrip('@'))} on {name}: " + ("opted out" if new else "already"))


@optouts_app.command("remove")
def optouts_remove(
    handle: str, network: NetworkOpt = None, campaign_path: CampaignOpt = None, db: DbOpt = None
) -> None:
    """Take an opt-out back, when the person asks to be answered again."""
    campaign = campaign_from(campaign_path)
    name = _network(campaign, network)
    optouts.remove(open_store(db, campaign), name, handle, default_actor())
    out.print(f"@{shown(handle.lstrip('@'))} on {name} may be answered again")


@optouts_app.command("export")
def optouts_export(
    to: Annotated[Path | None, typer.Option("--to", help="A CSV file (default: stdout).")] = None,
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Every opt-out as CSV (network, account, handle, how, ref, at, by)."""
    campaign = campaign_from(campaign_path)
    text = optouts.as_csv(optouts.everyone(open_store(db, campaign), campaign))
    if to is None:
        sys.stdout.write(text)
        return
    to.write_text(text, encoding="utf-8")
    out.print(f"wrote {text.count(chr(10)) - 1} opt-outs to {shown(str(to))}")


def _labelled(campaign: Campaign) -> Labelled:

    kind = campaign.platform.kind
    if kind == "dryrun":
        raise ConfigError("a dry-run campaign has no account: set platform.kind to a network")
    net = network(kind)
    platform = net.open(campaign.platform.settings_for(kind), campaign, True)
    if not isinstance(platform, Labelled):
        raise ConfigError(f"{kind}: the adapter cannot read its account's label")
    return platform


@accounts_app.command("check")
def accounts_check(campaign_path: CampaignOpt = None, as_json: JsonOpt = False) -> None:
    """Whether the bot's account carries its network's "automated account" label."""
    campaign = campaign_from(campaign_path)
    label = _labelled(campaign).bot_label()
    if as_json:
        print(json.dumps({"network": campaign.platform.kind, "on": label.on, "where": label.where}))
    elif label.on:
        out.print(f"labelled as a bot: {shown(label.where)}")
    elif label.on is None:
        out.print(f"cannot be read through the API: {shown(label.where)}")
    else:
        out.print(
            f"[bold]not labelled as a bot[/]: {shown(label.where)}; run `happybot accounts setup`"
        )
    if label.on is False:
        raise typer.Exit(1)


@accounts_app.command("setup")
def accounts_setup(campaign_path: CampaignOpt = None) -> None:
    """Set the bot's "automated account" label where the network lets an API set it."""
    campaign = campaign_from(campaign_path)
    platform = _labelled(campaign)
    if platform.bot_label().on is None:
        raise ConfigError(f"{campaign.platform.kind}: {platform.bot_label().where}")
    platform.set_bot_label()
    label = platform.bot_label()
    out.print(f"labelled as a bot: {shown(label.where)}" if label.on else "the label did not stick")
    if not label.on:
        raise typer.Exit(1)
