"""PostgreSQL advisory locks: one listener at a time, one breaker check at a time.

A session-level advisory lock belongs to a database connection: when its process dies, however
it dies, the server drops the connection and the lock with it, and a standby that asks again gets
it. That is the whole fail-over, with no lease to tune and no clock to trust. The lock's key is
the lock's name within the store's schema, so that two campaigns in one database (two schemas)
never wait on each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from happybot.errors import StoreError

if TYPE_CHECKING:
    from happybot.store.db import Store


def shared(store: Store) -> bool:
    """Whether several processes may share this store (PostgreSQL)."""
    return store.engine.dialect.name == "postgresql"


def require_shared(store: Store, role: str) -> None:
    if not shared(store):
        raise StoreError(
            f"a {role} shares its store with other processes, which needs PostgreSQL "
            "(store.url: postgresql://USER@HOST/DB); on SQLite, `happybot run` does everything "
            "in one process"
        )


def _key(connection: Connection, name: str) -> int:
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    digest = hashlib.sha256(f"happybot:{schema}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    """A named lock held by one process until it releases it or dies."""

    def __init__(self, store: Store, name: str) -> None:
        require_shared(store, name)
        self.store = store
        self.name = name
        self._connection: Connection | None = None
        self._key: int | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self._connection is not None:
            return True
        connection = self.store.engine.connect()
        try:
            key = _key(connection, self.name)
            got = bool(
                connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            )
            connection.commit()
        except SQLAlchemyError:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection, self._key = connection, key
        return True

    def still_held(self) -> bool:
        """Whether the connection that holds the lock is still there (a restarted database or
        a cut network ends it, and another process may hold the lock now)."""
        if self._connection is None:
            return False
        try:
            held = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted "
                    "AND (classid::bigint << 32 | objid::bigint) = (:k)::bigint"
                ),
                {"k": self._key},
            ).scalar_one()
            self._connection.commit()
        except SQLAlchemyError:
            self._drop()
            return False
        if not held:
            self._drop()
        return bool(held)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except SQLAlchemyError:
                pass

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._connection.commit()
            self._connection.close()
        except SQLAlchemyError:
            self._drop()
        self._connection = None


@contextmanager
def one_at_a_time(store: Store, name: str) -> Iterator[bool]:
    """Yields whether this process may go ahead: on PostgreSQL only one process at a time holds
    `name` (the others are told no and skip the work: another is doing it); elsewhere always."""
    if not shared(store):
        yield True
        return
    lock = AdvisoryLock(store, name)
    try:
        got = lock.try_acquire()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot take the lock {name!r}: {exc}") from exc
    try:
        yield got
    finally:
        lock.release()
