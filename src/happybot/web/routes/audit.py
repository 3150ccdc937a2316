"""The audit log and whether its chain verifies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from happybot.store import audit
from happybot.web.auth import Viewer, store_of
from happybot.web.schemas import BeforeId

router = APIRouter()


# -- the audit log -----------------------------------------------------------------------------


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str
    subject: str | None
    payload: str


class AuditOut(BaseModel):
    entries: list[AuditEntryOut]
    chain_ok: bool
    chain_entries: int
    chain_problem: str | None


@router.get("/audit", response_model=AuditOut)
def audit_log(
    who: Viewer,
    request: Request,
    kind: str | None = None,
    actor: str | None = None,
    before: BeforeId = None,
    limit: int = 100,
) -> AuditOut:
    store = store_of(request)
    with store.transaction() as session:
        rows = audit.entries(
            session, kind=kind, actor=actor, before=before, limit=max(1, min(limit, 1000))
        )
        status = audit.verify(session, store.audit_key)
        return AuditOut(
            entries=[
                AuditEntryOut(
                    id=r.id,
                    at=r.at,
                    kind=r.kind,
                    actor=r.actor,
                    subject=r.subject,
                    payload=r.payload,
                )
                for r in rows
            ],
            chain_ok=status.ok,
            chain_entries=status.entries,
            chain_problem=status.problem,
        )
