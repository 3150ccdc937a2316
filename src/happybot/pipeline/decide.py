"""Turn the screens' findings into one verdict, with a reason for every finding that counts."""

from __future__ import annotations

from collections.abc import Sequence

from happybot.config import Policy
from happybot.models import Decision, Finding, Verdict
from happybot.pipeline.screen import FAIL_CLOSED_LABELS

# A listed symbol, slogan or threat phrase is said by its opponents too: news, history lessons,
# "someone painted a swastika on the school; we painted over it". Found by a word list alone it
# goes to a person; it is rejected unseen only when a screen that reads meaning (the classifier,
# the never-amplify corpus) finds the post more likely harmful than not. Its review threshold is
# no agreement: the classifier's hate threshold is set low to send a person anything near hate
# (0.156 for the shipped model), and counter-speech scores 0.2-0.3 there. A slur, the
# operator's own deny list and the corpus reject on their own.
SECOND_OPINION_LABELS = frozenset({"extremism", "violence", "harassment", "xenophobia"})
WORD_LIST_SCREENS = frozenset({"lexicon", "output"})
MEANING_SCREENS = frozenset({"classifier", "corpus"})
AGREE_FROM = 0.5


def decide(findings: Sequence[Finding], policy: Policy) -> Verdict:
    """Pure: no I/O, no clock. The gravest finding decides; every finding over a threshold is a
    reason. A screen that could not check holds the post for a person (fail closed)."""
    decision = Decision.PUBLISH
    reasons: list[str] = []
    agreed = _meaning_agrees(findings, policy)
    for finding in sorted(findings, key=lambda f: -f.risk):
        limits = policy.limits(finding.screen, finding.label)
        where = f"{finding.target}" + (
            f"[{finding.span[0]}:{finding.span[1]}]" if finding.span else ""
        )
        alone = ""
        if finding.label in FAIL_CLOSED_LABELS:
            outcome = Decision.REVIEW
        elif finding.risk >= limits.reject and _needs_second_opinion(finding) and not agreed:
            outcome, alone = Decision.REVIEW, " (a word list alone: a person decides)"
        elif finding.risk >= limits.reject:
            outcome = Decision.REJECT
        elif finding.risk >= limits.review:
            outcome = Decision.REVIEW
        else:
            continue
        reasons.append(
            f"{outcome}: {finding.screen}/{finding.label} risk {finding.risk:.2f} at {where}: "
            f"{finding.why}{alone}"
        )
        decision = graver(decision, outcome)
    if not reasons:
        reasons.append("publish: no screen found anything over its threshold")
    return Verdict(decision, tuple(reasons))


def _needs_second_opinion(finding: Finding) -> bool:
    return finding.screen in WORD_LIST_SCREENS and finding.label in SECOND_OPINION_LABELS


def _meaning_agrees(findings: Sequence[Finding], policy: Policy) -> bool:
    """Whether a screen that reads meaning finds the post harmful, more likely than not."""
    return any(
        f.screen in MEANING_SCREENS
        and f.label not in FAIL_CLOSED_LABELS
        and f.risk >= max(policy.limits(f.screen, f.label).review, AGREE_FROM)
        for f in findings
    )


_ORDER = {Decision.PUBLISH: 0, Decision.REVIEW: 1, Decision.REJECT: 2}


def graver(a: Decision, b: Decision) -> Decision:
    """The stricter of two decisions: reject over review over publish."""
    return a if _ORDER[a] >= _ORDER[b] else b
