"""@-mentions, and which of them only address people.

A reply on Mastodon or X begins with the handles it answers ("@brand @sam rain again"), and an
invitation to the bot ends with them ("rain again #MakeItHappy @brand") or names the bot
anywhere: those mentions say whom a post is for, not what it says, so they are neither drawn
nor held as a name dragged into the picture. A mention inside the words ("my boss @jo is
awful", "tell @sam #MakeItHappy") is content.

Read token by token, never by a backtracking pattern over the whole text: a post of twenty
thousand hashtags took a regular expression a minute.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MENTION = re.compile(r"(?<![\w@])@[\w][\w.-]*\w")
_TOKEN = re.compile(r"\S+")
_HANDLE = re.compile(r"@[\w][\w.-]*\w")
_TAG = re.compile(r"#\w+")
_PUNCTUATION = ",:.!;"


def _kind(token: str) -> str | None:
    """ "mention", "tag" or None for one whitespace-separated token (punctuation around it
    aside)."""
    core = token.strip(_PUNCTUATION)
    if _HANDLE.fullmatch(core):
        return "mention"
    if _TAG.fullmatch(core):
        return "tag"
    return None


def addressing_spans(
    text: str, is_bot: Callable[[str], bool] | None = None
) -> list[tuple[int, int]]:
    """The spans of the mentions that only address people: the run at the start of the text,
    those after a hashtag at its end, and (`is_bot`) the bot's own account anywhere."""
    tokens = [(m.start(), m.end(), _kind(m.group())) for m in _TOKEN.finditer(text)]
    lead = 0
    while lead < len(tokens) and tokens[lead][2] == "mention":
        lead += 1
    tail = len(tokens)
    while tail > lead and tokens[tail - 1][2] is not None:
        tail -= 1
    # of the closing run of tags and mentions, the mentions after its first tag
    closing = next((i for i in range(tail, len(tokens)) if tokens[i][2] == "tag"), len(tokens))
    start = tokens[lead - 1][1] if lead else 0
    end = tokens[closing][0] if closing < len(tokens) else len(text)
    spans: list[tuple[int, int]] = []
    for m in MENTION.finditer(text):
        if m.end() <= start or m.start() >= end or (is_bot is not None and is_bot(m.group())):
            spans.append(m.span())
    return spans


def without_addressing(text: str, is_bot: Callable[[str], bool] | None = None) -> str:
    """`text` without the mentions that only address people."""
    for a, b in reversed(addressing_spans(text, is_bot)):
        text = text[:a] + text[b:]
    return " ".join(text.split()).lstrip(",: ")
