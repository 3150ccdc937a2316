"""The audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from happybot.store import audit
from happybot.store.db import Store
from happybot.store.schema import AuditRow


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        with store.transaction() as session:
            store.record(session, "test", "alice", f"post:{i}", n=i, text_sha256="ab" * 32)


def _verify(store: Store, key: bytes | None = None) -> audit.ChainStatus:
    with store.transaction() as session:
        return audit.verify(session, key or store.audit_key)


def test_an_untouched_chain_verifies(store: Store) -> None:
    _fill(store)
    status = _verify(store)
    assert status.ok and status.entries == 5


def test_an_edited_entry_is_named(store: Store) -> None:
    _fill(store)
    with store.transaction() as session:
        session.execute(update(AuditRow).where(AuditRow.id == 3).values(actor="mallory"))
    status = _verify(store)
    assert not status.ok and status.broken_at == 3 and status.entries == 2


def test_a_deleted_entry_and_a_truncated_tail_are_found(store: Store) -> None:
    _fill(store)
    with store.transaction() as session:
        session.execute(delete(AuditRow).where(AuditRow.id == 2))
    assert _verify(store).broken_at == 2
    _fill(store, 0)


def test_a_truncated_tail_is_found(store: Store) -> None:
    _fill(store)
    with store.transaction() as session:
        session.execute(delete(AuditRow).where(AuditRow.id >= 4))
    status = _verify(store)
    assert not status.ok and "deleted" in (status.problem or "")


def test_the_chain_cannot_be_recomputed_without_the_key(store: Store) -> None:
    _fill(store, 3)
    assert not _verify(store, key=b"another key").ok


def test_entries_hold_content_hashes_not_words(store: Store) -> None:
    _fill(store, 1)
    with store.transaction() as session:
        payload = session.execute(select(AuditRow.payload)).scalar_one()
    assert "text_sha256" in payload
