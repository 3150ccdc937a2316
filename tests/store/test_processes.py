"""The processes that share a store: who is alive, who died, and what their claims become."""

from __future__ import annotations

import subprocess

from sqlalchemy import select

from happybot.store.db import Store
from happybot.store.processes import (
    STALE_AFTER,
    beat,
    gone,
    machine,
    processes,
    reap,
    register,
    stop,
)
from happybot.store.schema import ProcessRow
from tests.conftest import Clock


def _state(store: Store, ident: str) -> str:
    now = store.clock()
    return next(p.state(now) for p in processes(store) if p.id == ident)


def _gone(store: Store, ident: str) -> bool:
    with store.transaction() as session:
        return bool(
            session.execute(
                select(gone(ProcessRow.id, store.clock()).label("g")).where(ProcessRow.id == ident)
            ).scalar_one()
        )


def test_a_process_is_alive_while_it_beats_and_silent_after(store: Store, clock: Clock) -> None:
    ident = register(store, "worker")
    assert _state(store, ident) == "alive" and not _gone(store, ident)
    clock.advance(seconds=STALE_AFTER.total_seconds() + 1)
    assert _state(store, ident) == "silent" and _gone(store, ident)
    beat(store, ident, "worker", {"screened": 5})
    assert _state(store, ident) == "alive"
    assert next(p for p in processes(store) if p.id == ident).detail == {"screened": 5}
    stop(store, ident)
    assert _state(store, ident) == "stopped" and _gone(store, ident)


def test_a_process_whose_pid_is_gone_from_this_machine_is_marked_died(store: Store) -> None:
    ident = register(store, "worker")
    ended = subprocess.Popen(["true"])
    ended.wait()
    with store.transaction() as session:
        row = session.get(ProcessRow, ident)
        assert row is not None and row.host == machine()
        row.pid = ended.pid
    assert reap(store) == 1 and _state(store, ident) == "died"
    alive = register(store, "worker")  # this very process (registering reaps too): never
    assert reap(store) == 0 and _state(store, alive) == "alive"


def test_a_process_of_another_machine_is_never_reaped_by_pid(store: Store) -> None:
    ident = register(store, "worker")
    with store.transaction() as session:
        row = session.get(ProcessRow, ident)
        assert row is not None
        row.host, row.pid = "elsewhere|pid:[1]", 999_999
    assert reap(store) == 0 and _state(store, ident) == "alive"


def test_a_process_taken_for_dead_that_beats_again_is_alive(store: Store) -> None:
    ident = register(store, "worker")
    stop(store, ident, "died")
    beat(store, ident)
    assert _state(store, ident) == "alive"
