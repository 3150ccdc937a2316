"""Two runs on one PostgreSQL store at once (two machines reading the same source): nothing
crashes, every post is stored and judged once, and no post is answered twice."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.schema import DeadLetterRow, OutboxRow, PostRow
from happybot.testing import toy_campaign
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line

TAG = "#MakeItHappy"
CAMPAIGN = toy_campaign(publish_delay_seconds=0, behaviour={"max_posts_per_hour": 100})


def test_two_runs_on_one_postgresql_store_share_it_without_a_crash(
    pg_url: str, tmp_path: Path
) -> None:
    # every grumble once: repeated ones from many accounts would be a coordinated group
    lines = [
        line(f"p{i}", f"{text} {TAG}", handle=f"u{i}.example") for i, text in enumerate(GRUMBLES)
    ]
    count = len(lines)
    errors: list[BaseException] = []
    stores = [Store.open(pg_url, b"test-key") for _ in range(2)]
    start = threading.Barrier(2)

    # each run writes its replies where it runs: a machine of its own
    platforms = [CrashingPlatform(ListSource(lines), tmp_path / f"out{n}") for n in range(2)]

    def run(store: Store, n: int) -> None:
        try:
            pipeline = Pipeline(CAMPAIGN, store, platforms[n], load_screens(CAMPAIGN), batch_size=4)
            start.wait(timeout=60)
            pipeline.run()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    with stores[0].transaction() as session:
        posts = session.execute(select(PostRow.trigger_key, PostRow.state)).all()
        sent = session.execute(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "sent")
        ).scalar_one()
        dead = session.execute(select(func.count()).select_from(DeadLetterRow)).scalar_one()
        assert audit.verify(session, stores[0].audit_key).ok
    assert len(posts) == count and {s for _, s in posts} == {"published"}
    assert sent == count and dead == 0
    assert sum(len(list((tmp_path / f"out{n}").glob("*.json"))) for n in range(2)) == count
    for store in stores:
        store.close()
