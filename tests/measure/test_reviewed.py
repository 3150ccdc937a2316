"""The classifier's thresholds against the people's verdicts (`happybot model calibrate
--reviewed`): which posts count, how they are scored, what is suggested."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from happybot.measure import reviewed
from happybot.measure.reviewed import Reviewed
from happybot.operate import review
from happybot.operate.retract import Selection, retract
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store.db import Store
from happybot.testing import make_campaign, toy_campaign
from tests.pipeline.helpers import CrashingPlatform, ListSource, line

TAG = "#MakeItHappy"


def test_each_post_counts_by_its_last_verdict_and_a_retracted_reply_as_harmful(
    store: Store, tmp_path: Path
) -> None:
    # copilot: every reply waits for a person
    campaign = toy_campaign(mode="copilot", publish_delay_seconds=0)
    texts = ["my bus never came", "rain on my day off", "the printer ate my essay", "cake day"]
    lines = [line(str(i), f"{t} {TAG}", handle=f"u{i}.example") for i, t in enumerate(texts)]
    platform = CrashingPlatform(ListSource(lines), tmp_path)
    Pipeline(campaign, store, platform, load_screens(campaign)).run()
    items = {item.trigger.post.text.split(" #")[0]: item for item in review.queue(store)}
    assert len(items) == 4

    def approve(text: str) -> None:
        item = items[text]
        assert item.picture_sha256
        review.approve(
            store, campaign, post_id=item.post_id, reviewer="rita",
            picture_sha256=item.picture_sha256,
        )  # fmt: skip

    approve("my bus never came")
    approve("rain on my day off")
    review.reject(store, post_id=items["the printer ate my essay"].post_id, reviewer="rita")
    Pipeline(campaign, store, platform, []).publisher.run()
    retract(
        store,
        platform,
        Selection(post_ids=[items["rain on my day off"].post_id]),
        actor="rita",
        reason="a slur we missed",
    )
    posts = reviewed.verdicts(store)
    got = {p.post_id: (p.harmful, p.how) for p in posts}
    assert got == {
        items["my bus never came"].post_id: (False, "approved"),
        items["rain on my day off"].post_id: (True, "retracted"),
        items["the printer ate my essay"].post_id: (True, "rejected"),
    }  # "cake day" is still waiting: no verdict
    # copilot: the gate passed each of them, a person decided: lower thresholds can be judged
    assert not any(p.gate_held for p in posts) and not reviewed.only_held_seen(posts)


def test_posts_are_scored_as_the_gate_reads_them(store: Store, tmp_path: Path) -> None:
    campaign = make_campaign(mode="copilot", publish_delay_seconds=0)
    lines = [
        line("1", f"I hope you all have a lovely weekend {TAG}"),
        line("2", f"Immigrants are vermin and should be thrown out {TAG}"),
    ]
    Pipeline(
        campaign, store, CrashingPlatform(ListSource(lines), tmp_path), load_screens(campaign)
    ).run()
    posts = [Reviewed(i, False, "approved") for i in (1, 2)]
    kind, hateful = reviewed.scores(store, campaign, posts)
    assert kind["hate"] < 0.2 < 0.8 < hateful["hate"]
    assert set(kind) >= {"hate", "insult", "threat", "sexual", "self-harm"}


def _posts(harmful: int, harmless: int) -> list[Reviewed]:
    return [Reviewed(i, i < harmful, "x") for i in range(harmful + harmless)]


def test_hate_thresholds_are_suggested_from_enough_verdicts() -> None:
    rng = random.Random(5)
    posts = _posts(100, 300)
    # harmful posts score high, harmless low, with an overlap
    scored = [
        {"hate": rng.uniform(0.3, 1.0) if p.harmful else rng.uniform(0.0, 0.5)} for p in posts
    ]
    (check,) = reviewed.check(make_campaign(), posts, scored)
    assert (check.harmful, check.harmless) == (100, 300)
    assert check.suggested_review is not None and check.suggested_reject is not None
    bad = [s["hate"] for s, p in zip(scored, posts, strict=True) if p.harmful]
    # the review threshold holds 95% of what people rejected, and no higher threshold would
    assert sum(v >= check.suggested_review for v in bad) >= 95
    assert sum(v >= check.suggested_review + 0.01 for v in bad) < 95
    # over the reject threshold, harmless posts are at most 5%
    over = [
        p.harmful for s, p in zip(scored, posts, strict=True) if s["hate"] >= check.suggested_reject
    ]
    assert len(over) >= reviewed.MIN_OVER_REJECT and sum(over) / len(over) >= 0.95
    # and it is the lowest such threshold over the review threshold
    for step in range(round(check.suggested_review * 1000), round(check.suggested_reject * 1000)):
        lower = [p.harmful for s, p in zip(scored, posts, strict=True) if s["hate"] >= step / 1000]
        assert sum(lower) / len(lower) < 0.95
    assert check.auc is not None and 0.8 < check.auc < 1.0


def test_too_few_verdicts_suggest_nothing_and_other_labels_are_only_checked() -> None:
    posts = _posts(reviewed.MIN_VERDICTS - 1, 100)
    scored = [{"hate": 0.9 if p.harmful else 0.1, "insult": 0.5} for p in posts]
    checks = {c.label: c for c in reviewed.check(make_campaign(), posts, scored)}
    assert checks["hate"].suggested_review is None and checks["hate"].auc == 1.0
    assert checks["hate"].harmful_held == 1.0 and checks["hate"].harmless_held == 0.0
    assert checks["insult"].suggested_review is None and checks["insult"].auc == 0.5


def test_a_reject_threshold_needs_nearly_all_posts_over_it_harmful() -> None:
    # harmful and harmless posts score alike: nothing may be rejected unseen
    posts = _posts(50, 50)
    scored = [{"hate": (i % 50) / 50} for i in range(100)]
    (check,) = reviewed.check(make_campaign(), posts, scored)
    assert check.suggested_reject == 1.0
    assert check.auc == pytest.approx(0.5)
