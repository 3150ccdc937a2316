"""`happybot review`, `mode` and `retract`: the people's controls, thin over the same
functions the dashboard calls."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, open_store, out
from happybot.cli.display import shown
from happybot.config import default_actor
from happybot.errors import HappybotError
from happybot.models import Mode
from happybot.operate import review as review_actions
from happybot.operate import statements
from happybot.operate.incident_record import record_of
from happybot.operate.incident_report import html_report, markdown_report
from happybot.operate.incidents import acknowledge, close_incident, open_incidents
from happybot.operate.modes import current_mode, set_mode
from happybot.operate.retract import Selection, published_matching, retract
from happybot.operate.users import Role, role_of
from happybot.platforms.registry import open_platform
from happybot.store.db import Store, as_utc
from happybot.store.schema import ArtworkRow

review_app = typer.Typer(
    help="The review queue: list, show, approve, reject.", no_args_is_help=True
)
app.add_typer(review_app, name="review")

ByOpt = Annotated[str | None, typer.Option("--by", help="Who acts (default: your user name).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why; kept in the audit.")]


@review_app.command("list")
def review_list(
    campaign_path: CampaignOpt = None, db: DbOpt = None, limit: int = 50, as_json: JsonOpt = False
) -> None:
    """Posts waiting for a person, oldest first, with the verdict's reasons."""
    store = open_store(db, campaign_from(campaign_path))
    items = review_actions.queue(store, limit=limit)
    if as_json:
        for item in items:
            print(
                json.dumps(
                    {
                        "post_id": item.post_id,
                        "trigger": item.trigger.key,
                        "author": item.trigger.post.author.handle,
                        "text": item.trigger.art_text,
                        "reasons": item.reasons,
                        "picture_sha256": item.picture_sha256,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not items:
        out.print("nothing is waiting for review")
        return
    table = Table(
        "id", "author", "words to draw", "why it waits", "picture", title="waiting for review"
    )
    for item in items:
        table.add_row(
            str(item.post_id),
            shown("@" + item.trigger.post.author.handle),
            shown(item.trigger.art_text[:80]),
            "\n".join(shown(r.split(" at ")[0]) for r in item.reasons),
            (item.picture_sha256 or "none")[:12],
        )
    out.print(table)


@review_app.command("show")
def review_show(
    post_id: int,
    picture: Annotated[
        Path | None,
        typer.Option("--picture", help="Write the picture to this file (or into this folder)."),
    ] = None,
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """One post with its evidence; writes the exact picture that would be posted."""
    store = open_store(db, campaign_from(campaign_path))
    item = review_actions.get_item(store, post_id)
    t = item.trigger
    out.print(f"[bold]post {post_id}[/] {shown(t.key)} by @{shown(t.post.author.handle)}")
    out.print(f"text: {shown(t.post.text)}")
    if t.parent:
        out.print(f"in reply to @{shown(t.parent.author.handle)}: {shown(t.parent.text)}")
    for reason in item.reasons:
        out.print(f"  • {shown(reason)}")
    for f in item.findings:
        text = t.text_of(f.target)
        ev = repr(text[f.span[0] : f.span[1]]) if text and f.span else ""
        out.print(
            f"  - {f.screen}/{f.label} {f.risk:.2f} {f.target.value} {shown(ev)} {shown(f.why)}"
        )
    out.print(f"reply text: {shown(item.reply_text or '')}")
    out.print(f"picture sha256: {item.picture_sha256 or 'none'}")
    if picture is not None and item.picture_sha256:
        if picture.is_dir():
            picture = picture / f"post-{post_id}-{item.picture_sha256[:12]}.png"
        with store.transaction() as session:
            art = session.get(ArtworkRow, post_id)
            assert art is not None
            try:
                picture.write_bytes(art.png)
            except OSError as exc:
                raise HappybotError(
                    f"cannot write the picture to {picture}: {exc.strerror}"
                ) from exc
        out.print(f"picture written to {shown(str(picture))}")


@review_app.command("approve")
def review_approve(
    post_id: int,
    picture_hash: Annotated[
        str,
        typer.Option(
            "--hash", help="The picture's sha256 (or its first 12+ characters), from `review show`."
        ),
    ],
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Approve the reply with exactly this picture."""
    if len(picture_hash) < 12:
        raise HappybotError("give at least 12 characters of the picture's hash")
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    who = by or default_actor()
    review_actions.apply_decision(
        store,
        campaign,
        post_id=post_id,
        action="approve",
        reviewer=who,
        role=_role(store, who),
        picture_sha256=picture_hash,
        reason=reason,
    )
    out.print(f"post {post_id} approved; its reply is queued")


def _role(store: Store, name: str) -> Role:
    """The rules of the dashboard hold here too: a name that is a dashboard user acts with
    that user's role; anyone else at the store's own machine is its operator, an admin."""
    return role_of(store, name) or Role.ADMIN


@review_app.command("reject")
def review_reject(
    post_id: int,
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Reject a held post: it is never published."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    who = by or default_actor()
    review_actions.apply_decision(
        store, campaign, post_id=post_id, action="reject", reviewer=who, role=_role(store, who),
        reason=reason,
    )  # fmt: skip
    out.print(f"post {post_id} rejected")


@app.command()
def mode(
    new_mode: Annotated[
        Mode | None,
        typer.Argument(help="autopilot, copilot or paused; omit to show the current mode."),
    ] = None,
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or change the live mode (paused stops every reply not yet sent)."""
    store = open_store(db, campaign_from(campaign_path))
    if new_mode is None:
        current = current_mode(store)
        if as_json:
            print(json.dumps({"mode": current}))
        else:
            told = current.value if current else "not set (the first run seeds it from the file)"
            out.print(f"mode: {told}")
        return
    previous = set_mode(store, new_mode, by or default_actor(), reason)
    if as_json:
        print(json.dumps({"mode": new_mode.value, "previous": previous}))
    else:
        out.print(f"mode: {previous.value if previous else 'unset'} -> {new_mode.value}")


@app.command("retract")
def retract_cmd(
    post: Annotated[
        list[int] | None, typer.Option("--post", help="A post id (repeatable).")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Published at or after (ISO time, UTC).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Published at or before (ISO time, UTC).")
    ] = None,
    author: Annotated[str | None, typer.Option(help="Replies to this handle.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every published reply.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Dry-run reply folder.")] = None,
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Remove published replies from the platform (in dry-run: mark their files)."""
    selection = Selection(post_ids=post, since=as_utc(since), until=as_utc(until), author=author)
    if selection.empty and not everything:
        raise HappybotError("say what to retract: --post, --since/--until, --author, or --all")
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    matching = published_matching(store, selection)
    if not matching:
        out.print("no published reply matches")
        return
    if not yes:
        typer.confirm(
            f"retract {len(matching)} published repl{'y' if len(matching) == 1 else 'ies'}?",
            abort=True,
        )
    # the campaign's own platform: a dry-run campaign's folder, or the real network
    platform = open_platform(campaign, dry_run=False, out_dir=out_dir)
    # the count the person confirmed: if more or fewer match by now, nothing is done
    result = retract(
        store,
        platform,
        selection,
        actor=by or default_actor(),
        reason=reason,
        expected_count=len(matching),
    )
    out.print(f"retracted {len(result.retracted)}")
    for post_id, error in result.failed.items():
        out.print(f"[red]post {post_id} not retracted:[/] {shown(error)}")
    if result.failed:
        raise typer.Exit(1)


incidents_app = typer.Typer(
    help="Incidents the circuit breaker (or a person) opened.", no_args_is_help=True
)
app.add_typer(incidents_app, name="incidents")


@incidents_app.command("list")
def incidents_list(
    campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """The open incidents."""
    store = open_store(db, campaign_from(campaign_path))
    found = open_incidents(store)
    if as_json:
        for i in found:
            print(json.dumps(i.as_json()))
        return
    if not found:
        out.print("no open incident")
    for i in found:
        seen = f", acknowledged by {shown(i.acknowledged_by or '')}" if i.acknowledged_at else ""
        out.print(
            f"[red]incident {i.id}[/] ({i.kind}, opened {i.opened_at:%Y-%m-%d %H:%M} UTC{seen}): "
            f"{shown(i.summary)}"
        )


@incidents_app.command("report")
def incidents_report(
    incident_id: int,
    to: Annotated[
        Path, typer.Option("--out", help="Folder for incident-N.html and incident-N.md.")
    ] = Path("."),
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the incident's report: a self-contained HTML page (timeline, posts per minute by
    outcome with the incident's marks, accounts involved, replies published and retracted with
    thumbnails, the evidence of each verdict) and the same as Markdown."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    record = record_of(store, campaign, incident_id)
    made = store.clock()
    to.mkdir(parents=True, exist_ok=True)
    html_path, md_path = to / f"incident-{incident_id}.html", to / f"incident-{incident_id}.md"
    html_path.write_text(html_report(record, campaign.hashtag, made), encoding="utf-8")
    md_path.write_text(markdown_report(record, campaign.hashtag, made), encoding="utf-8")
    if as_json:
        print(json.dumps({**record.as_json(), "html": str(html_path), "markdown": str(md_path)}))
        return
    out.print(f"wrote {shown(str(html_path))} and {shown(str(md_path))}")


@incidents_app.command("ack")
def incidents_ack(
    incident_id: int,
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Say that a person is on it: an incident that dropped the campaign to copilot and is not
    acknowledged within breaker.pause_unacknowledged_minutes pauses the campaign."""
    store = open_store(db, campaign_from(campaign_path))
    incident = acknowledge(store, incident_id, by or default_actor(), reason)
    out.print(f"incident {incident_id} acknowledged by {shown(incident.acknowledged_by or '')}")


@incidents_app.command("close")
def incidents_close(
    incident_id: int,
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Close an incident once people have looked (the mode stays as it is: change it with
    `happybot mode`)."""
    store = open_store(db, campaign_from(campaign_path))
    close_incident(store, incident_id, by or default_actor(), reason)
    mode = current_mode(store)
    out.print(f"incident {incident_id} closed; the mode is still {mode.value if mode else 'unset'}")


statements_app = typer.Typer(
    help="Holding statements: prepared in the campaign file, approved by an admin, posted from "
    "an incident.",
    no_args_is_help=True,
)
app.add_typer(statements_app, name="statements")


@statements_app.command("list")
def statements_list(
    campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """The campaign file's statements, their words' hash, and who approved them."""
    campaign = campaign_from(campaign_path)
    found = statements.prepared(open_store(db, campaign), campaign)
    if as_json:
        for p in found:
            print(json.dumps(asdict(p)))
        return
    if not found:
        out.print("the campaign file has no statements (see `statements` in the README)")
    for p in found:
        state = (
            f"approved by {shown(p.approved_by)}" if p.approved_by else "[yellow]not approved[/]"
        )
        out.print(f"{p.network}/{p.language} ({p.sha256[:12]}, {state}): {shown(p.text)}")


@statements_app.command("approve")
def statements_approve(
    network: str,
    language: str,
    sha256: Annotated[str, typer.Option("--hash", help="Its words' hash, as `list` shows.")],
    by: ByOpt = None,
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Approve a statement's exact words (an admin, before launch)."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    actor = by or default_actor()
    if _role(store, actor) is not Role.ADMIN:
        raise HappybotError(f"{actor} is not an admin: only an admin approves a statement")
    done = statements.approve(store, campaign, network, language, sha256, actor)
    out.print(f"{done.network}/{done.language} approved by {shown(actor)}")


@incidents_app.command("statement")
def incidents_statement(
    incident_id: int,
    language: Annotated[str, typer.Option(help="The statement's language.")] = "en",
    undo: Annotated[
        bool, typer.Option("--retract", help="Delete the statement posted for it instead.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Dry-run reply folder.")] = None,
    by: ByOpt = None,
    reason: ReasonOpt = "",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Post the approved holding statement from the brand's account for this incident (once,
    audited), or with --retract delete it."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign)
    actor = by or default_actor()
    if _role(store, actor) is not Role.ADMIN:
        raise HappybotError(f"{actor} is not an admin: only an admin speaks for the brand")
    platform = open_platform(campaign, dry_run=False, out_dir=out_dir)
    if undo:
        gone = statements.retract_statement(store, platform, incident_id, actor, reason)
        out.print(f"{gone} statement{'s' if gone != 1 else ''} retracted")
        return
    chosen = statements.choose(store, campaign, campaign.network_name(), language)
    if not yes:
        typer.confirm(f"post this from the brand's account?\n  {chosen.text}\n", abort=True)
    published = statements.post_statement(store, campaign, platform, incident_id, actor, language)
    out.print(f"statement posted: {shown(published.url or published.ref)}")
