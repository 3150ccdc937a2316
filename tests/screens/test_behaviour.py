from __future__ import annotations

from datetime import timedelta

from happybot.history import MemoryHistory, RecentPost
from happybot.models import Decision
from happybot.pipeline.decide import decide
from happybot.screens.base import ScreenContext
from happybot.screens.behaviour import BehaviourScreen
from happybot.testing import NOW, make_author, make_campaign, make_post, make_trigger
from happybot.text.similarity import similarity

CAMPAIGN = make_campaign()
SCREEN = BehaviourScreen(CAMPAIGN)


def run(trigger, history=None):  # type: ignore[no-untyped-def]
    ctx = ScreenContext(now=NOW, deadline=NOW, history=history or MemoryHistory())
    findings = SCREEN.check([trigger], ctx)[0]
    return {f.label for f in findings}, decide(findings, CAMPAIGN.policy()).decision


def test_an_established_account_posting_normally_is_fine() -> None:
    assert run(make_trigger()) == (set(), Decision.PUBLISH)


def test_new_and_unknown_accounts_go_to_review() -> None:
    assert run(make_trigger(author=make_author(age_days=0.5)))[1] is Decision.REVIEW
    labels, decision = run(make_trigger(author=make_author(age_days=None)))
    assert "account-age-unknown" in labels and decision is Decision.REVIEW


def test_the_historical_hijack_a_fresh_account_replying_to_itself_is_rejected() -> None:
    author = make_author("fresh.example", age_days=0.01, posts=0)
    parent = make_post("a line of a forbidden book", author=author, tags=())
    labels, decision = run(make_trigger("#MakeItHappy", parent=parent, author=author))
    assert "self-reply-new-account" in labels
    assert decision is Decision.REJECT


def test_replying_for_someone_else_is_normal() -> None:
    parent = make_post("my bus is late", author=make_author("other.example"), tags=())
    assert run(make_trigger("#MakeItHappy cheer up", parent=parent))[1] is Decision.PUBLISH


def _history(*posts: tuple[str, str, str], minutes_ago: float = 5) -> MemoryHistory:
    history = MemoryHistory()
    for key, author, text in posts:
        history.add(RecentPost(key, author, text, NOW - timedelta(minutes=minutes_ago)))
    return history


def test_an_author_posting_too_often_goes_to_review() -> None:
    history = _history(*[(f"k{i}", "alex.example", f"post {i}") for i in range(4)])
    labels, decision = run(make_trigger(), history)
    assert "author-rate" in labels and decision is Decision.REVIEW


def test_near_duplicates_from_several_accounts_are_a_coordinated_group() -> None:
    group = (
        ("k1", "a.example", "send them all back to where they came from! #makeithappy"),
        ("k2", "b.example", "send them back where they came from, all of them #makeithappy"),
    )
    trigger = make_trigger("Send them ALL back where they came from #MakeItHappy")
    labels, decision = run(trigger, _history(*group, minutes_ago=1))
    assert "coordination" in labels and decision is Decision.REVIEW
    # people who are not coordinated say the same thing within the hour, not within minutes
    assert "coordination" not in run(trigger, _history(*group, minutes_ago=20))[0]
    # the same words from the same account twice is not a group
    single = _history(
        ("k1", "alex.example", "send them all back where they came from"), minutes_ago=1
    )
    assert (
        "coordination"
        not in run(make_trigger("Send them all back where they came from"), single)[0]
    )


def test_the_campaign_hashtag_does_not_make_posts_alike() -> None:
    history = _history(
        ("k1", "a.example", "my train is late #makeithappy"),
        ("k2", "b.example", "exam tomorrow #makeithappy"),
        minutes_ago=1,
    )
    assert "coordination" not in run(make_trigger("the rain again #MakeItHappy"), history)[0]
    assert similarity("my train is late #makeithappy", "the rain #makeithappy") == 0.0
    moved = "send them back where they came from, all of them"
    assert similarity("send them all back where they came from", moved) >= 0.6
    assert similarity("my train was late", "my bus was late") < 0.6
    assert similarity("boycott #makeithappy", "boycott") == 1.0


def test_an_author_with_rejected_posts_is_rejected() -> None:
    history = MemoryHistory()
    for _ in range(3):
        history.reject("alex.example")
    labels, decision = run(make_trigger(), history)
    assert "author-rejected-before" in labels and decision is Decision.REJECT


def test_a_reply_whose_parent_is_missing_is_not_mistaken_for_a_plain_post() -> None:
    post = make_post("#MakeItHappy", reply_to_id="gone")
    from happybot.models import Trigger

    labels, decision = run(Trigger("test", post, None))
    assert "parent-unavailable" in labels and decision is Decision.REVIEW


def test_a_burst_of_posts_to_the_campaign_goes_to_review() -> None:
    busy = _history(*[(f"k{i}", f"user{i}.example", f"post number {i}") for i in range(40)])
    labels, decision = run(make_trigger(), busy)
    assert "campaign-burst" in labels and decision is Decision.REVIEW
    calm = _history(*[(f"k{i}", f"user{i}.example", f"post number {i}") for i in range(10)])
    assert "campaign-burst" not in run(make_trigger(), calm)[0]
