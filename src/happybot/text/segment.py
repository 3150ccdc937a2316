"""Words run together, as handles write them ("ihatejews", "scunthorpeunited"), split back into
words by wordninja (English Wikipedia's word frequencies).

The word lists use the split to tell a listed term inside an ordinary word ("spicy", "raccoon",
"sauerkraut": the Scunthorpe problem) from one that stands as a word of its own; the classifier
reads a handle as the words it spells. wordninja does not know every slur (it splits "kike" as
"k ike"), so a term that does not lie inside one known word counts; only a known longer word
clears it.
"""

from __future__ import annotations

import functools
import re

import wordninja

from happybot.text.normalize import normalize

_RUN = re.compile(r"[^\W_]+")
_SEPARATORS = re.compile(r"[._\-]")
_KNOWN: frozenset[str] = frozenset(wordninja.DEFAULT_LANGUAGE_MODEL._wordcost)


@functools.lru_cache(maxsize=8192)
def segments(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of the words in `text` (a canonical text): each run of letters and digits
    split into the words it most likely runs together."""
    spans: list[tuple[int, int]] = []
    for run in _RUN.finditer(text):
        start = run.start()
        for word in wordninja.split(run.group()):
            # wordninja returns pieces of its input in order; find each from where the last ended
            found = text.find(word, start, run.end())
            if found < 0:  # never expected; a word not found clears nothing
                continue
            spans.append((found, found + len(word)))
            start = found + len(word)
    return tuple(spans)


def inside_ordinary_word(text: str, start: int, stop: int) -> bool:
    """Whether [start, stop) of `text` lies inside one longer ordinary word of its split:
    "spic" in "spicy", "coon" in "raccoon", not "kike" in "kike88" or "nig" in "niggers"."""
    for a, b in segments(text):
        if a <= start and stop <= b:
            return (a, b) != (start, stop) and text[a:b] in _KNOWN
    return False


def at_word_edges(text: str, start: int, stop: int) -> bool:
    """Whether [start, stop) begins where a word of the split begins and ends where one ends."""
    spans = segments(text)
    return any(a == start for a, _ in spans) and any(b == stop for _, b in spans)


def handle_words(handle: str) -> str:
    """A handle's own part ("ihatejews" of "ihatejews.bsky.social", "kim" of "kim@mastodon.social")
    as the words it spells, separated by spaces."""
    own = handle.lstrip("@").split("@")[0]
    if "." in own:
        own = own.split(".")[0]
    canon = normalize(_SEPARATORS.sub(" ", own)).text
    return " ".join(canon[a:b] for a, b in segments(canon))
