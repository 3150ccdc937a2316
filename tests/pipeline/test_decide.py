from __future__ import annotations

from happybot.config import Limits, Policy
from happybot.models import Decision, Finding, Target
from happybot.pipeline.decide import decide
from happybot.pipeline.screen import SCREEN_ERROR
from happybot.testing import make_campaign

POLICY = Policy({"lexicon": Limits(review=0.3, reject=0.8)}, default=Limits(0.5, 0.9))


def f(screen: str, risk: float, label: str = "x", span: tuple[int, int] | None = (0, 3)) -> Finding:
    return Finding(screen, label, risk, Target.POST, span, "because")


def test_no_findings_publish_with_a_reason() -> None:
    verdict = decide([], POLICY)
    assert verdict.decision is Decision.PUBLISH
    assert verdict.reasons and not verdict.held


def test_each_screen_has_its_own_thresholds() -> None:
    assert decide([f("lexicon", 0.4)], POLICY).decision is Decision.REVIEW
    assert decide([f("behaviour", 0.4)], POLICY).decision is Decision.PUBLISH  # default 0.5
    assert decide([f("lexicon", 0.8)], POLICY).decision is Decision.REJECT
    assert decide([f("other", 0.85)], POLICY).decision is Decision.REVIEW


def test_the_gravest_finding_decides_and_every_counted_finding_is_a_reason() -> None:
    verdict = decide(
        [f("lexicon", 0.4, "profanity"), f("lexicon", 0.95, "slur"), f("x", 0.1)], POLICY
    )
    assert verdict.decision is Decision.REJECT
    assert len(verdict.reasons) == 2
    assert "lexicon/slur" in verdict.reasons[0] and "post[0:3]" in verdict.reasons[0]


def test_a_screen_that_could_not_check_holds_for_review_whatever_its_risk() -> None:
    verdict = decide([Finding("classifier", SCREEN_ERROR, 0.0, Target.POST, None, "boom")], POLICY)
    assert verdict.decision is Decision.REVIEW


def test_policy_comes_from_the_campaign_thresholds() -> None:
    campaign = make_campaign(
        thresholds={
            "default": {"review": 0.2, "reject": 0.4},
            "lexicon": {"review": 0.6, "reject": 0.7},
        }
    )
    policy = campaign.policy()
    assert policy.limits("lexicon") == Limits(0.6, 0.7)
    assert policy.limits("anything") == Limits(0.2, 0.4)


def test_a_label_can_have_its_own_thresholds() -> None:
    policy = Policy({"lexicon": Limits(0.3, 0.5), "lexicon/grief": Limits(0.3, 1.0)})
    assert decide([f("lexicon", 0.7, "grief")], policy).decision is Decision.REVIEW
    assert decide([f("lexicon", 0.7, "slur")], policy).decision is Decision.REJECT


def test_sensitive_topics_reach_people_with_the_starter_campaign() -> None:
    from happybot.screens.lexicon import LexiconScreen

    policy = make_campaign().policy()
    lexicon = LexiconScreen()
    for text in [
        "my grandad died last night",
        "i just want to die",
        "mum was diagnosed with cancer",
    ]:
        findings = lexicon.scan(text, Target.POST)
        assert findings, text
        assert decide(findings, policy).decision is Decision.REVIEW, text
    for text in ["this exam is killing me", "my phone died again", "the bus terminal is cold"]:
        assert decide(lexicon.scan(text, Target.POST), policy).decision is Decision.PUBLISH, text


def test_a_listed_symbol_or_slogan_alone_goes_to_a_person_not_to_rejection() -> None:
    # "someone painted a swastika on the school; we painted over it": the word list cannot
    # tell news and counter-speech from hate, so a person decides
    for label in ("extremism", "violence", "harassment", "xenophobia"):
        verdict = decide([f("lexicon", 0.95, label)], POLICY)
        assert verdict.decision is Decision.REVIEW, label
        assert "a word list alone" in verdict.reasons[0]
    # the picture's word list is a word list too
    assert decide([f("output", 0.95, "extremism")], POLICY).decision is Decision.REVIEW


def test_it_is_rejected_when_a_screen_that_reads_meaning_agrees() -> None:
    symbol = f("lexicon", 0.95, "extremism")
    hate = f("classifier", 0.93, "hate", None)
    assert decide([symbol, hate], POLICY).decision is Decision.REJECT
    corpus = f("corpus", 0.7, "never-amplify")
    assert decide([symbol, corpus], POLICY).decision is Decision.REJECT
    # a score over the classifier's review threshold but not more likely than not does not
    # agree: counter-speech scores 0.2-0.3 there
    low = Policy({"classifier": Limits(review=0.15, reject=1.0)}, default=Limits(0.3, 0.8))
    assert decide([symbol, f("classifier", 0.29, "hate", None)], low).decision is Decision.REVIEW
    # neither do the behaviour screen or a screen that could not check
    young = f("behaviour", 0.6, "young-account")
    assert decide([symbol, young], POLICY).decision is Decision.REVIEW
    failed = Finding("classifier", SCREEN_ERROR, 1.0, Target.POST, None, "boom")
    assert decide([symbol, failed], POLICY).decision is Decision.REVIEW


def test_a_slur_and_the_operators_deny_list_still_reject_alone() -> None:
    assert decide([f("lexicon", 0.95, "slur")], POLICY).decision is Decision.REJECT
    assert decide([f("lexicon", 1.0, "operator-deny")], POLICY).decision is Decision.REJECT
