"""How alike two posts' canonical texts are: the one measure of near-duplicates that the
behaviour screen (a coordinated group) and the runner (holding back the group's earlier
replies) share."""

from __future__ import annotations

import functools
import itertools

from happybot.text.normalize import words_of


def similarity(a: str, b: str) -> float:
    """How alike two canonical texts are: the mean of the Jaccard similarities of their sets of
    words and of word pairs, hashtags and mentions left out. Words alone link a variant that
    moves, adds or drops a word ("send them back where they came from, all of them"); pairs keep
    two short posts that differ in the word that matters ("my train was late", "my bus was
    late") apart."""
    words_a, pairs_a = _shingles(a)
    words_b, pairs_b = _shingles(b)
    if not pairs_a and not pairs_b:  # one word each: a raid can be one word too
        return _jaccard(words_a, words_b)
    return (_jaccard(words_a, words_b) + _jaccard(pairs_a, pairs_b)) / 2


@functools.lru_cache(maxsize=65536)
def _shingles(text: str) -> tuple[frozenset[str], frozenset[str]]:
    # cached: every post is compared with every recent post of the window
    words = words_of(text)
    return frozenset(words), frozenset(f"{x} {y}" for x, y in itertools.pairwise(words))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
