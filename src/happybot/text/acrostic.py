"""Messages hidden in a text's shape: the first letters of its lines (an acrostic), the last
letters of its lines, the first letters of its words. One implementation for the author's own
lines (the input screen) and the picture's rows (the output screen).

Each reading is letters only, lower case, after normalisation (so "N1ce" gives "n"); a line or a
word with no letter adds nothing. Hashtags, mentions and links are not words a reader counts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import emoji

from happybot.text.normalize import normalize

FIRST_OF_LINES = "first letters of lines"
LAST_OF_LINES = "last letters of lines"
FIRST_OF_WORDS = "first letters of words"

_NOT_WORDS = re.compile(r"(?<![\w#@])[#@][\w.-]+|https?://\S+|www\.\S+", re.IGNORECASE)


@dataclass(frozen=True)
class Hidden:
    where: str  # one of FIRST_OF_LINES, LAST_OF_LINES, FIRST_OF_WORDS
    letters: str


def hidden_readings(lines: Sequence[str], *, words: bool = True) -> list[Hidden]:
    """The letter readings of these lines. Lines hold one reading each only when there are
    three or more: two letters spell nothing."""
    letters = [_letters(line) for line in lines]
    letters = [x for x in letters if x]
    out: list[Hidden] = []
    if len(letters) >= 3:
        out.append(Hidden(FIRST_OF_LINES, "".join(x[0] for x in letters)))
        out.append(Hidden(LAST_OF_LINES, "".join(x[-1] for x in letters)))
    if words:
        # a word as a reader counts one: what stands between spaces ("let's" is one word)
        firsts = [x[0] for token in " ".join(lines).split() if (x := _letters(token))]
        if len(firsts) >= 3:
            out.append(Hidden(FIRST_OF_WORDS, "".join(firsts)))
    return out


def author_lines(text: str) -> list[str]:
    """The lines of a post as its author broke them, without hashtags, mentions and links."""
    return [line for raw in text.splitlines() if (line := _NOT_WORDS.sub(" ", raw).strip())]


@functools.lru_cache(maxsize=16384)
def _letters(text: str) -> str:
    # words and short lines come back in post after post; an emoji is no letter to the eye
    # (normalisation would spell out its name)
    if not text.isascii():
        text = emoji.replace_emoji(text, "")
    return "".join(c for c in normalize(text).text if c.isalpha())
