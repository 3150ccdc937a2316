"""@-mentions, and which of them only address people.

A reply on Mastodon or X begins with the handles it answers ("@brand @sam rain again"), and an
invitation to the bot ends with them ("rain again #MakeItHappy @brand") or names the bot
anywhere: those mentions say
whom a post is for, not what it says, so they are neither drawn nor held as a name dragged into
the picture. A mention inside the words ("my boss @jo is awful") is content.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MENTION = re.compile(r"(?<![\w@])@[\w][\w.-]*\w")
_HANDLE = r"@[\w][\w.-]*\w"
_LEADING = re.compile(rf"^(?:[\s,:]*{_HANDLE})+[\s,:]*")
# after the hashtag: "rain again #MakeItHappy @brand" (but "tell @sam #MakeItHappy" names sam)
_TRAILING = re.compile(rf"[\s,:]*#\w+(?:[\s,:]*(?:{_HANDLE}|#\w+))*[\s,:.!]*$")


def addressing_spans(
    text: str, is_bot: Callable[[str], bool] | None = None
) -> list[tuple[int, int]]:
    """The spans of the mentions that only address people: the run at the start of the text,
    those after a hashtag at its end, and (`is_bot`) the bot's own account anywhere."""
    spans: list[tuple[int, int]] = []
    lead = _LEADING.match(text)
    start = lead.end() if lead else 0
    tail = _TRAILING.search(text, start)
    end = tail.start() if tail else len(text)
    for m in MENTION.finditer(text):
        if m.end() <= start or m.start() >= end or (is_bot is not None and is_bot(m.group())):
            spans.append(m.span())
    return spans


def without_addressing(text: str, is_bot: Callable[[str], bool] | None = None) -> str:
    """`text` without the mentions that only address people."""
    for a, b in reversed(addressing_spans(text, is_bot)):
        text = text[:a] + text[b:]
    return " ".join(text.split()).lstrip(",: ")
