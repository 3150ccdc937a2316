"""The whole flow, from a source to a dry-run reply and the audit."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from happybot.models import Finding, Mode, Trigger
from happybot.operate import review
from happybot.operate.breaker import CircuitBreaker
from happybot.operate.modes import set_mode
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import ScreenContext, load_screens
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.processes import processes, register, stop
from happybot.store.schema import (
    DeadLetterRow,
    FindingRow,
    GroundTruthRow,
    OutboxRow,
    PostRow,
    ProcessRow,
)
from happybot.testing import make_campaign, toy_campaign
from tests.conftest import Clock
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line, self_replies

CAMPAIGN = toy_campaign(publish_delay_seconds=0)
TAG = "#MakeItHappy"


def traffic(n: int = 12) -> list[str]:
    return [
        line(
            f"p{i}",
            f"{GRUMBLES[i]} {TAG}",
            handle=f"user{i}.example",
            expected="publish",
        )
        for i in range(n)
    ]


def pipeline(  # type: ignore[no-untyped-def]
    store: Store, platform: CrashingPlatform, campaign=CAMPAIGN, owner: str | None = None
) -> Pipeline:
    return Pipeline(
        campaign,
        store,
        platform,
        load_screens(campaign),
        batch_size=5,
        watch=CircuitBreaker(store, campaign),
        owner=owner,
    )


def states(store: Store) -> dict[str, str]:
    with store.transaction() as session:
        return dict(session.execute(select(PostRow.trigger_key, PostRow.state)).all())


def replies(folder: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_the_whole_flow_publishes_safe_posts_holds_the_rest_and_audits_it_all(
    store: Store, tmp_path: Path
) -> None:
    lines = [
        *traffic(3),
        line("bad", f"you are a sh!t person {TAG}", expected="hold"),
        line("slur-name", f"lovely weather {TAG}", handle="wh1te-p0wer.example", expected="hold"),
        line(
            "fresh",
            "",
            age_days=0,
            expected="hold",
            tags=["MakeItHappy"],
            reply_to={
                "id": "fresh-parent",
                "text": "a line of a forbidden book",
                "author": {"handle": "alex.example"},
            },
        ),
        line("no-tag", "just a post"),
    ]
    platform = CrashingPlatform(ListSource(lines), tmp_path / "out")
    p = pipeline(store, platform)
    stats = p.run()
    assert stats.received == 6 and stats.ignored == 1 and stats.published == 3
    got = states(store)
    assert [got[f"replay:p{i}"] for i in range(3)] == ["published"] * 3
    assert got["replay:bad"] == "review"
    # a slogan in a handle and nothing else: a person decides (a word list alone rejects
    # only a slur)
    assert got["replay:slur-name"] == "review"
    written = replies(tmp_path / "out")
    assert len(written) == 3
    assert all(r["to_handle"].startswith("user") for r in written)  # type: ignore[union-attr]
    assert all(str(r["text"]).endswith(TAG) for r in written)
    with store.transaction() as session:
        status = audit.verify(session, store.audit_key)
        kinds = session.execute(select(func.count()).select_from(GroundTruthRow)).scalar_one()
    assert status.ok and status.entries >= 6 + 6 + 3
    assert kinds == 6


def test_a_reply_draws_the_parents_words_and_answers_the_person_who_used_the_hashtag(
    store: Store, tmp_path: Path
) -> None:
    parent = {
        "id": "grump",
        "text": "worst commute of my life",
        "author": {"handle": "grumpy.example", "created_at": "2020-01-01T00:00:00Z"},
    }
    lines = [
        line("r1", f"cheer this up {TAG}", reply_to=parent),
        line("r2", f"this one too {TAG}", handle="sam.example", reply_to=parent),
    ]
    platform = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, platform).run()
    (reply,) = replies(tmp_path / "out")
    assert reply["to_handle"] == "alex.example" and reply["in_reply_to"] == "r1"
    assert "worst commute of my life" in str(reply["alt_text"])
    assert states(store)["replay:r2"] == "skipped"  # one reply per parent post


def test_a_malformed_line_goes_to_dead_letters_and_the_rest_flows(
    store: Store, tmp_path: Path
) -> None:
    lines = [*traffic(2), '{"id": "x", "text": 5}', *traffic(4)[2:]]
    platform = CrashingPlatform(ListSource(lines), tmp_path / "out")
    stats = pipeline(store, platform).run()
    assert stats.dead_letters == 1 and stats.published == 4
    with store.transaction() as session:
        (dead,) = session.execute(select(DeadLetterRow)).scalars().all()
    assert dead.position == "line 3" and dead.raw == '{"id": "x", "text": 5}'


def test_a_run_killed_while_reading_resumes_from_its_cursor_losing_and_repeating_nothing(
    store: Store, tmp_path: Path
) -> None:
    lines = traffic(12)
    with pytest.raises(KeyboardInterrupt):
        pipeline(store, CrashingPlatform(ListSource(lines, crash_after=7), tmp_path / "out")).run()
    assert 0 < len(states(store)) < 12
    platform = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, platform).run()
    assert list(states(store).values()) == ["published"] * 12
    assert len(replies(tmp_path / "out")) == 12


def test_a_run_killed_after_posting_but_before_recording_never_replies_twice(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    lines = traffic(6)
    first = CrashingPlatform(ListSource(lines), tmp_path / "out", crash_on=[2])
    with pytest.raises(KeyboardInterrupt):
        pipeline(store, first).run()
    assert first.writes == 2
    with store.transaction() as session:
        (in_doubt,) = (
            session.execute(
                select(PostRow.trigger_key)
                .join(OutboxRow, OutboxRow.post_id == PostRow.id)
                .where(OutboxRow.state == "sending")
            )
            .scalars()
            .all()
        )
    # before the lease runs out nobody touches the claimed reply; the others go out
    second = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, second).run()
    after = states(store)
    assert after.pop(in_doubt) == "queued" and set(after.values()) == {"published"}
    clock.advance(minutes=6)
    third = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, third).run()
    assert list(states(store).values()) == ["published"] * 6
    assert first.writes + second.writes + third.writes == 6  # the retry found the reply
    assert len(replies(tmp_path / "out")) == 6


def _dead_process(store: Store) -> str:
    """A process of this machine that has ended (its pid exists no more), as a `kill -9`
    leaves it: its row says nothing of its death."""
    ident = register(store, "run")
    gone = subprocess.Popen(["true"])
    gone.wait()
    with store.transaction() as session:
        row = session.get(ProcessRow, ident)
        assert row is not None
        row.pid = gone.pid
    return ident


def test_a_killed_runs_reply_in_doubt_is_taken_over_at_once_by_the_next_run(
    store: Store, tmp_path: Path
) -> None:
    lines = traffic(6)
    dead = _dead_process(store)
    first = CrashingPlatform(ListSource(lines), tmp_path / "out", crash_on=[2])
    killed = pipeline(store, first, owner=dead)
    with pytest.raises(KeyboardInterrupt):
        killed.run()
    # the next run starts at once: its registration finds the dead pid, and the reply in
    # doubt goes out (found on the platform by its key, not written twice), with no wait
    second = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, second, owner=register(store, "run")).run()
    assert list(states(store).values()) == ["published"] * 6
    assert first.writes + second.writes == 6 and len(replies(tmp_path / "out")) == 6
    assert {p.id: p.how for p in processes(store)}[dead] == "died"


def test_a_living_processs_claims_are_left_to_it(store: Store, tmp_path: Path) -> None:
    lines = traffic(4)
    alive = register(store, "worker")  # beaten now, by this very process
    first = CrashingPlatform(ListSource(lines), tmp_path / "out", crash_on=[1])
    with pytest.raises(KeyboardInterrupt):
        pipeline(store, first, owner=alive).run()
    second = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, second, owner=register(store, "worker")).run()
    assert sorted(states(store).values()) == ["published"] * 3 + ["queued"]
    stop(store, alive)  # it says it stopped: what it held is free at once
    third = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline(store, third, owner=register(store, "worker")).run()
    assert list(states(store).values()) == ["published"] * 4
    assert first.writes + second.writes + third.writes == 4


def test_pausing_stops_every_reply_not_yet_sent(store: Store, tmp_path: Path) -> None:
    platform = CrashingPlatform(ListSource(traffic(4)), tmp_path / "out")
    p = pipeline(store, platform)
    p.ensure_mode()
    p.ingest(list(platform.listen(None)))
    p.process()
    assert set(states(store).values()) == {"queued"}
    set_mode(store, Mode.PAUSED, "alice", "checking something")
    assert p.publisher.run() == 0 and platform.writes == 0
    set_mode(store, Mode.AUTOPILOT, "alice", "all clear")
    assert p.publisher.run() == 4


def test_in_copilot_everything_waits_for_a_person_and_autopilot_releases_it(
    store: Store, tmp_path: Path
) -> None:
    platform = CrashingPlatform(ListSource(traffic(3)), tmp_path / "out")
    p = pipeline(store, platform, toy_campaign(mode="copilot", publish_delay_seconds=0))
    assert p.run().published == 0 and set(states(store).values()) == {"queued"}
    assert len(review.queue(store)) == 3  # people see them in the queue
    set_mode(store, Mode.AUTOPILOT, "alice", "incident closed")
    p.drain()
    assert set(states(store).values()) == {"published"}


def test_an_already_queued_reply_waits_when_the_mode_drops_to_copilot(
    store: Store, tmp_path: Path
) -> None:
    platform = CrashingPlatform(ListSource(traffic(2)), tmp_path / "out")
    p = pipeline(store, platform)
    p.ensure_mode()
    p.ingest(list(platform.listen(None)))
    p.process()
    set_mode(store, Mode.COPILOT, "breaker", "too many flagged posts", tighten_only=True)
    assert p.publisher.run() == 0


def test_screens_never_see_ground_truth(store: Store, tmp_path: Path) -> None:
    seen: list[Trigger] = []

    class Spy:
        name = "spy"

        def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
            seen.extend(batch)
            return [[] for _ in batch]

    platform = CrashingPlatform(ListSource(traffic(2)), tmp_path / "out")
    Pipeline(CAMPAIGN, store, platform, [Spy()]).run()
    assert len(seen) == 2
    assert all("expected" not in t.to_json() and not hasattr(t, "expected") for t in seen)


def test_a_post_that_breaks_a_stage_waits_for_review_and_the_stream_goes_on(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import happybot.pipeline.runner as runner

    real = runner.judge

    def flaky(trigger, *args):  # type: ignore[no-untyped-def]
        if trigger.post.id == "p1":
            raise ValueError("a bug")
        return real(trigger, *args)

    monkeypatch.setattr(runner, "judge", flaky)
    stats = pipeline(store, CrashingPlatform(ListSource(traffic(3)), tmp_path / "out")).run()
    assert stats.published == 2
    assert states(store)["replay:p1"] == "review"


def test_only_the_campaign_tag_itself_triggers() -> None:
    from happybot.pipeline.runner import carries_hashtag
    from happybot.testing import make_trigger

    assert carries_hashtag(make_trigger("late again #makeithappy!", tags=()), "makeithappy")
    assert not carries_hashtag(make_trigger("#MakeItHappyToo", tags=()), "makeithappy")
    assert carries_hashtag(make_trigger("no tag in text", tags=("makeithappy",)), "makeithappy")


def test_the_audit_chain_holds_no_words_of_a_post(store: Store, tmp_path: Path) -> None:
    from happybot.store.schema import AuditRow

    lines = [line("w", f"zebracrossing sh!t {TAG}"), line("x", "{not json zebracrossing")]
    pipeline(store, CrashingPlatform(ListSource(lines), tmp_path / "out")).run()
    with store.transaction() as session:
        payloads = " ".join(session.execute(select(AuditRow.payload)).scalars())
    assert "profanity" in payloads  # what was found is there ...
    assert "zebracrossing" not in payloads and "sh!t" not in payloads  # ... but not the words


def test_the_publish_delay_lets_a_coordinated_group_hold_back_its_first_posts(
    store: Store, tmp_path: Path, clock: Clock
) -> None:
    campaign = toy_campaign(publish_delay_seconds=120, breaker={"enabled": False})
    group = [
        # no listed word: only the timing and the sameness give the group away
        line(f"g{i}", f"everyone post this until they listen {TAG}", handle=f"g{i}.example")
        for i in range(3)
    ]
    platform = CrashingPlatform(ListSource([*traffic(1), *group]), tmp_path / "out")
    p = Pipeline(
        campaign,
        store,
        platform,
        load_screens(campaign),
        batch_size=1,
        sleep=lambda s: clock.advance(seconds=s),
    )
    stats = p.run()
    got = states(store)
    # the third post reveals the group; the first two were still in the publish delay
    assert [got[f"replay:g{i}"] for i in range(3)] == ["review"] * 3
    assert got["replay:p0"] == "published" and stats.published == 1
    assert clock.now >= datetime(2026, 11, 1, 12, 2, tzinfo=UTC)  # it waited out the delay
    # the reviewer sees why a post that passed every screen waits for them
    with store.transaction() as session:
        first = session.execute(
            select(PostRow.id).where(PostRow.trigger_key == "replay:g0")
        ).scalar_one()
        labels = session.execute(select(FindingRow.label).where(FindingRow.post_id == first))
        assert "coordination" in labels.scalars().all()
        state = session.execute(select(PostRow.state).where(PostRow.id == first)).scalar_one()
    assert state == "review"
    assert "@g2.example" in review.get_item(store, first).reasons[0]


def _webhook(monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], Callable[[], None]]:
    """A real local HTTP server taking the Slack-style alerts; returns them and a stopper."""
    import http.server
    import threading

    received: list[dict[str, Any]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HAPPYBOT_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    return received, server.shutdown


def test_one_account_rejected_over_and_over_opens_an_incident_and_alerts_but_the_campaign_goes_on(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from happybot.operate.incidents import open_incidents
    from happybot.operate.modes import current_mode

    received, stop = _webhook(monkeypatch)
    campaign = make_campaign(publish_delay_seconds=0, breaker={"author_rejects": 3})
    platform = CrashingPlatform(
        ListSource([*self_replies("troll.example", 4), *traffic(2)]), tmp_path / "out"
    )
    pipeline(store, platform, campaign).run()
    stop()
    (incident,) = open_incidents(store)
    assert incident.kind == "author-rejects" and "troll.example" in incident.summary
    assert len(received) == 1 and "goes on" in str(received[0]["text"])
    assert received[0]["incident"]["copilot"] is False
    # the screens held the troll; everyone else still gets their happy reply
    assert current_mode(store) is Mode.AUTOPILOT and platform.writes == 2


def test_the_circuit_breaker_drops_to_copilot_opens_an_incident_and_alerts(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from happybot.operate.incidents import open_incidents
    from happybot.operate.modes import current_mode

    received, stop = _webhook(monkeypatch)
    campaign = make_campaign(publish_delay_seconds=0, breaker={"author_rejects": 3})
    # the attacker switches to a second fresh account: more than the screens should carry alone
    attack = [*self_replies("troll.example", 3), *self_replies("troll2.example", 3)]
    platform = CrashingPlatform(ListSource([*attack, *traffic(2)]), tmp_path / "out")
    pipeline(store, platform, campaign).run()
    stop()
    assert current_mode(store) is Mode.COPILOT
    kinds = {i.kind: i for i in open_incidents(store)}
    assert set(kinds) == {"author-rejects", "rejected-authors"}
    assert "troll2.example" in kinds["rejected-authors"].summary
    copilot = [r for r in received if r["incident"]["kind"] == "rejected-authors"]
    assert len(received) == 2 and len(copilot) == 1 and "copilot" in str(copilot[0]["text"])
    assert platform.writes == 0  # the ordinary posts after it wait for people
    with store.transaction() as session:
        assert audit.verify(session, store.audit_key).ok


def test_a_post_the_picture_cannot_draw_is_never_published_and_says_why(
    store: Store, tmp_path: Path
) -> None:
    lines = [*traffic(2), line("cjk", f"東京の電車がまた遅れている {TAG}", expected="publish")]
    stats = pipeline(store, CrashingPlatform(ListSource(lines), tmp_path / "out")).run()
    # a drawing failure fails closed to a person (as the README promises), never to a
    # rejection unseen: the post waits with the reason, and has no picture to approve
    assert stats.published == 2 and states(store)["replay:cjk"] == "review"
    with store.transaction() as session:
        why = session.execute(select(FindingRow.why).where(FindingRow.label == "render-error"))
        assert "cannot draw '" in why.scalar_one()


def test_a_stored_post_that_no_longer_reads_waits_for_review_and_stops_nothing(
    store: Store, tmp_path: Path
) -> None:
    lines = traffic(3)
    platform = CrashingPlatform(ListSource(lines), tmp_path / "out")
    p = pipeline(store, platform)
    p.ensure_mode()
    p.ingest(list(platform.listen(None)))
    with store.transaction() as session:
        row = session.execute(select(PostRow).order_by(PostRow.id)).scalars().first()
        assert row is not None
        row.trigger_json = "{not json"
    assert p.process() == 2  # the other two are judged
    assert sorted(states(store).values()) == ["queued", "queued", "review"]
