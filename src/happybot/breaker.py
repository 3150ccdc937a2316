"""The circuit breaker: when the window shows an attack under way, stop autopilot.

It watches a sliding window of the store: posts held, one author's rejects, posts found to be
part of a coordinated group. When one crosses its threshold it drops the campaign to copilot
(it can only tighten, never loosen), opens an incident and alerts people. It does not trip again
for a kind of incident that is still open.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from happybot.incidents import open_incident, open_incidents
from happybot.models import Incident, Mode
from happybot.modes import set_mode
from happybot.store.schema import FindingRow, PostRow

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.store.db import Store

log = logging.getLogger(__name__)
ACTOR = "circuit-breaker"


@dataclass(frozen=True)
class Trip:
    kind: str  # flagged-posts | author-rejects | coordination
    summary: str


class CircuitBreaker:
    def __init__(self, store: Store, campaign: Campaign) -> None:
        self.store = store
        self.campaign = campaign
        self.settings = campaign.breaker

    def check(self) -> Incident | None:
        """Look at the window; trip when a threshold is crossed. Returns the new incident."""
        if not self.settings.enabled:
            return None
        trip = self._crossed()
        if trip is None or any(i.kind == trip.kind for i in open_incidents(self.store)):
            return None
        previous = set_mode(self.store, Mode.COPILOT, ACTOR, trip.summary, tighten_only=True)
        incident = open_incident(self.store, trip.kind, trip.summary, ACTOR)
        log.warning("circuit breaker: %s (mode was %s)", trip.summary, previous)
        self._alert(incident, previous)
        return incident

    def _crossed(self) -> Trip | None:
        s = self.settings
        since = self.store.clock() - timedelta(minutes=s.window_minutes)
        window = f"within {s.window_minutes:g} minutes"
        with self.store.transaction() as session:
            held = session.execute(
                select(func.count())
                .select_from(PostRow)
                .where(PostRow.received_at >= since, PostRow.state.in_(("review", "rejected")))
            ).scalar_one()
            if held >= s.flagged_posts:
                return Trip("flagged-posts", f"{held} posts held {window}")
            worst = session.execute(
                select(PostRow.author_handle, func.count().label("n"))
                .where(PostRow.received_at >= since, PostRow.state == "rejected")
                .group_by(PostRow.author_handle)
                .order_by(func.count().desc())
                .limit(1)
            ).first()
            if worst is not None and worst[1] >= s.author_rejects:
                return Trip("author-rejects", f"@{worst[0]} had {worst[1]} posts rejected {window}")
            coordinated = session.execute(
                select(func.count(func.distinct(FindingRow.post_id)))
                .join(PostRow, PostRow.id == FindingRow.post_id)
                .where(PostRow.received_at >= since, FindingRow.label == "coordination")
            ).scalar_one()
            if coordinated >= s.coordination_posts:
                return Trip("coordination", f"{coordinated} posts of a coordinated group {window}")
        return None

    def _alert(self, incident: Incident, previous: Mode | None) -> None:
        """Slack-compatible JSON to the campaign's webhook. A failed alert is logged and
        audited; it never stops the breaker."""
        url = self.campaign.alerts.webhook_url()
        if not url:
            return
        body = {
            "text": f":rotating_light: happybot {self.campaign.hashtag}: {incident.summary}. "
            f"The campaign is now in copilot (was {previous.value if previous else 'unset'}): "
            f"every reply waits for a person. Incident {incident.id}.",
            "incident": {
                "id": incident.id,
                "kind": incident.kind,
                "summary": incident.summary,
                "opened_at": incident.opened_at.isoformat(),
            },
        }
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.campaign.alerts.timeout_seconds):
                pass
            outcome, error = "alert-sent", None
        except (urllib.error.URLError, OSError) as exc:
            log.error("could not send the alert for incident %s: %s", incident.id, exc)
            outcome, error = "alert-failed", str(exc)
        with self.store.transaction() as session:
            self.store.record(session, outcome, ACTOR, f"incident:{incident.id}", error=error)
