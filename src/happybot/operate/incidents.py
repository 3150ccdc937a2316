"""Incidents: something went wrong (or nearly) and people must look. Opened by the circuit
breaker or a person, closed by a person; both audited."""

from __future__ import annotations

from sqlalchemy import select

from happybot.errors import NotFound
from happybot.models import Incident
from happybot.store.db import Store
from happybot.store.schema import IncidentRow


def _model(row: IncidentRow) -> Incident:
    return Incident(
        row.id,
        row.kind,
        row.summary,
        row.opened_at,
        row.closed_at,
        row.acknowledged_at,
        row.acknowledged_by,
    )


def open_incident(store: Store, kind: str, summary: str, actor: str) -> Incident:
    with store.transaction() as session:
        row = IncidentRow(kind=kind, summary=summary, opened_at=store.clock())
        session.add(row)
        session.flush()
        store.record(
            session, "incident-opened", actor, f"incident:{row.id}", incident=kind, summary=summary
        )
        return _model(row)


def close_incident(store: Store, incident_id: int, actor: str, note: str = "") -> Incident:
    with store.transaction() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFound(f"there is no incident {incident_id}")
        row.closed_at = store.clock()
        store.record(session, "incident-closed", actor, f"incident:{row.id}", note=note)
        return _model(row)


def acknowledge(store: Store, incident_id: int, actor: str, note: str = "") -> Incident:
    """A person is on it: said to everyone (audited), and the campaign is not paused for
    silence. Once: a second acknowledgement changes nothing."""
    with store.transaction() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFound(f"there is no incident {incident_id}")
        if row.acknowledged_at is None and row.closed_at is None:
            row.acknowledged_at, row.acknowledged_by = store.clock(), actor
            store.record(session, "incident-acknowledged", actor, f"incident:{row.id}", note=note)
        return _model(row)


def get_incident(store: Store, incident_id: int) -> Incident:
    with store.transaction() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFound(f"there is no incident {incident_id}")
        return _model(row)


def open_incidents(store: Store) -> list[Incident]:
    with store.transaction() as session:
        rows = session.execute(
            select(IncidentRow).where(IncidentRow.closed_at.is_(None)).order_by(IncidentRow.id)
        ).scalars()
        return [_model(r) for r in rows]


def recent_incidents(store: Store, limit: int = 50) -> list[Incident]:
    """Open and closed, newest first: the incident timeline."""
    with store.transaction() as session:
        rows = session.execute(
            select(IncidentRow).order_by(IncidentRow.id.desc()).limit(limit)
        ).scalars()
        return [_model(r) for r in rows]
