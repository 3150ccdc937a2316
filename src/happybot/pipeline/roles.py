"""The two roles of a campaign that runs on several processes over one PostgreSQL store.

The **listener** holds the source (the firehose, the stream) and its cursor: it takes posts in
and stores them as received, nothing more. One listener at a time holds the advisory lock
`listener:PLATFORM`; any others wait as standbys and the first to ask after the holder dies
takes over, resuming from the saved cursor (what the dead one had read but not stored is read
again; what it had stored is a duplicate, skipped).

**Workers**, as many as the load needs, on any machines, claim received posts and due replies
with `FOR UPDATE SKIP LOCKED` leases, and screen, draw and publish them. Everything they judge
by (an author's recent posts, the coordination window, the breaker's window, rate limits, the
daily share of replies per person) is read from the store, so a post's verdict is the same
whichever worker screens it.

`happybot run` is both roles in one process (pipeline/runner.py), for SQLite and small
campaigns.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from happybot.models import PostState
from happybot.pipeline.runner import Pipeline, RunStats, chunks
from happybot.store import queries
from happybot.store.locks import AdvisoryLock, require_shared
from happybot.store.schema import PostRow

if TYPE_CHECKING:
    from happybot.store.processes import Heartbeat

log = logging.getLogger(__name__)

# how often a standby asks for the listener's lock: a dead listener is replaced within this
# (the server drops a dead process's connection, and its lock, at once)
STANDBY_RETRY_SECONDS = 1.0
# how long an idle worker waits before looking for work again (the latency it adds, at most)
WORKER_POLL_SECONDS = 0.1
# how often an idle worker looks over the campaign for the breaker (incidents age unanswered)
IDLE_WATCH_SECONDS = 5.0


def _counts(stats: RunStats) -> dict[str, int]:
    return {
        "received": stats.received,
        "screened": stats.screened,
        "published": stats.published,
        "dead_letters": stats.dead_letters,
    }


class Listener:
    def __init__(
        self,
        pipeline: Pipeline,
        heartbeat: Heartbeat | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        require_shared(pipeline.store, "listener")
        self.pipeline = pipeline
        self.heartbeat = heartbeat
        self.stop = stop or threading.Event()
        self.lock = AdvisoryLock(pipeline.store, f"listener:{pipeline.platform.name}")
        self.took_over = 0  # times this process became the listener

    def _role(self, role: str) -> None:
        if self.heartbeat is not None:
            self.heartbeat.set(role, _counts(self.pipeline.stats))

    def run(self, limit: int | None = None, stop_when_idle: bool = False) -> RunStats:
        """Wait for the lock, then take the source in until it ends, `limit` items, the stop
        event, or (with `stop_when_idle`) a quiet moment of a live source."""
        p = self.pipeline
        try:
            while not self.stop.is_set():
                if not self.lock.try_acquire():
                    self._role("standby")
                    self.stop.wait(STANDBY_RETRY_SECONDS)
                    continue
                self.took_over += 1
                self._role("listener")
                log.warning("listening to %s (this process holds the source)", p.platform.name)
                p.ensure_mode()
                _ = p.bot  # a login that fails stops the listener here, not a post's ingest
                if self._listen(limit, stop_when_idle):
                    break
        finally:
            self.lock.release()
        return p.stats

    def _listen(self, limit: int | None, stop_when_idle: bool) -> bool:
        """True when done; False when the lock was lost (then asked for again)."""
        p = self.pipeline
        with p.store.transaction() as session:
            cursor = queries.get_cursor(session, p.platform.name)
        for chunk in chunks(p.platform.listen(cursor), p.batch_size, limit):
            if not self.lock.still_held():
                log.warning("lost the listener's lock (the database connection ended)")
                return False
            p.ingest(chunk)
            self._role("listener")
            if self.stop.is_set() or (stop_when_idle and chunk[-1].idle):
                return True
        return True  # the source ended (a replay, a simulation) or `limit` items


class Worker:
    def __init__(
        self,
        pipeline: Pipeline,
        heartbeat: Heartbeat | None = None,
        stop: threading.Event | None = None,
        poll_seconds: float = WORKER_POLL_SECONDS,
    ) -> None:
        self.pipeline = pipeline
        self.heartbeat = heartbeat
        self.stop = stop or threading.Event()
        self.poll_seconds = poll_seconds

    def run(self, stop_when_idle: bool = False) -> RunStats:
        """Judge, draw and publish until the stop event (or, with `stop_when_idle`, until no
        post waits to be judged and no reply the mode lets out waits to be sent). A stop lets
        the batch in hand finish: nothing is left claimed."""
        p = self.pipeline
        p.ensure_mode()
        _ = p.bot
        watched = time.monotonic()
        while not self.stop.is_set():
            # one batch, then the replies due: a backlog of posts does not hold up replies
            judged = p.process(limit=p.batch_size)
            sent = p.publisher.run()
            p.stats.published += sent
            if self.heartbeat is not None:
                self.heartbeat.set(detail=_counts(p.stats))
            if judged or sent:
                continue
            if stop_when_idle and self._idle():
                break
            if p.watch is not None and time.monotonic() - watched >= IDLE_WATCH_SECONDS:
                p.watch.check()  # a quiet stream: incidents still age (nobody answering)
                watched = time.monotonic()
            self.stop.wait(self.poll_seconds)
        return p.stats

    def _idle(self) -> bool:
        p = self.pipeline
        with p.store.transaction() as session:
            waiting = session.execute(
                select(PostRow.id).where(PostRow.state == PostState.RECEIVED).limit(1)
            ).first()
        return waiting is None and p.publisher.next_due() is None
