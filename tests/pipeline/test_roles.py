"""A listener and several workers over one PostgreSQL store: the load is shared, every post is
screened and judged once, a post's verdict is the same whichever worker screens it, and a
standby listener takes over when the listener's connection dies."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from happybot.config import Campaign
from happybot.errors import StoreError
from happybot.models import Mode, Trigger
from happybot.pipeline.roles import Listener, Worker
from happybot.pipeline.runner import Pipeline
from happybot.platforms.base import Incoming
from happybot.platforms.replay import parse_line
from happybot.screens.base import Screen, ScreenContext, load_screens
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.locks import AdvisoryLock
from happybot.store.processes import Heartbeat, register
from happybot.store.schema import AuditRow, DecisionRow, OutboxRow, PostRow
from happybot.testing import toy_campaign
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line

TAG = "#MakeItHappy"
# many posts within minutes are the load these tests are about, not a raid
CAMPAIGN = toy_campaign(
    publish_delay_seconds=0, behaviour={"max_posts_per_hour": 100, "burst_posts": 1000}
)


class Counting:
    """Wraps a screen and notes every post it reads, in whichever worker."""

    def __init__(self, inner: Screen, seen: Counter[str], lock: threading.Lock) -> None:
        self.inner, self.name, self.seen, self.lock = inner, inner.name, seen, lock

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list]:  # type: ignore[type-arg]
        with self.lock:
            self.seen.update(t.key for t in batch)
        return self.inner.check(batch, ctx)


def _grumbles(n: int) -> list[str]:
    """`n` everyday posts (up to 60), each two grumbles that no other post pairs: alike enough
    to be ordinary, never near-duplicates (those from many accounts are a coordinated group)."""
    return [
        line(
            f"p{i}",
            f"{GRUMBLES[i % 16]}, and {GRUMBLES[(i + 1 + i // 16) % 16]} {TAG}",
            handle=f"u{i}.example",
        )
        for i in range(n)
    ]


def _listen_all(
    store: Store, lines: list[str], tmp_path: Path, campaign: Campaign = CAMPAIGN
) -> None:
    platform = CrashingPlatform(ListSource(lines), tmp_path / "listener")
    Listener(Pipeline(campaign, store, platform, ())).run()


def _workers(
    url: str,
    lines: list[str],
    tmp_path: Path,
    n: int,
    batch_size: int = 4,
    campaign: Campaign = CAMPAIGN,
) -> tuple[list[Worker], Counter[str]]:
    seen: Counter[str] = Counter()
    lock = threading.Lock()
    workers = []
    for k in range(n):
        store = Store.open(url, b"test-key")
        first, *rest = load_screens(campaign)
        screens = [Counting(first, seen, lock), *rest]
        platform = CrashingPlatform(ListSource(lines), tmp_path / f"worker{k}")
        ident = register(store, "worker")  # a claim names a process that says it is alive
        pipeline = Pipeline(campaign, store, platform, screens, batch_size=batch_size, owner=ident)
        workers.append(Worker(pipeline, Heartbeat(store, ident, "worker")))
    return workers, seen


def _run_all(workers: list[Worker]) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def go(w: Worker) -> None:
        try:
            assert w.heartbeat is not None
            with w.heartbeat:
                start.wait(timeout=60)
                w.run(stop_when_idle=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []


def test_two_workers_share_the_load_and_screen_each_post_once(pg_url: str, tmp_path: Path) -> None:
    lines = _grumbles(60)
    store = Store.open(pg_url, b"test-key")
    _listen_all(store, lines, tmp_path)
    workers, seen = _workers(pg_url, lines, tmp_path, 2)
    _run_all(workers)

    assert len(seen) == 60 and set(seen.values()) == {1}  # each post screened once, in all
    judged = [w.pipeline.stats.screened for w in workers]
    assert sum(judged) == 60 and min(judged) > 0  # both worked
    sent = [w.pipeline.stats.published for w in workers]
    assert sum(sent) == 60 and min(sent) > 0
    with store.transaction() as session:
        assert {s for (s,) in session.execute(select(PostRow.state))} == {"published"}
        decided = session.execute(
            select(AuditRow.subject, func.count())
            .where(AuditRow.kind == "decided")
            .group_by(AuditRow.subject)
        ).all()
        assert len(decided) == 60 and {n for _, n in decided} == {1}
        assert audit.verify(session, store.audit_key).ok
    files = [f.name for k in range(2) for f in (tmp_path / f"worker{k}").glob("*.json")]
    assert len(files) == len(set(files)) == 60  # no reply written twice


def _coordinated_lines() -> list[str]:
    """Ordinary posts with a coordinated group (one text from many fresh accounts) spread
    through them, so that the group falls into different workers' batches."""
    lines = []
    for i in range(24):
        lines.append(line(f"g{i}", f"{GRUMBLES[i % len(GRUMBLES)]} {TAG}", handle=f"u{i}.example"))
        if i % 4 == 1:
            lines.append(
                line(
                    f"c{i}",
                    f"this brand ruined my whole week, do not buy {TAG}",
                    handle=f"c{i}.example",
                )
            )
    return lines


