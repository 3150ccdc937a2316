"""The append-only audit chain: each entry carries a keyed hash over the one before.

The key (HMAC) is kept outside the database, so someone who edits the database cannot
recompute the chain. Entries hold no post content, only its hash, so a person's words can be
erased on request without breaking the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from happybot.store.schema import AuditHeadRow, AuditRow

GENESIS = "0" * 64


def _digest(
    key: bytes,
    row_id: int,
    at: datetime,
    kind: str,
    actor: str,
    subject: str | None,
    payload: str,
    prev_hash: str,
) -> str:
    body = json.dumps(
        [row_id, at.isoformat(), kind, actor, subject, payload, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


_HEAD = "happybot.audit_head"  # the locked head row, kept in the transaction's session


def append(
    session: Session,
    key: bytes,
    kind: str,
    actor: str,
    subject: str | None,
    payload: dict[str, Any],
    at: datetime,
) -> AuditRow:
    # the head row lock serialises appends from concurrent workers (PostgreSQL); SQLite's
    # BEGIN IMMEDIATE already does. Locked once per transaction: the later appends of the
    # same transaction (a batch's judgements) extend the head they already hold, and the rows
    # go to the database together at commit
    transaction = session.get_transaction()
    held = session.info.get(_HEAD)
    if held is not None and held[0] is transaction:
        head = held[1]
    else:  # the first append of this transaction (a session used for several takes the lock
        # again in each)
        head = session.execute(
            select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
        ).scalar_one()
        session.info[_HEAD] = (transaction, head)
    row_id = head.last_id + 1
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    digest = _digest(key, row_id, at, kind, actor, subject, body, head.last_hash)
    row = AuditRow(
        id=row_id,
        at=at,
        kind=kind,
        actor=actor,
        subject=subject,
        payload=body,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(row)
    head.last_id, head.last_hash = row_id, digest
    return row


@dataclass(frozen=True)
class ChainStatus:
    entries: int
    broken_at: int | None  # the first entry that does not verify
    problem: str | None
    head: str = GENESIS  # the hash of the last entry that verifies: note it to check later

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, key: bytes, batch: int = 5000) -> ChainStatus:
    """Recompute the chain from the start; name the first entry that does not match."""
    prev_hash, expected_id, count = GENESIS, 1, 0
    last_seen = 0
    while True:
        rows = (
            session.execute(
                select(AuditRow).where(AuditRow.id > last_seen).order_by(AuditRow.id).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row.id != expected_id:
                return ChainStatus(count, expected_id, f"entry {expected_id} is missing")
            if row.prev_hash != prev_hash:
                return ChainStatus(count, row.id, "does not link to the entry before it")
            digest = _digest(
                key, row.id, row.at, row.kind, row.actor, row.subject, row.payload, row.prev_hash
            )
            if not hmac.compare_digest(digest, row.hash):
                return ChainStatus(count, row.id, "its content was changed after it was written")
            prev_hash, expected_id, count = row.hash, row.id + 1, count + 1
            last_seen = row.id
    head = session.get(AuditHeadRow, 1)
    if head is not None and (head.last_id != count or head.last_hash != prev_hash):
        return ChainStatus(count, count + 1, f"entries after {count} were deleted", prev_hash)
    return ChainStatus(count, None, None, prev_hash)


def entry_with_hash(session: Session, prefix: str) -> int | None:
    """The id of the entry whose hash begins with `prefix`, if the chain holds it. A head noted
    earlier and kept elsewhere must still be there: deleting the newest entries and moving the
    head row back leaves a chain that verifies, but not one that holds the noted entry."""
    prefix = prefix.strip().lower()
    return session.execute(
        select(AuditRow.id).where(AuditRow.hash.startswith(prefix, autoescape=True)).limit(1)
    ).scalar_one_or_none()


def entries(
    session: Session,
    *,
    kind: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[AuditRow]:
    """The newest entries first, filtered; `before` an entry id, to page back."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if kind:
        query = query.where(AuditRow.kind == kind)
    if actor:
        query = query.where(AuditRow.actor == actor)
    if subject:
        query = query.where(AuditRow.subject == subject)
    if before is not None:
        query = query.where(AuditRow.id < before)
    return list(session.execute(query).scalars())


def kinds(session: Session) -> list[str]:
    """Every kind of entry the log holds, for a filter."""
    return sorted(session.execute(select(AuditRow.kind).distinct()).scalars())
