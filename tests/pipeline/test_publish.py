"""The publisher: rate limits, retries, refusals and concurrent workers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import select, update

from happybot.config import RateLimitSettings
from happybot.errors import PlatformRejected, PlatformUnavailable
from happybot.pipeline.publish import Publisher
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store.db import Store
from happybot.store.schema import ArtworkRow, OutboxRow, PostRow
from happybot.testing import toy_campaign
from tests.conftest import Clock
from tests.pipeline.helpers import CrashingPlatform, ListSource, line

CAMPAIGN = toy_campaign(publish_delay_seconds=0)
TOPICS = ["bus", "train", "tram", "ferry", "flight", "taxi", "lift", "bike", "coach", "metro"]


def late(n: int) -> list[str]:
    """n everyday posts from n people."""
    return [
        line(str(i), f"my {TOPICS[i]} was late #MakeItHappy", handle=f"u{i}.example")
        for i in range(n)
    ]


def queued(store: Store, out: Path, n: int = 4, **platform_kw: object) -> CrashingPlatform:
    """n replies in the outbox, not yet sent."""
    platform = CrashingPlatform(ListSource(late(n)), out, **platform_kw)  # type: ignore[arg-type]
    p = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN))
    p.ensure_mode()
    p.ingest(list(platform.listen(None)))
    p.process()
    return platform


def outbox(store: Store) -> list[OutboxRow]:
    with store.transaction() as session:
        return list(session.execute(select(OutboxRow).order_by(OutboxRow.id)).scalars())


def test_rate_limits_hold_replies_until_the_window_allows(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    platform = queued(store, tmp_path, 5)
    publisher = Publisher(store, platform, RateLimitSettings(per_minute=2, per_hour=3))
    assert publisher.run() == 2
    clock.advance(seconds=61)
    assert publisher.run() == 1  # the hour allows one more
    clock.advance(hours=1)
    assert publisher.run() == 2


def test_an_unavailable_platform_is_retried_later_with_backoff(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    platform = queued(store, tmp_path, 1, error=PlatformUnavailable("503"))
    publisher = Publisher(store, platform)
    assert publisher.run() == 0
    (row,) = outbox(store)
    assert row.state == "pending" and row.attempts == 1 and row.not_before > clock.now
    assert publisher.run() == 0 and platform.calls == 1  # not before its time
    platform.error = None
    clock.advance(seconds=10)
    assert publisher.run() == 1


def test_a_platform_that_keeps_failing_sends_the_post_back_to_people(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    platform = queued(store, tmp_path, 1, error=PlatformUnavailable("down", retry_after=1))
    publisher = Publisher(store, platform)
    for _ in range(10):
        publisher.run()
        clock.advance(seconds=2)
    (row,) = outbox(store)
    assert row.state == "failed" and platform.calls == 6
    with store.transaction() as session:
        assert session.execute(select(PostRow.state)).scalar_one() == "review"


def test_a_refused_reply_is_never_retried(store: Store, tmp_path: Path) -> None:
    platform = queued(store, tmp_path, 1, error=PlatformRejected("blocked by the user"))
    publisher = Publisher(store, platform)
    assert publisher.run() == 0 and publisher.run() == 0
    assert platform.calls == 1 and outbox(store)[0].state == "failed"


def test_a_picture_changed_after_approval_is_never_published(store: Store, tmp_path: Path) -> None:
    platform = queued(store, tmp_path, 1)
    with store.transaction() as session:
        session.execute(update(ArtworkRow).values(sha256="0" * 64))
    assert Publisher(store, platform).run() == 0
    assert platform.calls == 0 and outbox(store)[0].state == "failed"


def test_concurrent_workers_send_each_reply_once(store: Store, tmp_path: Path) -> None:
    platform = queued(store, tmp_path, 10)
    publishers = [Publisher(store, platform) for _ in range(3)]
    counts: list[int] = []
    threads = [threading.Thread(target=lambda p=p: counts.append(p.run())) for p in publishers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 10 and platform.calls == 10
    assert {r.state for r in outbox(store)} == {"sent"}


class SlowPlatform(CrashingPlatform):
    """A network round trip per reply, safe to call from several threads; notes how many
    replies were on their way at once."""

    parallel_sends = 4

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.lock = threading.Lock()
        self.in_flight = self.most = 0

    def reply(self, reply):  # type: ignore[no-untyped-def]
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            time.sleep(0.05)
            return super().reply(reply)
        finally:
            with self.lock:
                self.in_flight -= 1


def test_a_platform_that_allows_it_gets_several_replies_at_once_each_sent_once(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}", b"test-key")
    platform = SlowPlatform(ListSource(late(10)), tmp_path / "out")
    p = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN))
    assert p.publisher.senders == 4
    p.ensure_mode()
    p.ingest(list(platform.listen(None)))
    p.process()
    assert p.publisher.run() == 10
    assert platform.most > 1 and platform.writes == 10
    assert {row.state for row in outbox(store)} == {"sent"}
    store.close()


def test_replies_on_their_way_count_against_the_rate_limit(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}", b"test-key")
    platform = queued(store, tmp_path / "out", 6)
    with store.transaction() as session:  # one on its way from another sender
        session.execute(update(OutboxRow).where(OutboxRow.id == 1).values(state="sending"))
    publisher = Publisher(store, platform, RateLimitSettings(per_minute=3, per_hour=100))
    assert publisher.run() == 2  # three a minute: the one on its way is one of them
    store.close()


def test_a_reply_whose_picture_is_missing_goes_back_to_people_not_out_blank(
    store: Store, tmp_path: Path
) -> None:
    platform = queued(store, tmp_path, 1)
    with store.transaction() as session:
        session.execute(ArtworkRow.__table__.delete())  # type: ignore[attr-defined]
    assert Publisher(store, platform).run() == 0 and platform.writes == 0
    (row,) = outbox(store)
    assert (row.state, row.last_error) == ("failed", "no picture to publish")
    with store.transaction() as session:
        assert session.execute(select(PostRow.state)).scalar_one() == "review"


def test_a_run_sends_from_its_own_thread_while_it_reads_and_counts_each_reply_once(
    tmp_path: Path,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}", b"test-key")
    platform = SlowPlatform(ListSource(late(10)), tmp_path / "out")
    stats = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN), batch_size=3).run()
    assert stats.published == 10 and platform.writes == 10
    assert {row.state for row in outbox(store)} == {"sent"}
    assert not any(t.name == "sender" for t in threading.enumerate())  # stopped with the run
    store.close()
