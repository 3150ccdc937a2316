"""The processes that share a store, and whether each is alive.

Every `happybot run`, listener and worker writes a row when it starts and beats its heartbeat
every few seconds from a thread of its own. A claim (a received post being judged, a reply
being sent) names its process: when that process is gone (its heartbeat older than
`STALE_AFTER`, or it stopped, or it was on this machine and its pid no longer exists) the claim
is taken over at once instead of after its whole lease, which is what leaves no reply waiting
"sending" after a crash. A process that is merely slow keeps beating, and keeps its claims.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import happybot
from happybot.store.schema import ProcessRow

if TYPE_CHECKING:
    from happybot.store.db import Store

log = logging.getLogger(__name__)

BEAT_EVERY = timedelta(seconds=2)
# a process that has not beaten for this long is taken for dead: several missed beats, so that
# a busy database or a long garbage collection does not make a living worker look dead
STALE_AFTER = timedelta(seconds=10)
# stopped rows are kept this long for `happybot status` to show how a process ended
KEEP_STOPPED = timedelta(days=1)

ROLES = ("run", "listener", "standby", "worker")


@dataclass(frozen=True)
class Process:
    id: str
    role: str
    host: str
    pid: int
    version: str
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    how: str | None
    detail: Mapping[str, Any]

    def alive(self, now: datetime) -> bool:
        return self.stopped_at is None and now - self.heartbeat_at <= STALE_AFTER

    def state(self, now: datetime) -> str:
        if self.stopped_at is not None:
            return self.how or "stopped"
        return "alive" if self.alive(now) else "silent"

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "host": self.host,
            "pid": self.pid,
            "version": self.version,
            "started_at": self.started_at.isoformat(),
            "heartbeat_at": self.heartbeat_at.isoformat(),
            "seconds_since_heartbeat": round((now - self.heartbeat_at).total_seconds(), 1),
            "state": self.state(now),
            "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
            "detail": dict(self.detail),
        }


def _of(row: ProcessRow) -> Process:
    return Process(
        row.id,
        row.role,
        row.host,
        row.pid,
        row.version,
        row.started_at,
        row.heartbeat_at,
        row.stopped_at,
        row.how,
        json.loads(row.detail or "{}"),
    )


def machine() -> str:
    """This machine as its processes' pids are seen: the host name and the pid namespace (two
    containers may share a host name, never a pid namespace)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()[:150]}|{namespace}"[:200]


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def reap(store: Store) -> int:
    """Mark as died the processes of this machine whose pid is gone (a `kill -9`, a crash), so
    that their claims are taken over now; forget stopped rows older than KEEP_STOPPED."""
    host, now = machine(), store.clock()
    with store.transaction() as session:
        rows = session.execute(
            select(ProcessRow).where(ProcessRow.host == host, ProcessRow.stopped_at.is_(None))
        ).scalars()
        dead = [row for row in rows if row.pid != os.getpid() and not _pid_exists(row.pid)]
        for row in dead:
            row.stopped_at, row.how = now, "died"
        old = session.execute(
            select(ProcessRow).where(ProcessRow.stopped_at < now - KEEP_STOPPED)
        ).scalars()
        for row in old:
            session.delete(row)
    return len(dead)


def register(store: Store, role: str) -> str:
    """Write this process's row; returns its id (what its claims will name)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    reap(store)
    host, now = machine(), store.clock()
    pid = os.getpid()
    ident = f"{socket.gethostname()[:60]}:{pid}:{secrets.token_hex(4)}"
    with store.transaction() as session:
        session.add(
            ProcessRow(
                id=ident,
                role=role,
                host=host,
                pid=pid,
                version=happybot.__version__,
                started_at=now,
                heartbeat_at=now,
                detail="{}",
            )
        )
    return ident


def beat(
    store: Store, ident: str, role: str | None = None, detail: Mapping[str, Any] | None = None
) -> None:
    with store.transaction() as session:
        row = session.get(ProcessRow, ident)
        if row is None:
            return
        if row.stopped_at is not None:
            # taken for dead by mistake (a silence longer than STALE_AFTER): it beats, so it
            # lives; what others took over meanwhile they found unjudged or sent by its key
            log.warning("%s was taken for dead; it is alive", ident)
            row.stopped_at, row.how = None, None
        row.heartbeat_at = store.clock()
        if role is not None:
            row.role = role
        if detail is not None:
            row.detail = json.dumps(dict(detail), sort_keys=True, default=str)


def stop(
    store: Store,
    ident: str,
    how: str = "stopped",
    role: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record that the process ended (`how`: stopped, died), with its last role and counts."""
    with store.transaction() as session:
        row = session.get(ProcessRow, ident)
        if row is not None and row.stopped_at is None:
            row.stopped_at = row.heartbeat_at = store.clock()
            row.how = how
            if role is not None:
                row.role = role
            if detail is not None:
                row.detail = json.dumps(dict(detail), sort_keys=True, default=str)


def processes(store: Store, *, include_stopped: bool = True) -> list[Process]:
    with store.transaction() as session:
        query = select(ProcessRow).order_by(ProcessRow.role, ProcessRow.started_at)
        if not include_stopped:
            query = query.where(ProcessRow.stopped_at.is_(None))
        return [_of(row) for row in session.execute(query).scalars()]


def gone(owner: SQLColumnExpression[str | None], now: datetime) -> ColumnElement[bool]:
    """SQL: the process named in `owner` is not alive (no row, stopped, or silent). A claim
    without an owner (one made before processes were named) is not gone: it waits its lease."""
    alive = exists().where(
        ProcessRow.id == owner,
        ProcessRow.stopped_at.is_(None),
        ProcessRow.heartbeat_at >= now - STALE_AFTER,
    )
    return and_(owner.is_not(None), ~alive)


def claim_open(
    owner: SQLColumnExpression[str | None],
    until: SQLColumnExpression[datetime | None],
    now: datetime,
) -> ColumnElement[bool]:
    """SQL: a claim that may be taken: none, run out, or its process gone."""
    return or_(until.is_(None), until < now, gone(owner, now))


class Heartbeat:
    """Beats a process's heartbeat from a daemon thread until stopped. The role and the
    counts shown by `happybot status` are whatever was last set."""

    def __init__(self, store: Store, ident: str, role: str) -> None:
        self.store = store
        self.ident = ident
        self.role = role
        self.detail: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close("died" if exc[0] is not None and exc[0] is not KeyboardInterrupt else "stopped")

    def set(self, role: str | None = None, detail: Mapping[str, Any] | None = None) -> None:
        """A new role is written at once (a standby that became the listener says so now);
        counts go with the next beat."""
        if detail is not None:
            self.detail.update(detail)
        if role is not None and role != self.role:
            self.role = role
            beat(self.store, self.ident, self.role, self.detail)

    def _loop(self) -> None:
        while not self._stop.wait(BEAT_EVERY.total_seconds()):
            try:
                beat(self.store, self.ident, self.role, self.detail)
            except Exception as exc:  # the thread must outlive any one failure
                # the next beat tries again; after STALE_AFTER without one, other workers
                # take this one's claims over (what it sends then is found sent by its key)
                log.warning("heartbeat of %s failed: %s", self.ident, exc)

    def close(self, how: str = "stopped") -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            stop(self.store, self.ident, how, self.role, self.detail)
        except SQLAlchemyError as exc:
            log.warning("could not record that %s stopped: %s", self.ident, exc)


def is_mine(session: Session, ident: str) -> bool:
    """Whether this process's row is still alive in the store (not reaped, not stopped)."""
    row = session.get(ProcessRow, ident)
    return row is not None and row.stopped_at is None
