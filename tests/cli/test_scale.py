"""A campaign on several processes over PostgreSQL, as an operator runs it: a listener with a
standby, two workers, each a real `happybot` process. Under load the listener is killed (the
standby takes over), one worker is stopped and started again as a new version would be, another
is killed with SIGKILL: nothing is lost, nothing answered twice, nothing left "sending"."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from happybot.config import starter_campaign_text
from happybot.platforms.simulate import Simulator
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.processes import processes
from happybot.store.schema import OutboxRow, PostRow

POSTS = 1200
KEY = "scale-test-key"
FINAL = {"published", "review", "rejected", "skipped"}


def _campaign(folder: Path) -> Path:
    text = starter_campaign_text().replace("publish_delay_seconds: 120", "publish_delay_seconds: 0")
    # a peak is what this test is about, not a raid; and the toy classifier of the CLI tests
    text = text.replace("  burst_posts: 40", "  burst_posts: 100000")
    text = re.sub(
        r"classifier/([\w-]+): \{[^}]*\}", r"classifier/\1: {review: 1.0, reject: 1.0}", text
    )
    # the simulator's everyday traffic at 1,200 posts a minute has its near-duplicates, and the
    # breaker's copilot would keep replies waiting for people: not what this test is about
    text = text.replace("breaker:\n  enabled: true", "breaker:\n  enabled: false")
    assert "burst_posts: 100000" in text and "enabled: false" in text
    path = folder / "scale.yaml"
    path.write_text(text)
    return path


class Fleet:
    def __init__(self, folder: Path, url: str, campaign: Path, posts: Path) -> None:
        self.folder, self.campaign, self.posts = folder, campaign, posts
        self.env = {**os.environ, "HAPPYBOT_DB": url, "HAPPYBOT_AUDIT_KEY": KEY}
        self.logs: list[Path] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"p{len(self.logs)}.log"
        self.logs.append(log)
        return subprocess.Popen(
            [sys.executable, "-m", "happybot", *args, "--campaign", str(self.campaign)],
            cwd=self.folder,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def listener(self) -> subprocess.Popen[bytes]:
        return self.start("listen", "--source", f"replay:{self.posts}")

    def worker(self) -> subprocess.Popen[bytes]:
        # one reply folder for all: it is the "network" they all post to
        return self.start("worker", "--dry-run", "--out", "replies", "--batch-size", "16")

    def tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in self.logs)


def _wait(what: str, done: Callable[[], bool], fleet: Fleet, timeout: float = 120) -> float:
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"gave up waiting for {what}\n{fleet.tail()}")
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_listener_killed_a_rolling_restart_and_a_killed_worker_lose_and_double_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    posts = tmp_path / "posts.jsonl"
    lines = Simulator("ordinary", seed=5, size=POSTS).as_lines()
    posts.write_text("".join(json.dumps(line) + "\n" for line in lines))
    fleet = Fleet(tmp_path, pg_url, _campaign(tmp_path), posts)
    store = Store.open(pg_url, KEY.encode())

    def count(*states: str) -> int:
        with store.transaction() as session:
            query = select(func.count()).select_from(PostRow)
            if states:
                query = query.where(PostRow.state.in_(states))
            return int(session.execute(query).scalar_one())

    def role_of(proc: subprocess.Popen[bytes]) -> str | None:
        return next((p.role for p in processes(store) if p.pid == proc.pid), None)

    first = fleet.listener()
    _wait("the first listener", lambda: count() > 0, fleet)
    standby = fleet.listener()
    _wait("the standby", lambda: role_of(standby) == "standby", fleet)
    workers = [fleet.worker(), fleet.worker()]
    _wait("a few hundred posts", lambda: count() >= 300, fleet)
    assert first.poll() is None, "the source ran out before the kill: make it longer"

    first.kill()  # the listener dies mid-stream
    first.wait()
    stored = count()
    took = _wait("the standby to go on", lambda: count() > stored + 20, fleet, timeout=30)
    assert took < 10

    # a rolling restart: each worker in turn is told to stop (SIGTERM, as systemd does), and
    # its replacement started, while the other goes on
    for k in (0, 1):
        judged = 150 * (k + 1)
        _wait("judged posts", lambda: count(*FINAL) >= judged, fleet)  # noqa: B023 (used now)
        workers[k].send_signal(signal.SIGTERM)
        assert workers[k].wait(timeout=60) == 0, fleet.tail()
        workers[k] = fleet.worker()
    # and one dies mid-work
    _wait("more judged posts", lambda: count(*FINAL) >= 500, fleet)
    workers[0].kill()
    workers[0].wait()
    workers[0] = fleet.worker()

    assert standby.wait(timeout=120) == 0, fleet.tail()  # the whole source, read
    _wait("every post judged", lambda: count(*FINAL) == count() == POSTS, fleet, timeout=240)

    def drained() -> bool:
        with store.transaction() as session:
            return (
                session.execute(
                    select(OutboxRow.id).where(OutboxRow.state.in_(("pending", "sending")))
                ).first()
                is None
            )

    _wait("the outbox to drain", drained, fleet)
    for w in workers:
        w.send_signal(signal.SIGTERM)
    assert [w.wait(timeout=60) for w in workers] == [0, 0], fleet.tail()

    with store.transaction() as session:
        sent = session.execute(
            select(OutboxRow.idempotency_key).where(OutboxRow.state == "sent")
        ).scalars()
        sent_keys = sorted(sent)
        assert audit.verify(session, store.audit_key).ok
    files = sorted(p.stem for p in (tmp_path / "replies").glob("*.json"))
    assert files == sent_keys  # every reply recorded, and each written once
    assert len(sent_keys) > POSTS // 2
    how = {p.pid: (p.role, p.how) for p in processes(store)}
    assert how[first.pid] == ("listener", "died")
    assert how[standby.pid] == ("listener", "stopped")
    assert sorted(how[w.pid] for w in workers) == [("worker", "stopped")] * 2
    store.close()

    # what an operator sees: every process of the last hour, its role, its last heartbeat
    shown = subprocess.run(
        [sys.executable, "-m", "happybot", "status", "--json", "--campaign", str(fleet.campaign)],
        cwd=tmp_path,
        env=fleet.env,
        capture_output=True,
        check=True,
    )
    status = json.loads(shown.stdout)["processes"]
    assert len(status) == 7  # two listeners; two workers and their three successors
    assert {p["state"] for p in status} == {"died", "stopped"}
    assert all(p["seconds_since_heartbeat"] >= 0 and p["version"] for p in status)