def _verdicts(store: Store) -> dict[str, tuple[str, str]]:
    with store.transaction() as session:
        rows = session.execute(
            select(PostRow.trigger_key, DecisionRow.decision, PostRow.state)
            .join(DecisionRow, DecisionRow.post_id == PostRow.id)
            .where(DecisionRow.stage == "final")
        ).all()
    return {key: (decision, state) for key, decision, state in rows}


def test_a_coordinated_group_split_between_workers_gets_one_workers_verdicts(
    pg_url: str, tmp_path: Path
) -> None:
    # in copilot nothing goes out unapproved, so that the group's first posts are still there
    # to hold back when the group shows itself (live, the publish delay gives that time)
    campaign = CAMPAIGN.model_copy(update={"mode": Mode.COPILOT})
    lines = _coordinated_lines()
    alone = Store.open(f"sqlite:///{tmp_path / 'alone.db'}", b"test-key")
    platform = CrashingPlatform(ListSource(lines), tmp_path / "alone")
    Pipeline(campaign, alone, platform, load_screens(campaign)).run()
    expected = _verdicts(alone)
    held = {k for k, (d, _) in expected.items() if d != "publish"}
    assert {k.rsplit(":", 1)[-1] for k in held} >= {"c5", "c9", "c13"}  # the group is held

    store = Store.open(pg_url, b"test-key")
    _listen_all(store, lines, tmp_path, campaign)
    workers, _ = _workers(pg_url, lines, tmp_path, 2, batch_size=2, campaign=campaign)
    _run_all(workers)
    assert min(w.pipeline.stats.screened for w in workers) > 0
    assert _verdicts(store) == expected


class Endless:
    """A live source that keeps bringing posts, slowly, from where its cursor says."""

    name, live = "list:test", False

    def __init__(self) -> None:
        self.reply_when = ListSource([]).reply_when

    def bot_account(self) -> None:
        return None

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        n = int(cursor) if cursor else 0
        while True:
            n += 1
            text = f"{GRUMBLES[n % 16]} {n} {TAG}"
            trigger, _ = parse_line(line(f"e{n}", text, handle=f"e{n}.x"))
            time.sleep(0.02)
            yield Incoming(str(n), trigger=trigger)

    def fetch_parent(self, post: object) -> None:
        return None


def test_a_standby_listener_takes_over_within_seconds_of_the_listeners_death(
    pg_url: str, tmp_path: Path
) -> None:
    stores = [Store.open(pg_url, b"test-key") for _ in range(2)]
    stop = [threading.Event(), threading.Event()]
    listeners = [
        Listener(
            Pipeline(
                CAMPAIGN,
                s,
                CrashingPlatform(Endless(), tmp_path / f"l{k}"),  # type: ignore[arg-type]
                (),
                batch_size=4,
            ),
            stop=stop[k],
        )
        for k, s in enumerate(stores)
    ]
    threads = [threading.Thread(target=listener.run) for listener in listeners]
    threads[0].start()
    deadline = time.monotonic() + 30
    while not listeners[0].lock.held and time.monotonic() < deadline:
        time.sleep(0.05)
    threads[1].start()
    time.sleep(1.5)
    assert listeners[1].took_over == 0  # a standby while the first holds the source

    def stored() -> int:
        with stores[0].transaction() as session:
            return int(session.execute(select(func.count()).select_from(PostRow)).scalar_one())

    before = stored()
    assert before > 0
    # the first listener's process dies: its connection, and the lock with it, are gone
    stop[0].set()
    connection = listeners[0].lock._connection
    assert connection is not None
    connection.invalidate()
    died = time.monotonic()
    while listeners[1].took_over == 0 and time.monotonic() - died < 10:
        time.sleep(0.05)
    took = time.monotonic() - died
    assert listeners[1].took_over == 1 and took < 10
    time.sleep(1.0)
    assert stored() > before  # the standby goes on from the saved cursor
    stop[1].set()
    for t in threads:
        t.join(timeout=30)
    with stores[0].transaction() as session:
        keys = session.execute(select(PostRow.trigger_key)).scalars().all()
        numbers = sorted(int(k.rsplit(":e", 1)[-1]) for k in keys)
        assert numbers == list(range(1, len(numbers) + 1))  # nothing skipped, nothing twice
        assert session.execute(select(func.count()).select_from(OutboxRow)).scalar_one() == 0


def test_the_listeners_lock_is_one_holder_at_a_time(pg_url: str) -> None:
    a, b = Store.open(pg_url, b"k"), Store.open(pg_url, b"k")
    first, second = AdvisoryLock(a, "listener:x"), AdvisoryLock(b, "listener:x")
    assert first.try_acquire() and first.still_held()
    assert not second.try_acquire()
    assert AdvisoryLock(b, "listener:y").try_acquire()  # another name is another lock
    first.release()
    assert second.try_acquire() and second.still_held()
    second.release()


def test_roles_refuse_a_sqlite_store(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}", b"k")
    with pytest.raises(StoreError, match="PostgreSQL"):
        Listener(Pipeline(CAMPAIGN, store, CrashingPlatform(ListSource([]), tmp_path / "o"), ()))
