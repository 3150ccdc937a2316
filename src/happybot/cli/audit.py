"""`happybot audit verify` and `happybot status`."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, err, open_store, out
from happybot.cli.display import shown
from happybot.config import Campaign, audit_key_path, db_url
from happybot.errors import ConfigError
from happybot.operate.alerts import undelivered
from happybot.operate.stats import STATE_LABELS, counts
from happybot.store import audit as chain
from happybot.store.audit import GENESIS
from happybot.store.processes import Process, processes

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
    expect: Annotated[
        str | None,
        typer.Option(
            "--expect",
            help="A head hash noted earlier (12 hex digits or more): the chain must still hold "
            "it, so entries removed from its end are found.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the hash chain; name the first entry that does not verify. Prints the head hash to
    note somewhere the database cannot reach; it is also kept in the anchor file beside the key
    (`happybot.db.head`), and a later verify checks the chain still holds it."""
    campaign = campaign_from(campaign_path)
    url = db_url(db, campaign)
    store = open_store(db, campaign)
    anchor = anchor_path(url, campaign)
    noted = [(f"--expect {expect}", expect)] if expect else []
    if expect is not None and not re.fullmatch(r"[0-9a-fA-F]{12,64}", expect.strip()):
        raise ConfigError("--expect takes a head hash of 12 to 64 hex digits")
    if (head := read_anchor(anchor)) is not None:
        noted.append((f"the anchor file {anchor}", head))
    with store.transaction() as session:
        status = chain.verify(session, store.audit_key)
        missing = [
            (source, value)
            for source, value in noted
            if chain.entry_with_hash(session, value) is None
        ]
    ok = status.ok and not missing
    problem = status.problem
    if status.ok and missing:
        source, value = missing[0]
        problem = (
            f"the chain no longer holds the entry {value[:16]}… named by {source}: entries were "
            "removed from its end, or rewritten"
        )
    if ok and status.entries:  # an empty chain has no entry to note
        write_anchor(anchor, status.head)
    if as_json:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "entries": status.entries,
                    "broken_at": status.broken_at,
                    "problem": problem,
                    "head": status.head,
                }
            )
        )
    elif ok:
        out.print(f"[green]audit chain intact[/]: {status.entries} entries; head {status.head}")
    elif not status.ok:
        out.print(
            f"[red]audit chain broken at entry {status.broken_at}[/]: {problem} "
            f"({status.entries} entries before it verify)"
        )
    else:
        out.print(f"[red]audit chain cut short[/]: {problem}")
    if not ok:
        raise typer.Exit(1)


def anchor_path(url: str, campaign: Campaign | None) -> Path:
    """Where the last head is noted: beside the audit key, outside the database."""
    return audit_key_path(url, campaign).with_suffix(".head")


def read_anchor(path: Path) -> str | None:
    try:
        lines = path.read_text().split()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the anchor file {path}: {exc.strerror}") from exc
    heads = [line for line in lines if re.fullmatch(r"[0-9a-f]{64}", line) and line != GENESIS]
    return heads[-1] if heads else None


def write_anchor(path: Path, head: str) -> None:
    """Note the head; a failure to write it is said, not fatal (the check is an extra)."""
    try:
        path.write_text(head + "\n")
    except OSError as exc:
        err.print(f"[yellow]could not note the head in {path}: {exc.strerror}[/]")


# stopped processes stay in `status` this long: a worker that died a minute ago is news
RECENTLY = timedelta(hours=1)
STATE_STYLE = {"alive": "green", "silent": "bold red", "died": "red", "stopped": "dim"}


def process_table(running: list[Process], now: datetime) -> Table:
    table = Table(
        "process", "role", "state", "last beat", "started", "judged", "sent", title="processes"
    )
    for p in running:
        state = p.state(now)
        style = STATE_STYLE.get(state, "")
        table.add_row(
            shown(p.id),
            p.role,
            f"[{style}]{state}[/]" if style else state,
            f"{(now - p.heartbeat_at).total_seconds():.0f} s ago",
            p.started_at.strftime("%H:%M:%S"),
            str(p.detail.get("screened", "")),
            str(p.detail.get("published", "")),
        )
    return table


@app.command()
def status(campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Mode, open incidents, and how many posts are in each state."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    now = counts(store)
    off = campaign.alerts.off_because()
    untold = undelivered(store)
    clock = store.clock()
    running = [
        p for p in processes(store) if p.stopped_at is None or clock - p.stopped_at <= RECENTLY
    ]
    if as_json:
        alerts = {"on": off is None, "off_because": off, "undelivered_incidents": untold}
        shown_processes = [p.as_json(clock) for p in running]
        print(json.dumps({**now.as_json(), "alerts": alerts, "processes": shown_processes}))
        return
    out.print(f"mode: [bold]{now.mode.value if now.mode else 'not set'}[/]")
    out.print("alerts: on" if off is None else f"alerts: [yellow]off[/] ({off})")
    if untold:
        out.print(
            f"[bold red]no alert reached anyone for incident {', '.join(map(str, untold))}[/]: "
            "every channel failed (the audit's alert-failed entries say why)"
        )
    for incident in now.open_incidents:
        out.print(f"[red]open incident {incident.id}[/] ({incident.kind}): {incident.summary}")
    table = Table("state", "posts", title="posts")
    for state, count in sorted(now.posts.items()):
        table.add_row(STATE_LABELS.get(state, state), str(count))
    out.print(table)
    if running:
        out.print(process_table(running, clock))
    out.print(
        f"waiting for review: {now.waiting_for_review}   flagged by the screens: "
        f"{now.flagged} ({now.flagged_rate:.1%})   dead letters: {now.dead_letters}   "
        f"outbox: {now.outbox}"
    )
