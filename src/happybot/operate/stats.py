"""The campaign's counters, as `happybot status`, the dashboard and `/metrics` show them.

Words matter here: "waiting for review" and "rejected", never a vague "held".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import distinct, func, select

from happybot.models import Incident, Mode, PostState
from happybot.operate.incidents import open_incidents
from happybot.operate.review import waiting_count
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import DeadLetterRow, FindingRow, OutboxRow, PostRow

# how each post state is named for people
# keyed by plain strings too: the store hands states back as str
STATE_LABELS: dict[str, str] = {
    PostState.RECEIVED: "being screened",
    PostState.REVIEW: "waiting for review",
    PostState.REJECTED: "rejected",
    PostState.QUEUED: "queued to publish",
    PostState.SKIPPED: "skipped",
    PostState.PUBLISHED: "published",
    PostState.RETRACTED: "retracted",
}


@dataclass(frozen=True)
class Counts:
    mode: Mode | None
    posts_in: int
    posts: dict[str, int]  # by state
    outbox: dict[str, int]  # by state
    waiting_for_review: int  # held posts, and in copilot or paused unapproved queued replies
    flagged: int  # posts with at least one finding of the input screens
    dead_letters: int
    open_incidents: list[Incident] = field(default_factory=list)

    @property
    def published(self) -> int:
        return self.posts.get("published", 0)

    @property
    def rejected(self) -> int:
        return self.posts.get("rejected", 0)

    @property
    def flagged_rate(self) -> float:
        return self.flagged / self.posts_in if self.posts_in else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value if self.mode else None,
            "posts_in": self.posts_in,
            "published": self.published,
            "waiting_for_review": self.waiting_for_review,
            "rejected": self.rejected,
            "flagged": self.flagged,
            "flagged_rate": round(self.flagged_rate, 4),
            "posts": self.posts,
            "outbox": self.outbox,
            "dead_letters": self.dead_letters,
            "open_incidents": [i.as_json() for i in self.open_incidents],
        }


def counts(store: Store) -> Counts:
    with store.transaction() as session:
        mode = queries.get_mode(session)
        posts = {
            str(k): int(v)
            for k, v in session.execute(
                select(PostRow.state, func.count()).group_by(PostRow.state)
            ).all()
        }
        outbox = {
            str(k): int(v)
            for k, v in session.execute(
                select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
            ).all()
        }
        flagged = session.execute(
            select(func.count(distinct(FindingRow.post_id))).where(FindingRow.stage == "input")
        ).scalar_one()
        dead = session.execute(select(func.count()).select_from(DeadLetterRow)).scalar_one()
    return Counts(
        mode=mode,
        posts_in=sum(posts.values()),
        posts=posts,
        outbox=outbox,
        waiting_for_review=waiting_count(store),
        flagged=int(flagged),
        dead_letters=int(dead),
        open_incidents=open_incidents(store),
    )


@dataclass(frozen=True)
class Bucket:
    """One slice of time: posts received in it, by what became of them."""

    start: datetime
    posts_in: int = 0
    published: int = 0
    waiting_for_review: int = 0
    rejected: int = 0
    flagged: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "posts_in": self.posts_in,
            "published": self.published,
            "waiting_for_review": self.waiting_for_review,
            "rejected": self.rejected,
            "flagged": self.flagged,
        }


def timeline(store: Store, minutes: int = 60, bucket_minutes: int = 1) -> list[Bucket]:
    """The last `minutes`, in buckets, by the time posts came in (what each became since).
    The last minute is now, or the newest post's if it is later (a simulation's clock runs
    ahead of the wall clock)."""
    step = timedelta(minutes=bucket_minutes)
    with store.transaction() as session:
        newest = session.execute(select(func.max(PostRow.received_at))).scalar_one_or_none()
        now = max(store.clock(), newest) if newest is not None else store.clock()
        first = (now - timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        count = int((now - first) / step) + 1
        flagged = select(FindingRow.post_id).where(FindingRow.stage == "input").distinct()
        rows = session.execute(
            select(PostRow.received_at, PostRow.state, PostRow.id.in_(flagged)).where(
                PostRow.received_at >= first
            )
        ).all()
    tallies: list[dict[str, int]] = [dict.fromkeys(_TALLIES, 0) for _ in range(count)]
    for received_at, state, was_flagged in rows:
        index = min(count - 1, int((received_at - first) / step))
        tally = tallies[index]
        tally["posts_in"] += 1
        tally["flagged"] += bool(was_flagged)
        if state in _BUCKET_OF:
            tally[_BUCKET_OF[state]] += 1
    return [Bucket(first + i * step, **tally) for i, tally in enumerate(tallies)]


_TALLIES = ("posts_in", "published", "waiting_for_review", "rejected", "flagged")
# a retracted reply was published: it counts where it was, at the time it came in
_BUCKET_OF = {
    "published": "published",
    "retracted": "published",
    "review": "waiting_for_review",
    "rejected": "rejected",
}
