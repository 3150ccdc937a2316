"""Messages hidden in a text's shape: the first letters of its lines (an acrostic), the last
letters of its lines, the first letters of its words. One implementation for the author's own
lines (the input screen) and the picture's rows (the output screen).

Each reading is letters only, lower case, after normalisation (so "N1ce" gives "n"); a line or a
word with no letter adds nothing. Hashtags, mentions and links are not words a reader counts.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

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
    read = [w for w in (_words(line) for line in lines) if w]
    out: list[Hidden] = []
    if len(read) >= 3:
        out.append(Hidden(FIRST_OF_LINES, "".join(w[0][0] for w in read)))
        out.append(Hidden(LAST_OF_LINES, "".join(w[-1][-1] for w in read)))
    if words:
        firsts = [word[0] for w in read for word in w]
        if len(firsts) >= 3:
            out.append(Hidden(FIRST_OF_WORDS, "".join(firsts)))
    return out


def author_lines(text: str) -> list[str]:
    """The lines of a post as its author broke them, without hashtags, mentions and links."""
    return [line for raw in text.splitlines() if (line := _NOT_WORDS.sub(" ", raw).strip())]


_category = functools.lru_cache(maxsize=4096)(unicodedata.category)


@functools.lru_cache(maxsize=16384)
def _words(line: str) -> tuple[str, ...]:
    """The letters of each word of a line, as a reader counts words (what stands between spaces:
    "let's" is one), after normalisation ("1sn't" reads "isnt"). Lines come back in post after
    post; an emoji is no letter to the eye (normalisation would spell out its name)."""
    if not line.isascii():
        # emoji and other pictographs (symbols, their joiners and variation selectors): the
        # emoji package's own search costs ten times this, and a symbol is never a letter
        line = "".join(c for c in line if c.isascii() or _category(c)[0] not in "SC")
    letters = ("".join(c for c in token if c.isalpha()) for token in normalize(line).text.split())
    return tuple(w for w in letters if w)
