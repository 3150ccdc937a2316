"""`happybot screen`: what the gate says about one text or a file of posts, with evidence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from happybot.cli import CampaignOpt, CorpusOpt, JsonOpt, app, campaign_from, err, out
from happybot.cli.display import shown
from happybot.errors import SourceError
from happybot.history import MemoryHistory, RecentPost
from happybot.models import Author, Decision, Finding, Post, Trigger
from happybot.pipeline.judge import Judgement, judge
from happybot.pipeline.screen import ScreenRunner
from happybot.platforms.replay import parse_line
from happybot.screens.base import ScreenContext, load_screens
from happybot.screens.lexicon import LexiconScreen
from happybot.text.normalize import normalize

_COLOUR = {Decision.PUBLISH: "green", Decision.REVIEW: "yellow", Decision.REJECT: "red"}


@app.command()
def screen(
    text: Annotated[str | None, typer.Argument(help="A post's text to screen.")] = None,
    campaign_path: CampaignOpt = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="A JSONL file of posts (replay format), screened as one stream in order."
        ),
    ] = None,
    handle: Annotated[str, typer.Option(help="Author handle for TEXT.")] = "someone.example",
    name: Annotated[
        str | None, typer.Option("--name", help="Author display name for TEXT.")
    ] = None,
    corpus: CorpusOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Screen a text or a file of posts and print each verdict with every finding and its
    evidence. Nothing is stored or published."""
    if (text is None) == (file is None):
        raise typer.BadParameter("give either TEXT or --file")
    campaign = campaign_from(campaign_path, corpus)
    now = datetime.now(UTC)
    if text is not None:
        # a bare text has no real author: screen it as from an established account
        author = Author(
            handle=handle, display_name=name, created_at=now - timedelta(days=365), posts=100
        )
        triggers = [Trigger("cli", Post(id="text", text=text, author=author))]
    else:
        assert file is not None
        triggers = _read(file)
    screens = load_screens(campaign)
    lexicon = next((s for s in screens if isinstance(s, LexiconScreen)), LexiconScreen(campaign))
    policy = campaign.policy()
    history = MemoryHistory()
    with ScreenRunner(screens) as runner:
        for trigger in triggers:
            at = trigger.post.created_at or now
            history.add(
                RecentPost(
                    trigger.key, trigger.post.author.handle, normalize(trigger.art_text).text, at
                )
            )
            ctx = ScreenContext(
                now=at,
                deadline=datetime.now(UTC) + timedelta(seconds=campaign.screen_deadline_seconds),
                history=history,
            )
            findings = runner.run([trigger], ctx)[0]
            result = judge(trigger, findings, campaign, policy, lexicon)
            if result.final.decision is Decision.REJECT:
                history.reject(trigger.post.author.handle)
            if as_json:
                print(json.dumps(_as_json(trigger, result), ensure_ascii=False))
            else:
                _show(trigger, result)


def _read(path: Path) -> list[Trigger]:
    if not path.is_file():
        raise SourceError(f"{path} does not exist")
    triggers = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                trigger, _ = parse_line(line)
            except ValueError as exc:
                err.print(f"[yellow]{path}:{number}: skipped:[/] {shown(str(exc))}")
                continue
            triggers.append(trigger)
    return triggers


def _evidence(trigger: Trigger, finding: Finding) -> str | None:
    text = trigger.text_of(finding.target)
    if text is None or finding.span is None:
        return None
    return text[finding.span[0] : finding.span[1]]


def _as_json(trigger: Trigger, result: Judgement) -> dict[str, Any]:
    return {
        "id": trigger.post.id,
        "verdict": result.final.decision.value,
        "reasons": list(result.final.reasons),
        "findings": [
            {
                "stage": stage,
                "screen": f.screen,
                "label": f.label,
                "risk": round(f.risk, 4),
                "target": f.target.value,
                "span": list(f.span) if f.span else None,
                "evidence": _evidence(trigger, f),
                "why": f.why,
            }
            for stage, group in (("input", result.findings), ("output", result.output_findings))
            for f in group
        ],
        "picture_sha256": result.artwork.sha256 if result.artwork else None,
    }


def _show(trigger: Trigger, result: Judgement) -> None:
    decision = result.final.decision
    colour = _COLOUR[decision]
    out.print(
        f"[bold]{shown(trigger.post.id)}[/] @{shown(trigger.post.author.handle)}: "
        f"[bold {colour}]{decision.value}[/]"
    )
    for reason in result.final.reasons:
        out.print(f"  • {shown(reason)}")
    findings = list(result.findings) + list(result.output_findings)
    if not findings:
        return
    table = Table("screen", "label", "risk", "where", "evidence", show_lines=False)
    for f in findings:
        text = trigger.text_of(f.target)
        evidence = ""
        if text is not None and f.span is not None:
            a, b = f.span
            before, hit, after = text[max(0, a - 20) : a], text[a:b], text[b : b + 20]
            evidence = f"{shown(before)}[reverse]{shown(hit)}[/]{shown(after)}"
        table.add_row(f.screen, f.label, f"{f.risk:.2f}", f.target.value, evidence or shown(f.why))
    out.print(table)
