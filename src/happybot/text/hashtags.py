"""Whether a post uses the campaign's hashtag: one test for the runner and every adapter."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


@functools.lru_cache(maxsize=16)
def hashtag_pattern(tag: str) -> re.Pattern[str]:
    """#tag in a text, any case: "#MakeItHappy!" is one, "#MakeItHappyToo" is not."""
    return re.compile(rf"#{re.escape(tag)}(?!\w)", re.IGNORECASE)


def uses_hashtag(text: str, tags: Iterable[str], tag: str) -> bool:
    """`tag` (lower case, without '#') among the platform's tags, or as #tag in the text."""
    return tag in tags or hashtag_pattern(tag).search(text) is not None
