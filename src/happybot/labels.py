"""What the classifier scores, by our names: a backend maps its own categories onto these, and
a campaign file sets thresholds by them (on the ground floor, so that reading a campaign file
imports no classifier)."""

from __future__ import annotations

from collections.abc import Iterable

HATE = "hate"
INSULT = "insult"
THREAT = "threat"
SEXUAL = "sexual"
SELF_HARM = "self-harm"
LABELS = (HATE, INSULT, THREAT, SEXUAL, SELF_HARM)


def not_ours(names: Iterable[str]) -> list[str]:
    """The names among these that are none of our labels, sorted (for the error message)."""
    return sorted(set(names) - set(LABELS))
