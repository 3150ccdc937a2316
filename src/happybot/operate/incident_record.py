"""An incident as a record a communications team can hand on: what happened, minute by minute,
built from the audit chain (so it says only what the store can prove), with the posts held,
the accounts involved, and the replies that went out while it lasted.

The window starts one breaker window before the incident opened (the posts that tripped it)
and ends when it was closed (or now, while it is open).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from happybot.models import PostState
from happybot.operate.incidents import get_incident
from happybot.store.schema import ArtworkRow, AuditRow, FindingRow, OutboxRow, PostRow

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.models import Incident
    from happybot.store.db import Store

# what became of a post, for the chart: the states people care about, the rest as "other"
OUTCOMES = ("published", "waiting", "rejected", "other")
_OUTCOME = {
    PostState.PUBLISHED: "published",
    PostState.RETRACTED: "published",
    PostState.REVIEW: "waiting",
    PostState.REJECTED: "rejected",
}
MAX_HELD = 200  # posts listed with their evidence; the counts cover them all


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # the audit's kind, or "first-hold"
    actor: str
    what: str  # a sentence for people


@dataclass(frozen=True)
class Held:
    post_id: int
    author: str
    at: datetime
    state: str  # review | rejected
    evidence: tuple[str, ...]  # each finding's reason


@dataclass(frozen=True)
class Sent:
    post_id: int
    author: str
    at: datetime | None
    state: str  # published | retracted
    url: str | None
    alt_text: str
    png: bytes = field(repr=False)


@dataclass(frozen=True)
class IncidentRecord:
    incident: Incident
    start: datetime
    end: datetime
    events: list[Event]
    minutes: list[tuple[datetime, dict[str, int]]]  # each minute's posts in, by outcome
    accounts: list[tuple[str, int, int]]  # handle, posts held for review, posts rejected
    held: list[Held]
    held_total: int
    sent: list[Sent]

    def as_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident.as_json(),
            "closed_at": self.incident.closed_at.isoformat() if self.incident.closed_at else None,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "events": [
                {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "what": e.what}
                for e in self.events
            ],
            "accounts": [{"handle": h, "review": r, "rejected": j} for h, r, j in self.accounts],
            "held": self.held_total,
            "published": sum(1 for s in self.sent if s.state == "published"),
            "retracted": sum(1 for s in self.sent if s.state == "retracted"),
        }


def record_of(store: Store, campaign: Campaign, incident_id: int) -> IncidentRecord:
    incident = get_incident(store, incident_id)
    start = incident.opened_at - timedelta(minutes=campaign.breaker.window_minutes)
    with store.transaction() as session:
        # while it is open: up to now, or to the newest entry of a store on another clock (a
        # replay's or the demo's timeline)
        newest = session.execute(select(func.max(AuditRow.at))).scalar_one()
        end = incident.closed_at or max(store.clock(), newest or store.clock())
        rows = session.execute(
            select(AuditRow).where(AuditRow.at >= start, AuditRow.at <= end).order_by(AuditRow.id)
        ).scalars()
        events = _events(list(rows), incident)
        posts = list(
            session.execute(
                select(PostRow.id, PostRow.author_handle, PostRow.received_at, PostRow.state)
                .where(PostRow.received_at >= start, PostRow.received_at <= end)
                .order_by(PostRow.id)
            ).all()
        )
        held_rows = [p for p in posts if p.state in (PostState.REVIEW, PostState.REJECTED)]
        why: dict[int, list[str]] = defaultdict(list)
        for post_id, reason in session.execute(
            select(FindingRow.post_id, FindingRow.why).where(
                FindingRow.post_id.in_([p.id for p in held_rows[:MAX_HELD]])
            )
        ).all():
            why[post_id].append(reason)
        sent_rows = session.execute(
            select(PostRow, OutboxRow, ArtworkRow)
            .join(OutboxRow, OutboxRow.post_id == PostRow.id)
            .join(ArtworkRow, ArtworkRow.post_id == PostRow.id)
            .where(OutboxRow.sent_at >= start, OutboxRow.sent_at <= end)
            .order_by(OutboxRow.sent_at)
        ).all()
        sent = [
            Sent(
                post.id,
                post.author_handle,
                outbox.sent_at,
                "retracted" if post.state == PostState.RETRACTED else "published",
                outbox.remote_url,
                art.alt_text,
                art.png,
            )
            for post, outbox, art in sent_rows
        ]
    return IncidentRecord(
        incident=incident,
        start=start,
        end=end,
        events=events,
        minutes=_per_minute(posts, start, end),
        accounts=_accounts(held_rows),
        held=[
            Held(p.id, p.author_handle, p.received_at, p.state, tuple(why.get(p.id, ())))
            for p in held_rows[:MAX_HELD]
        ],
        held_total=len(held_rows),
        sent=sent,
    )


def _events(rows: list[AuditRow], incident: Incident) -> list[Event]:
    """The audit entries that tell the incident's story, as sentences."""
    mine = f"incident:{incident.id}"
    events: list[Event] = []
    first_hold = False
    for row in rows:
        data = json.loads(row.payload)
        kind, subject = row.kind, row.subject
        what: str | None = None
        if kind == "decided" and data.get("decision") in ("review", "reject") and not first_hold:
            first_hold = True
            kind = "first-hold"
            found = ", ".join(data.get("findings", [])[:3])
            what = f"first post held in the window ({data.get('decision')}): {found}"
        elif kind == "incident-opened":
            what = (
                f"the circuit breaker opened incident {subject.split(':')[1] if subject else '?'}"
                f" ({data.get('incident')}): {data.get('summary')}"
            )
        elif kind in ("alert-sent", "alert-failed", "alert-undelivered", "alert-off"):
            if subject != mine:
                continue
            what = {
                "alert-sent": f"alert delivered by {data.get('channel')}",
                "alert-failed": f"alert by {data.get('channel')} failed: {data.get('error')}",
                "alert-undelivered": "no channel took the alert: nobody was told",
                "alert-off": f"no alert sent: {data.get('reason')}",
            }[kind]
        elif kind == "mode":
            what = f"mode {data.get('previous') or 'unset'} → {data.get('mode')}" + (
                f": {data['reason']}" if data.get("reason") else ""
            )
        elif kind in ("incident-acknowledged", "incident-closed", "paused-unacknowledged"):
            if subject != mine:
                continue
            what = {
                "incident-acknowledged": "acknowledged",
                "incident-closed": "closed",
                "paused-unacknowledged": f"paused: nobody acknowledged within "
                f"{data.get('minutes')} minutes",
            }[kind] + (f": {data['note']}" if data.get("note") else "")
        elif kind == "retracted":
            what = f"reply to {subject} retracted: {data.get('reason') or ''}".rstrip(": ")
        elif kind in ("statement-ordered", "statement-posted", "statement-retracted"):
            if subject != mine:
                continue
            what = {
                "statement-ordered": f"holding statement ordered ({data.get('network')}/"
                f"{data.get('language')})",
                "statement-posted": f"holding statement posted ({data.get('ref')})",
                "statement-retracted": f"holding statement retracted: {data.get('reason') or ''}",
            }[kind]
        if what is not None:
            events.append(Event(row.at, kind, row.actor, what))
    return events


def _per_minute(
    posts: list[Any], start: datetime, end: datetime
) -> list[tuple[datetime, dict[str, int]]]:
    first = start.replace(second=0, microsecond=0)
    count = min(24 * 60, int((end - first).total_seconds() // 60) + 1)
    minutes = [(first + timedelta(minutes=i), dict.fromkeys(OUTCOMES, 0)) for i in range(count)]
    for post in posts:
        index = int((post.received_at - first).total_seconds() // 60)
        if 0 <= index < count:
            minutes[index][1][_OUTCOME.get(post.state, "other")] += 1
    return minutes


def _accounts(held: list[Any]) -> list[tuple[str, int, int]]:
    review: Counter[str] = Counter()
    rejected: Counter[str] = Counter()
    for post in held:
        (rejected if post.state == PostState.REJECTED else review)[post.author_handle] += 1
    handles = sorted(set(review) | set(rejected), key=lambda h: (-rejected[h] - review[h], h))
    return [(h, review[h], rejected[h]) for h in handles]
