"""The circuit breaker: when the window shows an attack under way, stop autopilot.

It watches a sliding window of the store and answers in two steps. When the screens are holding
an attack by themselves (one account whose posts keep being rejected, a small coordinated
group) it opens an incident and alerts people, and the campaign goes on: a breaker that stops
every happy reply because one troll posted five slurs would hand every troll an off switch.
When the attack is more than one account or bigger than the screens should carry alone (many
posts held, several accounts rejected over and over, a raid of coordinated posts) it drops the
campaign to copilot as well. It can only tighten, never loosen, and it does not open a second
incident of a kind that is still open.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from happybot.models import Incident, Mode, PostState
from happybot.operate.alerts import Alert, Channel, deliver
from happybot.operate.incidents import open_incident, open_incidents
from happybot.operate.modes import set_mode
from happybot.store.locks import one_at_a_time
from happybot.store.schema import AuditRow, FindingRow, PostRow

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.store.db import Store

log = logging.getLogger(__name__)
ACTOR = "circuit-breaker"
# incidents that drop the campaign to copilot; the others alert people only
COPILOT_KINDS = frozenset({"flagged-posts", "rejected-authors", "coordination-raid"})


@dataclass(frozen=True)
class Trip:
    kind: str  # one of COPILOT_KINDS, or author-rejects | coordination (incident and alert)
    summary: str

    @property
    def copilot(self) -> bool:
        return self.kind in COPILOT_KINDS


class CircuitBreaker:
    def __init__(
        self, store: Store, campaign: Campaign, channels: Sequence[Channel] | None = None
    ) -> None:
        """`channels`: where alerts go (default: the campaign's webhook and e-mail)."""
        self.store = store
        self.campaign = campaign
        self.settings = campaign.breaker
        self.channels = channels

    def check(self) -> list[Incident]:
        """Look at the window; act on every threshold crossed. Returns the new incidents."""
        if not self.settings.enabled:
            return []
        with one_at_a_time(self.store, "circuit-breaker") as mine:
            # several workers share the store: one looks at a time, so that two never open
            # the same incident at the same moment (the one told no skips this look)
            return self._check() if mine else []

    def _check(self) -> list[Incident]:
        self._pause_if_nobody_answers()
        opened = []
        open_kinds = {i.kind for i in open_incidents(self.store)}
        for trip in self._crossed():
            if trip.kind in open_kinds:
                continue
            previous = None
            if trip.copilot:
                previous = set_mode(
                    self.store, Mode.COPILOT, ACTOR, trip.summary, tighten_only=True
                )
            incident = open_incident(self.store, trip.kind, trip.summary, ACTOR)
            log.warning("circuit breaker: %s", trip.summary)
            self._alert(incident, trip, previous)
            opened.append(incident)
        return opened

    def _pause_if_nobody_answers(self) -> None:
        """An incident that dropped the campaign to copilot, and that nobody acknowledged in
        time, pauses it: a queue growing where nobody looks is no safer than autopilot, and a
        paused campaign is what the team would choose if it could be asked. Once per incident
        (a person who resumes after it has decided), alerted and audited."""
        minutes = self.settings.pause_unacknowledged_minutes
        if not minutes:
            return
        now = self.store.clock()
        for incident in open_incidents(self.store):
            if incident.kind not in COPILOT_KINDS or incident.acknowledged_at is not None:
                continue
            if now - incident.opened_at < timedelta(minutes=minutes):
                continue
            subject = f"incident:{incident.id}"
            with self.store.transaction() as session:
                done = session.execute(
                    select(AuditRow.id).where(
                        AuditRow.kind == "paused-unacknowledged", AuditRow.subject == subject
                    )
                ).first()
                if done is not None:
                    continue
                self.store.record(session, "paused-unacknowledged", ACTOR, subject, minutes=minutes)
            why = f"nobody acknowledged incident {incident.id} within {minutes:g} minutes"
            previous = set_mode(self.store, Mode.PAUSED, ACTOR, why, tighten_only=True)
            log.warning("circuit breaker: %s: the campaign is paused", why)
            deliver(
                self.store,
                self.campaign,
                Alert(
                    subject,
                    f"happybot {self.campaign.hashtag}: paused, incident {incident.id} unanswered",
                    f":octagonal_sign: happybot {self.campaign.hashtag}: {why}, so the campaign "
                    f"is now paused (was {previous.value if previous else 'unset'}): nothing is "
                    "published until a person resumes it. Acknowledge the incident and look at "
                    "the queue.",
                    {"incident": {**incident.as_json(), "paused": True}},
                ),
                ACTOR,
                self.channels,
            )

    def _crossed(self) -> list[Trip]:
        s = self.settings
        since = self.store.clock() - timedelta(minutes=s.window_minutes)
        window = f"within {s.window_minutes:g} minutes"
        trips = []
        with self.store.transaction() as session:
            held = session.execute(
                select(func.count())
                .select_from(PostRow)
                .where(
                    PostRow.received_at >= since,
                    PostRow.state.in_((PostState.REVIEW, PostState.REJECTED)),
                )
            ).scalar_one()
            if held >= s.flagged_posts:
                trips.append(Trip("flagged-posts", f"{held} posts held {window}"))
            rejected = session.execute(
                select(PostRow.author_handle, func.count().label("n"))
                .where(PostRow.received_at >= since, PostRow.state == PostState.REJECTED)
                .group_by(PostRow.author_handle)
                .having(func.count() >= s.author_rejects)
                .order_by(func.count().desc(), PostRow.author_handle)
            ).all()
            handles = ", ".join(f"@{h} ({n})" for h, n in rejected[:5])
            if len(rejected) >= s.rejected_authors:
                trips.append(
                    Trip(
                        "rejected-authors",
                        f"{len(rejected)} accounts had {s.author_rejects} or more posts rejected "
                        f"{window}: {handles}",
                    )
                )
            elif rejected:
                trips.append(
                    Trip(
                        "author-rejects",
                        f"@{rejected[0][0]} had {rejected[0][1]} posts rejected {window}; the "
                        "screens reject every further post of that account",
                    )
                )
            coordinated = session.execute(
                select(func.count(func.distinct(FindingRow.post_id)))
                .join(PostRow, PostRow.id == FindingRow.post_id)
                .where(PostRow.received_at >= since, FindingRow.label == "coordination")
            ).scalar_one()
            if coordinated >= s.coordination_raid_posts:
                trips.append(
                    Trip(
                        "coordination-raid",
                        f"{coordinated} posts of coordinated groups {window}",
                    )
                )
            elif coordinated >= s.coordination_posts:
                trips.append(
                    Trip(
                        "coordination",
                        f"{coordinated} posts of a coordinated group {window}; they and the "
                        "group's queued replies wait for people",
                    )
                )
        return trips

    def _alert(self, incident: Incident, trip: Trip, previous: Mode | None) -> None:
        """Tell people on every channel (`operate.alerts`); a failed alert is logged and
        audited, and never stops the breaker."""
        if trip.copilot:
            consequence = (
                f"The campaign is now in copilot (was {previous.value if previous else 'unset'}): "
                "every reply waits for a person."
            )
        else:
            consequence = "The campaign goes on; the screens are holding it. Please take a look."
        alert = Alert(
            subject=f"incident:{incident.id}",
            title=f"happybot {self.campaign.hashtag}: incident {incident.id}: {trip.kind}",
            text=f":rotating_light: happybot {self.campaign.hashtag}: {incident.summary}. "
            f"{consequence} Incident {incident.id}.",
            data={"incident": {**incident.as_json(), "copilot": trip.copilot}},
        )
        deliver(self.store, self.campaign, alert, ACTOR, self.channels)
