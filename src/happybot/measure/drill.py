"""`happybot drill`: a game day. A historical hijack (the 2015 pattern, or another attack the
simulator knows) is replayed, mixed into ordinary traffic, against a dry-run copy of the
campaign in a fresh folder, on the posts' own timeline, with nobody watching; the alerts go
to the campaign's real channels marked as a drill, so the team learns whether they reach the
people on call. Read back from the drill's store: how long each step took from the first
attack post, and what reached the outbox before the campaign was stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from happybot.config import audit_key
from happybot.measure.simulation import run_simulation
from happybot.models import PostState
from happybot.operate.alerts import Alert, Channel, channels
from happybot.store.db import Store
from happybot.store.schema import AuditRow, GroundTruthRow, OutboxRow, PostRow

if TYPE_CHECKING:
    from happybot.config import Campaign

# what each attack's posts are called in the simulator's ground truth, and whether it is a
# takeover the breaker must see (a hijack, a coordinated group); offensive names and disguised
# words come one post at a time from ordinary accounts: the screens hold each, no breaker
DRILLS = {
    "hijack": ("hijack", True),
    "coordinated": ("coordinated", True),
    "names": ("offensive-name", False),
    "obfuscated": ("obfuscated", False),
}
TARGET_SECONDS = 60.0  # breaker and alert, from the first attack post


class Rehearsal:
    """A real channel, with every alert marked as a drill (and counted)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.name = channel.name

    def send(self, alert: Alert) -> None:
        self.channel.send(
            Alert(
                alert.subject,
                "[DRILL] " + alert.title,
                "[DRILL, no action needed beyond the drill's checklist] " + alert.text,
                {**alert.data, "drill": True},
            )
        )


@dataclass(frozen=True)
class Step:
    name: str
    seconds: float | None  # after the first attack post; None: it never happened
    target: float | None = None  # seconds, where the drill has one

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.seconds is not None and self.seconds <= self.target


@dataclass
class DrillResult:
    scenario: str
    attack_posts: int
    steps: list[Step] = field(default_factory=list)
    reached_outbox: int = 0  # attack posts whose reply was queued before the campaign stopped
    published: int = 0  # attack posts answered: must be 0
    alert_channels: list[str] = field(default_factory=list)
    alerts_off: str | None = None

    @property
    def passed(self) -> bool:
        return self.published == 0 and all(s.met is not False for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "attack_posts": self.attack_posts,
            "steps": {s.name: s.seconds for s in self.steps},
            "reached_outbox": self.reached_outbox,
            "published": self.published,
            "alert_channels": self.alert_channels,
            "alerts_off": self.alerts_off,
            "passed": self.passed,
        }


def run_drill(
    campaign: Campaign,
    folder: Path,
    scenario: str = "hijack",
    *,
    seed: int = 1,
    size: int = 60,
    through: list[Channel] | None = None,
) -> DrillResult:
    """Replay `scenario` against a dry-run copy of `campaign` in `folder` (made fresh), alerts
    marked as a drill on `through` (default: the campaign's own channels)."""
    if scenario not in DRILLS:
        raise ValueError(f"unknown drill {scenario!r}; choose one of {', '.join(DRILLS)}")
    real = channels(campaign) if through is None else through
    rehearsing: list[Channel] = [Rehearsal(c) for c in real]
    run_simulation(
        campaign,
        folder,
        seed=seed,
        size=size,
        attacks=[scenario],
        channels=rehearsing,
    )
    url = f"sqlite:///{(folder / 'happybot.db').resolve()}"
    store = Store.open(url, audit_key(url))
    try:
        label, takeover = DRILLS[scenario]
        result = _read(store, label, takeover)
    finally:
        store.close()
    result.scenario = scenario
    result.alert_channels = [c.name for c in real]
    result.alerts_off = None if real else campaign.alerts.off_because()
    return result


def _read(store: Store, label: str, takeover: bool) -> DrillResult:
    with store.transaction() as session:
        attack = dict(
            session.execute(
                select(PostRow.trigger_key, PostRow.received_at)
                .join(GroundTruthRow, GroundTruthRow.trigger_key == PostRow.trigger_key)
                .where(GroundTruthRow.scenario == label)
            ).all()
        )
        result = DrillResult(label, len(attack))
        if not attack:
            return result
        start = min(attack.values())
        audit = list(session.execute(select(AuditRow).order_by(AuditRow.id)).scalars())

        def first(test: Any) -> datetime | None:
            return next((row.at for row in audit if row.at >= start and test(row)), None)

        first_hold = first(
            lambda r: (
                r.kind == "decided"
                and r.subject in attack
                and json.loads(r.payload).get("decision") in ("review", "reject")
            )
        )
        breaker = first(lambda r: r.kind == "incident-opened")
        alert = first(lambda r: r.kind == "alert-sent")
        stopped = first(
            lambda r: (
                r.kind == "mode"
                and r.actor == "circuit-breaker"
                and json.loads(r.payload).get("mode") in ("copilot", "paused")
            )
        )
        queued = session.execute(
            select(PostRow.trigger_key, OutboxRow.not_before, PostRow.state).join(
                OutboxRow, OutboxRow.post_id == PostRow.id
            )
        ).all()
    result.reached_outbox = sum(
        1 for key, due, _ in queued if key in attack and (stopped is None or due <= stopped)
    )
    result.published = sum(
        1 for key, _, state in queued if key in attack and state == PostState.PUBLISHED
    )

    def after(at: datetime | None) -> float | None:
        return None if at is None else max(0.0, (at - start).total_seconds())

    target = TARGET_SECONDS if takeover else None
    result.steps = [
        Step("first hold", after(first_hold), TARGET_SECONDS),
        Step("breaker", after(breaker), target),
        Step("alert delivered", after(alert), target),
        Step("copilot", after(stopped)),
    ]
    return result
