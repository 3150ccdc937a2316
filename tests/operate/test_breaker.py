"""The circuit breaker's last step: an incident that dropped the campaign to copilot and that
nobody acknowledges pauses it, once, with an alert; an acknowledged one does not."""

from __future__ import annotations

from sqlalchemy import select

from happybot.models import Mode
from happybot.operate.alerts import Alert
from happybot.operate.breaker import CircuitBreaker
from happybot.operate.incidents import acknowledge, open_incident
from happybot.operate.modes import current_mode, set_mode
from happybot.store.db import Store
from happybot.store.schema import AuditRow
from happybot.testing import make_campaign
from tests.conftest import Clock


class Outbox:
    """A channel that keeps what it is given."""

    name = "test"

    def __init__(self) -> None:
        self.sent: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.sent.append(alert)


def _breaker(store: Store, minutes: float = 15) -> tuple[CircuitBreaker, Outbox]:
    outbox = Outbox()
    campaign = make_campaign(breaker={"pause_unacknowledged_minutes": minutes})
    return CircuitBreaker(store, campaign, [outbox]), outbox


def test_an_unanswered_copilot_incident_pauses_the_campaign_once(
    store: Store, clock: Clock
) -> None:
    breaker, outbox = _breaker(store)
    set_mode(store, Mode.COPILOT, "circuit-breaker", "25 posts held")
    incident = open_incident(store, "flagged-posts", "25 posts held", "circuit-breaker")
    clock.advance(minutes=14)
    breaker.check()
    assert current_mode(store) is Mode.COPILOT and outbox.sent == []
    clock.advance(minutes=2)
    breaker.check()
    assert current_mode(store) is Mode.PAUSED
    (alert,) = outbox.sent
    assert alert.subject == f"incident:{incident.id}" and "paused" in alert.text
    # a person resumes without acknowledging: the breaker has had its say for this incident
    set_mode(store, Mode.COPILOT, "rita", "looked at the queue")
    clock.advance(minutes=30)
    breaker.check()
    assert current_mode(store) is Mode.COPILOT and len(outbox.sent) == 1
    with store.transaction() as session:
        kinds = session.execute(select(AuditRow.kind)).scalars().all()
    assert kinds.count("paused-unacknowledged") == 1 and "alert-sent" in kinds


def test_an_acknowledged_incident_or_an_alert_only_one_never_pauses(
    store: Store, clock: Clock
) -> None:
    breaker, outbox = _breaker(store)
    set_mode(store, Mode.COPILOT, "circuit-breaker", "25 posts held")
    seen = open_incident(store, "flagged-posts", "25 posts held", "circuit-breaker")
    open_incident(store, "author-rejects", "one troll", "circuit-breaker")  # alert only
    assert acknowledge(store, seen.id, "rita", "on it").acknowledged_by == "rita"
    assert acknowledge(store, seen.id, "sam").acknowledged_by == "rita"  # the first stands
    clock.advance(hours=2)
    breaker.check()
    assert current_mode(store) is Mode.COPILOT and outbox.sent == []


def test_zero_minutes_turns_the_pause_off(store: Store, clock: Clock) -> None:
    breaker, outbox = _breaker(store, minutes=0)
    set_mode(store, Mode.COPILOT, "circuit-breaker", "raid")
    open_incident(store, "coordination-raid", "12 posts", "circuit-breaker")
    clock.advance(hours=5)
    breaker.check()
    assert current_mode(store) is Mode.COPILOT and outbox.sent == []
