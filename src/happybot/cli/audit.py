"""`happybot audit verify` and `happybot status`."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, open_store, out
from happybot.stats import STATE_LABELS, counts
from happybot.store import audit as chain

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Check the hash chain; name the first entry that does not verify."""
    store = open_store(db, campaign_from(campaign_path))
    with store.transaction() as session:
        status = chain.verify(session, store.audit_key)
    if as_json:
        print(
            json.dumps(
                {
                    "ok": status.ok,
                    "entries": status.entries,
                    "broken_at": status.broken_at,
                    "problem": status.problem,
                }
            )
        )
    elif status.ok:
        out.print(f"[green]audit chain intact[/]: {status.entries} entries")
    else:
        out.print(
            f"[red]audit chain broken at entry {status.broken_at}[/]: {status.problem} "
            f"({status.entries} entries before it verify)"
        )
    if not status.ok:
        raise typer.Exit(1)


@app.command()
def status(campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Mode, open incidents, and how many posts are in each state."""
    store = open_store(db, campaign_from(campaign_path))
    now = counts(store)
    if as_json:
        print(json.dumps(now.as_json()))
        return
    out.print(f"mode: [bold]{now.mode.value if now.mode else 'not set'}[/]")
    for incident in now.open_incidents:
        out.print(f"[red]open incident {incident.id}[/] ({incident.kind}): {incident.summary}")
    table = Table("state", "posts", title="posts")
    for state, count in sorted(now.posts.items()):
        table.add_row(STATE_LABELS.get(state, state), str(count))
    out.print(table)
    out.print(
        f"waiting for review: {now.waiting_for_review}   flagged by the screens: "
        f"{now.flagged} ({now.flagged_rate:.1%})   dead letters: {now.dead_letters}   "
        f"outbox: {now.outbox}"
    )
