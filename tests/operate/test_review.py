"""Review, modes and retraction: the functions the CLI and the dashboard share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from happybot.errors import ReviewError
from happybot.models import Mode
from happybot.operate import review
from happybot.operate.modes import current_mode, set_mode
from happybot.operate.retract import Selection, retract
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store import audit
from happybot.store.db import Store
from happybot.testing import toy_campaign
from tests.pipeline.helpers import CrashingPlatform, ListSource, line

CAMPAIGN = toy_campaign(words={"deny": ["rival cola"], "allow": []}, publish_delay_seconds=0)
TAG = "#MakeItHappy"


def run(store: Store, lines: list[str], out: Path, campaign=CAMPAIGN) -> CrashingPlatform:  # type: ignore[no-untyped-def]
    platform = CrashingPlatform(ListSource(lines), out)
    Pipeline(campaign, store, platform, load_screens(campaign)).run()
    return platform


def test_a_held_post_is_approved_for_exactly_the_picture_the_reviewer_saw(
    store: Store, tmp_path: Path
) -> None:
    platform = run(store, [line("1", f"what a sh!tty day {TAG}")], tmp_path)
    (item,) = review.queue(store)
    assert item.reasons and item.findings and item.picture_sha256
    assert any(f.label == "profanity" and f.span for f in item.findings)
    with pytest.raises(ReviewError, match="not 'deadbeefdead'"):
        review.approve(
            store, CAMPAIGN, post_id=item.post_id, reviewer="rita", picture_sha256="deadbeefdead"
        )
    review.approve(
        store,
        CAMPAIGN,
        post_id=item.post_id,
        reviewer="rita",
        picture_sha256=item.picture_sha256[:16],
        reason="harmless swearing",
    )
    assert review.queue(store) == []
    Pipeline(CAMPAIGN, store, platform, []).publisher.run()
    (written,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert written["picture_sha256"] == item.picture_sha256
    with pytest.raises(ReviewError, match="not waiting for review"):
        review.reject(store, post_id=item.post_id, reviewer="rita")


def test_a_rejected_post_is_never_published(store: Store, tmp_path: Path) -> None:
    platform = run(store, [line("1", f"what a sh!tty day {TAG}")], tmp_path)
    (item,) = review.queue(store)
    review.reject(store, post_id=item.post_id, reviewer="rita", reason="not for us")
    assert Pipeline(CAMPAIGN, store, platform, []).publisher.run() == 0
    assert review.queue(store) == []


def test_the_output_screen_holds_a_reply_even_after_a_person_approves(
    store: Store, tmp_path: Path
) -> None:
    # the words pass the input screens of the campaign that drew them ...
    run(
        store,
        [line("1", f"rival cola is fine {TAG}")],
        tmp_path,
        toy_campaign(mode="copilot", publish_delay_seconds=0),
    )
    (item,) = review.queue(store)
    # ... but the campaign now denies them: the approval is refused and audited
    with pytest.raises(ReviewError, match="output screen still holds"):
        review.approve(
            store,
            CAMPAIGN,
            post_id=item.post_id,
            reviewer="rita",
            picture_sha256=item.picture_sha256 or "",
        )
    assert len(review.queue(store)) == 1
    with store.transaction() as session:
        assert audit.entries(session, limit=1)[0].kind == "approval-held"


def test_in_copilot_queued_replies_show_in_the_queue_and_wait_for_approval(
    store: Store, tmp_path: Path
) -> None:
    platform = CrashingPlatform(ListSource([line("1", f"late train {TAG}")]), tmp_path)
    p = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN))
    p.ensure_mode()
    p.ingest(list(platform.listen(None)))
    p.process()  # queued in autopilot, not yet sent
    assert review.queue(store) == []
    set_mode(store, Mode.COPILOT, "alice")
    (item,) = review.queue(store)
    assert p.publisher.run() == 0
    review.approve(
        store,
        CAMPAIGN,
        post_id=item.post_id,
        reviewer="rita",
        picture_sha256=item.picture_sha256 or "",
    )
    assert p.publisher.run() == 1


def test_mode_changes_are_audited_and_the_breaker_can_only_tighten(store: Store) -> None:
    assert current_mode(store) is None
    set_mode(store, Mode.COPILOT, "alice", "launch day")
    assert set_mode(store, Mode.AUTOPILOT, "breaker", tighten_only=True) is Mode.COPILOT
    assert current_mode(store) is Mode.COPILOT
    set_mode(store, Mode.PAUSED, "breaker", tighten_only=True)
    assert current_mode(store) is Mode.PAUSED
    with store.transaction() as session:
        status = audit.verify(session, store.audit_key)
    assert status.ok and status.entries == 2


def test_retract_removes_the_selected_replies_and_records_it(store: Store, tmp_path: Path) -> None:
    texts = ["my bus never came", "rain on my day off", "the printer ate my essay"]
    lines = [line(str(i), f"{t} {TAG}", handle=f"u{i}.example") for i, t in enumerate(texts)]
    platform = run(store, lines, tmp_path)
    result = retract(store, platform, Selection(author="@u1.example"), actor="alice", reason="oops")
    assert len(result.retracted) == 1 and not result.failed
    records = {
        json.loads(p.read_text())["to_handle"]: json.loads(p.read_text())
        for p in tmp_path.glob("*.json")
    }
    assert "retracted_at" in records["u1.example"] and "retracted_at" not in records["u0.example"]
    # retracting again finds nothing left to retract
    assert (
        retract(store, platform, Selection(author="u1.example"), actor="a", reason="").retracted
        == []
    )
    everything = retract(
        store,
        platform,
        Selection(since=store.clock().replace(year=2000)),
        actor="alice",
        reason="campaign over",
    )
    assert len(everything.retracted) == 2


def test_two_reviewers_never_decide_the_same_post(store: Store, tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    run(store, [line("1", f"what a sh!tty day {TAG}")], tmp_path)
    (item,) = review.queue(store)
    review.claim(store, post_id=item.post_id, reviewer="rita")
    assert review.queue(store)[0].claimed_by == "rita"
    with pytest.raises(ReviewError, match="being decided by rita"):
        review.reject(store, post_id=item.post_id, reviewer="sam")
    with pytest.raises(ReviewError, match="being decided by rita"):
        review.claim(store, post_id=item.post_id, reviewer="sam")
    clock.advance(minutes=review.CLAIM_MINUTES + 1)  # rita's lease ran out
    assert review.queue(store)[0].claimed_by is None
    review.claim(store, post_id=item.post_id, reviewer="sam")
    review.reject(store, post_id=item.post_id, reviewer="sam", reason="not for us")
    assert review.queue(store) == []


def test_a_released_claim_lets_another_reviewer_decide(store: Store, tmp_path: Path) -> None:
    run(store, [line("1", f"what a sh!tty day {TAG}")], tmp_path)
    (item,) = review.queue(store)
    review.claim(store, post_id=item.post_id, reviewer="rita")
    review.release(store, post_id=item.post_id, reviewer="rita")
    review.reject(store, post_id=item.post_id, reviewer="sam")


def test_an_escalated_post_stays_waiting_and_says_who_sent_it_up(
    store: Store, tmp_path: Path
) -> None:
    run(store, [line("1", f"what a sh!tty day {TAG}")], tmp_path)
    (item,) = review.queue(store)
    with pytest.raises(ReviewError, match="say why"):
        review.escalate(store, post_id=item.post_id, reviewer="rita", reason=" ")
    review.escalate(store, post_id=item.post_id, reviewer="rita", reason="is this a dog whistle?")
    (waiting,) = review.queue(store)
    assert waiting.escalated_by == "rita" and waiting.claimed_by is None
    with store.transaction() as session:
        assert audit.entries(session, limit=1)[0].kind == "escalated"


def test_an_approval_must_name_enough_of_the_pictures_hash(store: Store, tmp_path: Path) -> None:
    run(store, [line("1", f"what a sh!tty day {TAG}")], tmp_path)
    (item,) = review.queue(store)
    assert item.picture_sha256
    with pytest.raises(ReviewError, match="look at the current picture"):
        review.approve(
            store,
            CAMPAIGN,
            post_id=item.post_id,
            reviewer="rita",
            picture_sha256=item.picture_sha256[:3],
        )
