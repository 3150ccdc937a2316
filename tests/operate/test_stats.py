from __future__ import annotations

from pathlib import Path

from happybot.operate import review
from happybot.operate.stats import counts, timeline
from happybot.store.db import Store
from tests.conftest import Clock
from tests.web.helpers import dashboard


def test_counts_say_waiting_for_review_and_rejected(store: Store, tmp_path: Path) -> None:
    dashboard(store, tmp_path)
    item = review.queue(store)[0]
    review.reject(store, post_id=item.post_id, reviewer="rita")
    now = counts(store)
    assert (now.posts_in, now.published, now.waiting_for_review, now.rejected) == (6, 3, 2, 1)
    assert now.flagged == 3 and now.flagged_rate == 0.5


def test_the_timeline_puts_each_post_in_its_minute_with_what_became_of_it(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    dashboard(store, tmp_path)
    clock.advance(minutes=5)
    buckets = timeline(store, minutes=30)
    assert len(buckets) == 31
    assert sum(b.posts_in for b in buckets) == 6
    (busy,) = [b for b in buckets if b.posts_in]
    assert (busy.published, busy.waiting_for_review, busy.flagged) == (3, 3, 3)
    assert buckets[-1].start - busy.start >= buckets[1].start - buckets[0].start


def test_a_simulation_ahead_of_the_clock_still_shows_its_last_hour(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    dashboard(store, tmp_path)
    clock.advance(hours=-3)  # the posts are "in the future" of the clock, as in the demo
    buckets = timeline(store, minutes=60)
    assert sum(b.posts_in for b in buckets) == 6
