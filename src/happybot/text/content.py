"""What of a post is content a model can judge: not the campaign's hashtag, not @-mentions,
links or emoji, and not the filler people add to a request ("#MakeItHappy please", "this one").

The shipped classifier reads a text with no content, or a single word, as noise: measured on
2026-11-29, "", "please", "this", "yes", "same" and "ugh" all score hate 0.41–0.52 and insult
0.44–0.53 (the starter campaign's hate review threshold is 0.156), while "idiots" scores 0.19.
A bare hashtag is the campaign's commonest trigger (a reply under someone's post, whose words are
the ones drawn), so such a text must earn no score at all; the word lists still read every word.
"""

from __future__ import annotations

import functools
import re

import emoji

from happybot.text.hashtags import hashtag_pattern
from happybot.text.normalize import normalize, words_of

_MENTION = re.compile(r"(?<![\w@])@[\w][\w.-]*")
_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<![\w#])#\w+")

# words that ask, point or agree, and say nothing a picture or a person could take offence at
FILLER = frozenset(
    {
        "please",
        "pls",
        "plz",
        "pleeease",
        "this",
        "that",
        "one",
        "here",
        "there",
        "it",
        "me",
        "us",
        "you",
        "do",
        "go",
        "yes",
        "yeah",
        "yep",
        "ok",
        "okay",
        "lol",
        "lmao",
        "haha",
        "hahaha",
        "omg",
        "wow",
        "so",
        "same",
        "true",
        "agreed",
        "thanks",
        "thank",
        "ty",
        "thx",
        "now",
        "too",
        "also",
        "and",
        "the",
        "a",
        "an",
        "for",
        "of",
        "to",
    }
)


@functools.lru_cache(maxsize=8192)
def content_words(text: str, tag: str) -> tuple[str, ...]:
    """The words of `text` that are content: its canonical words without the campaign's
    hashtag (`tag`, without '#'), mentions, links, emoji and filler."""
    text = _LINK.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = hashtag_pattern(tag).sub(" ", text)
    text = _HASHTAG.sub(lambda m: " " + m.group()[1:] + " ", text)  # another tag's words count
    text = emoji.replace_emoji(text, " ")
    return tuple(w for w in words_of(normalize(text).text) if w not in FILLER)
