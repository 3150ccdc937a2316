"""What every classifier backend gives the `classifier` screen: for each text, a probability per
label. The labels are ours; a backend maps its own categories onto them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from happybot.text.normalize import normalize

Scores = Mapping[str, float]


class Classifier(Protocol):
    """Scores a batch of texts: one mapping label -> probability per text, in order, holding
    only the labels the backend knows. Raises `ClassifierError` when it cannot answer; the screen
    then sends the posts to review."""

    name: str

    def scores(self, texts: Sequence[str]) -> list[Scores]: ...


def model_text(text: str) -> str:
    """What a model reads: the safety gate's normalisation (folded look-alike letters, leetspeak
    undone, invisible characters gone, emoji as their names), so that training and running see
    the same words whatever disguise a post wears."""
    return " ".join(normalize(text).text.split())
