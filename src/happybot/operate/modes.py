"""The live campaign mode: read by the publisher, changed only through `set_mode` (audited)."""

from __future__ import annotations

from happybot.models import Mode
from happybot.store import queries
from happybot.store.db import Store

# the circuit breaker may only tighten: autopilot -> copilot -> paused
_STRICTNESS = {Mode.AUTOPILOT: 0, Mode.COPILOT: 1, Mode.PAUSED: 2}


def current_mode(store: Store) -> Mode | None:
    with store.transaction() as session:
        return queries.get_mode(session)


def set_mode(
    store: Store, mode: Mode, actor: str, reason: str = "", tighten_only: bool = False
) -> Mode | None:
    """Change the live mode and audit who did it and why. Returns the previous mode.

    `tighten_only` is for automatic actors (the circuit breaker): they can make the campaign
    stricter, never looser."""
    with store.transaction() as session:
        previous = queries.get_mode(session)
        if tighten_only and previous is not None and _STRICTNESS[mode] <= _STRICTNESS[previous]:
            return previous
        queries.write_mode(session, mode, actor, store.clock())
        store.record(
            session,
            "mode",
            actor,
            None,
            mode=mode.value,
            previous=previous.value if previous else None,
            reason=reason,
        )
        return previous
