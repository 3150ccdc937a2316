"""What a hostile or empty post can do to a run: nothing blank, nothing reversed, nothing lost,
and any failure while judging one post sends it to a person, never to a rejection unseen."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from happybot.errors import ReviewError
from happybot.models import Trigger
from happybot.operate import review
from happybot.pipeline import judge as judge_module
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import ArtworkRow, DeadLetterRow, FindingRow, PostRow
from happybot.testing import toy_campaign
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line

TAG = "#MakeItHappy"
CAMPAIGN = toy_campaign(publish_delay_seconds=0)


def run(store: Store, lines: list[str], out: Path, campaign=CAMPAIGN) -> CrashingPlatform:  # type: ignore[no-untyped-def]
    platform = CrashingPlatform(ListSource(lines), out)
    pipeline = Pipeline(campaign, store, platform, load_screens(campaign), batch_size=8)
    pipeline.run()
    pipeline.close()
    return platform


def states(store: Store) -> dict[str, str]:
    with store.transaction() as session:
        return dict(session.execute(select(PostRow.trigger_key, PostRow.state)).all())


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "😀😀🎉", "\u200b\u200d\u202e\u202c", "🙂 \u2066 🙂"]
)
def test_a_post_with_nothing_to_draw_gets_no_picture_and_no_reply(
    store: Store, tmp_path: Path, text: str
) -> None:
    lines = [line("empty", f"{text} {TAG}"), line("fine", f"{GRUMBLES[0]} {TAG}")]
    platform = run(store, lines, tmp_path / "out")
    assert states(store) == {"replay:empty": "skipped", "replay:fine": "published"}
    assert platform.writes == 1
    with store.transaction() as session:
        post_id = queries.post_id_of(session, "replay:empty")
        assert session.get(ArtworkRow, post_id) is None


def test_a_right_to_left_override_hides_no_word_and_reaches_no_alt_text(
    store: Store, tmp_path: Path
) -> None:
    lines = [
        line("rlo", f"so \u202ekcuf\u202c today {TAG}"),
        line("shown", f"so \u202ekool\u202c today {TAG}"),  # harmless once reversed
    ]
    run(store, lines, tmp_path / "out")
    got = states(store)
    assert got["replay:rlo"] in ("review", "rejected") and got["replay:shown"] == "published"
    with store.transaction() as session:
        labels = session.execute(select(FindingRow.label, FindingRow.why)).all()
        alt = session.execute(select(ArtworkRow.alt_text)).scalars().all()
    assert any("fuck" in why for _, why in labels)
    assert alt and all("\u202e" not in a and "\u202c" not in a for a in alt)


def test_a_renderer_that_fails_sends_the_post_to_review_not_rejection(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(trigger: Trigger, campaign: object, lexicon: object, bot: object = None) -> object:
        raise ZeroDivisionError("a bug in the drawing")

    monkeypatch.setattr(judge_module, "render_screened", broken)
    run(store, [line("p", f"{GRUMBLES[1]} {TAG}")], tmp_path / "out")
    assert states(store) == {"replay:p": "review"}
    with store.transaction() as session:
        why = session.execute(select(FindingRow.why).where(FindingRow.label == "render-error"))
        assert "ZeroDivisionError" in why.scalar_one()


def test_a_handle_the_normaliser_once_crashed_on_is_judged_not_rejected_unseen(
    store: Store, tmp_path: Path
) -> None:
    run(store, [line("ae", f"{GRUMBLES[2]} {TAG}", handle="\u04d5\u04d4.example")], tmp_path)
    assert states(store)["replay:ae"] != "rejected"


def test_a_post_that_breaks_ingest_is_a_dead_letter_and_the_run_goes_on(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Trigger.storable

    def storable(self: Trigger) -> Trigger:
        if self.post.id == "poison":
            raise RuntimeError("a bug no test foresaw")
        return real(self)

    monkeypatch.setattr(Trigger, "storable", storable)
    # one chunk: taken in together first, then (the poison rolls that back) one by one
    lines = [
        line("before", f"{GRUMBLES[2]} {TAG}"),
        line("poison", f"x {TAG}"),
        line("after", f"{GRUMBLES[3]} {TAG}"),
    ]
    platform = CrashingPlatform(ListSource(lines), tmp_path / "out")
    pipeline = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN), batch_size=8)
    stats = pipeline.run()
    pipeline.close()
    assert states(store) == {"replay:before": "published", "replay:after": "published"}
    assert (stats.received, stats.dead_letters) == (2, 1)  # counted once, not per attempt
    with store.transaction() as session:
        (dead,) = session.execute(select(DeadLetterRow)).scalars()
    assert "RuntimeError: a bug no test foresaw" in dead.error
    assert json.loads(dead.raw)["post"]["id"] == "poison"


def test_a_dead_letter_keeps_a_bounded_prefix_and_the_whole_lines_hash(
    store: Store, tmp_path: Path
) -> None:
    huge = '{"id": "' + "x" * 1_000_000 + " not json"
    run(store, [huge, line("ok", f"{GRUMBLES[4]} {TAG}")], tmp_path / "out")
    with store.transaction() as session:
        (dead,) = session.execute(select(DeadLetterRow)).scalars()
    assert len(dead.raw) == queries.DEAD_LETTER_PREFIX and huge.startswith(dead.raw)
    assert dead.raw_length == len(huge)
    assert dead.raw_sha256 == hashlib.sha256(huge.encode()).hexdigest()


def test_a_second_reply_to_one_parent_cannot_be_approved(store: Store, tmp_path: Path) -> None:
    parent = {"id": "grumpy", "text": GRUMBLES[5], "author": {"handle": "grump.example"}}
    campaign = CAMPAIGN
    # two fresh accounts: both held for a person, both drawn from the same parent
    lines = [
        line("first", TAG, handle="ann.example", age_days=0, reply_to=parent),
        line("second", TAG, handle="bob.example", age_days=0, reply_to=parent),
    ]
    run(store, lines, tmp_path / "out", campaign)
    assert states(store) == {"replay:first": "review", "replay:second": "review"}
    with store.transaction() as session:
        first = queries.post_id_of(session, "replay:first")
        second = queries.post_id_of(session, "replay:second")
        sha = {
            pid: session.get(ArtworkRow, pid).sha256  # type: ignore[union-attr]
            for pid in (first, second)
        }
    assert first is not None and second is not None
    review.approve(store, campaign, post_id=first, reviewer="rita", picture_sha256=sha[first])
    with pytest.raises(ReviewError, match="already has a reply to the same parent"):
        review.approve(store, campaign, post_id=second, reviewer="rita", picture_sha256=sha[second])


def test_an_id_past_64_bits_is_no_post(store: Store) -> None:
    with pytest.raises(ReviewError, match="there is no post"):
        review.get_item(store, 10**30)
