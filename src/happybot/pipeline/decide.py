"""Turn the screens' findings into one verdict, with a reason for every finding that counts."""

from __future__ import annotations

from collections.abc import Sequence

from happybot.config import Policy
from happybot.models import Decision, Finding, Verdict
from happybot.pipeline.screen import FAIL_CLOSED_LABELS


def decide(findings: Sequence[Finding], policy: Policy) -> Verdict:
    """Pure: no I/O, no clock. The gravest finding decides; every finding over a threshold is a
    reason. A screen that could not check holds the post for a person (fail closed)."""
    decision = Decision.PUBLISH
    reasons: list[str] = []
    for finding in sorted(findings, key=lambda f: -f.risk):
        limits = policy.limits(finding.screen, finding.label)
        where = f"{finding.target}" + (
            f"[{finding.span[0]}:{finding.span[1]}]" if finding.span else ""
        )
        if finding.label in FAIL_CLOSED_LABELS:
            outcome = Decision.REVIEW
        elif finding.risk >= limits.reject:
            outcome = Decision.REJECT
        elif finding.risk >= limits.review:
            outcome = Decision.REVIEW
        else:
            continue
        reasons.append(
            f"{outcome}: {finding.screen}/{finding.label} risk {finding.risk:.2f} at {where}: "
            f"{finding.why}"
        )
        decision = graver(decision, outcome)
    if not reasons:
        reasons.append("publish: no screen found anything over its threshold")
    return Verdict(decision, tuple(reasons))


_ORDER = {Decision.PUBLISH: 0, Decision.REVIEW: 1, Decision.REJECT: 2}


def graver(a: Decision, b: Decision) -> Decision:
    """The stricter of two decisions: reject over review over publish."""
    return a if _ORDER[a] >= _ORDER[b] else b
