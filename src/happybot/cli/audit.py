"""`happybot audit verify` and `happybot status`."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from sqlalchemy import func, select

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, open_store, out
from happybot.incidents import open_incidents
from happybot.store import audit as chain
from happybot.store import queries
from happybot.store.schema import DeadLetterRow, OutboxRow, PostRow

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
    with store.transaction() as session:
        mode = queries.get_mode(session)
        states = dict(
            session.execute(select(PostRow.state, func.count()).group_by(PostRow.state)).all()
        )
        outbox = dict(
            session.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)).all()
        )
        dead = session.execute(select(func.count()).select_from(DeadLetterRow)).scalar_one()
    incidents = open_incidents(store)
    posts = {k: int(v) for k, v in states.items()}
    data = {
        "mode": mode.value if mode else None,
        "posts": posts,
        "outbox": {k: int(v) for k, v in outbox.items()},
        "dead_letters": int(dead),
        "open_incidents": [{"id": i.id, "kind": i.kind, "summary": i.summary} for i in incidents],
    }
    if as_json:
        print(json.dumps(data))
        return
    out.print(f"mode: [bold]{data['mode'] or 'not set'}[/]")
    for incident in incidents:
        out.print(f"[red]open incident {incident.id}[/] ({incident.kind}): {incident.summary}")
    table = Table("state", "posts", title="posts")
    labels = {"review": "waiting for review"}
    for state, count in sorted(posts.items()):
        table.add_row(labels.get(state, state), str(count))
    out.print(table)
    out.print(f"dead letters: {data['dead_letters']}   outbox: {data['outbox']}")
