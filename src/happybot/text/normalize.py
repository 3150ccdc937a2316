"""One canonical form of a text that every screen reads, with a map back to the original.

Folds what attackers use to slip past word lists: compatibility forms (NFKC), homoglyphs from
other scripts (Unicode TR39 confusables), invisible and bidi control characters, leetspeak
digits and symbols inside words, spaced-out letters ("h a t e"), long letter runs ("haaaate"),
and emoji (turned into their names). `offsets[i]` is the index in the original text of the
character that produced canonical character `i`, so evidence points at what the person wrote.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import emoji
from confusable_homoglyphs import confusables

# Bumped whenever the canonical form changes: a model trained on one version refuses another.
NORMALIZE_VERSION = 2

_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "+": "t",
    "6": "g",
    "9": "g",
}
# the other common reading of the ambiguous ones
_LEET_OTHER = {**_LEET, "1": "l", "!": "l", "|": "i", "6": "b"}
_AMBIGUOUS = frozenset(k for k in _LEET if _LEET[k] != _LEET_OTHER[k])
_MAX_PASSES = 4
# what _squeeze changes: white space other than a single space, or a character three times
_RUNS = re.compile(r"[^\S ]|  |(.)\1\1", re.DOTALL)
_SQUEEZE = re.compile(r"\s{2,}|[^\S ]|(\S)\1{2,}")
_SPACED = re.compile(r"(?<!\w)(?:\w[ .\-_*]){2,}\w(?!\w)")


# words of a canonical text, but not hashtags or mentions: every post to the campaign carries
# its tag, and a tag or a handle must neither make two posts look alike nor break a passage
WORD = re.compile(r"(?<![#@\w])[^\W_]+")


def words_of(canonical: str) -> list[str]:
    return WORD.findall(canonical)


@dataclass(frozen=True)
class Normalized:
    original: str
    text: str
    offsets: tuple[int, ...]

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the canonical text to the original text."""
        if not self.offsets or start >= end:
            return (0, 0)
        start = min(start, len(self.offsets) - 1)
        end = max(start + 1, min(end, len(self.offsets)))
        # a reading in display order (a right-to-left override) runs backwards through the
        # original: the span is the lowest to the highest character it came from
        first, last = min(self.offsets[start:end]), max(self.offsets[start:end])
        # the original character may be several code units long (an emoji sequence)
        return (first, min(len(self.original), last + 1))


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """NFKC, case fold and confusable folding of one character."""
    folded = unicodedata.normalize("NFKC", char).casefold()
    if folded.isascii():
        return folded
    out = []
    for piece in folded:
        if piece.isascii() or unicodedata.category(piece).startswith("M"):
            out.append(piece)
            continue
        bare = "".join(
            c for c in unicodedata.normalize("NFD", piece) if not unicodedata.combining(c)
        )
        if bare.isascii() and bare:
            out.append(bare)  # accented Latin: "ü" reads as "u"
            continue
        found = confusables.is_confusable(piece, preferred_aliases=["latin", "common"])
        latin = ""
        if found:
            for glyph in found[0]["homoglyphs"]:
                if glyph["c"].isascii() and glyph["c"].isalpha():
                    latin = glyph["c"].lower()
                    break
        out.append(latin or piece)
    # strip combining marks so "h̶a̶t̶e̶" and accented disguises read as plain letters; a
    # confusable may stand for several Latin letters ("ӕ" reads "ae"), so filter characters,
    # not pieces
    return "".join(c for c in "".join(out) if not unicodedata.category(c).startswith("M"))


# a character every emoji sequence holds: its first, or for keycaps ("1️⃣", which begin with an
# ASCII digit) the enclosing keycap mark
_EMOJI_STARTS = frozenset(e[0] for e in emoji.EMOJI_DATA if not e[0].isascii()) | {"\u20e3"}
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e\n\t\r]+")
_ASCII_CONTROL = re.compile(r"[^\x20-\x7e\n\t\r]")
_EMOJI_RUN = re.compile(r"[#*0-9]?[^\x00-\x7f]+")


def _emoji_at(text: str) -> dict[int, tuple[str, int]]:
    """Where each emoji starts: its sequence and where it ends.

    The emoji search reads every character it is given, slowly; an emoji sequence holds no ASCII
    but a keycap's first character, so only runs of other characters are searched (a post is
    mostly ASCII with an emoji or two)."""
    found: dict[int, tuple[str, int]] = {}
    for run in _EMOJI_RUN.finditer(text):
        chunk = run.group()
        if _EMOJI_STARTS.isdisjoint(chunk):
            continue  # accented letters, curly quotes, dashes
        for e in emoji.emoji_list(chunk):
            found[run.start() + e["match_start"]] = (e["emoji"], run.start() + e["match_end"])
    return found


@functools.lru_cache(maxsize=4096)
def _emoji_name(sequence: str) -> str:
    # " red heart " for "❤️": its English name between spaces; few emoji, many posts
    return emoji.demojize(sequence, delimiters=(" ", " ")).replace("_", " ").lower()


def _is_invisible(char: str) -> bool:
    # Cf: zero-width spaces and joiners, bidi controls, soft hyphens; Cc except whitespace
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in "\n\t\r")


@functools.lru_cache(maxsize=8192)
def normalize(text: str) -> Normalized:
    """The canonical form of `text`. Pure and total: any string in, never raises."""
    chars, offsets = _folded(text)
    return _finish(text, chars, offsets, _LEET)


@functools.lru_cache(maxsize=8192)
def readings(text: str) -> tuple[Normalized, ...]:
    """The canonical form, plus the other readings of ambiguous leetspeak ("1" as "l" instead
    of "i": "s1ut") and the order a screen shows a right-to-left override in ("\u202ekcuf"
    shows as the word reversed), for screens that must not miss any."""
    first = normalize(text)
    found = [first]
    if _AMBIGUOUS.intersection(text):
        chars, offsets = _folded(text)
        found.append(_finish(text, chars, offsets, _LEET_OTHER))
    if _RLO in text:
        found.append(_displayed(text))
    unique = {r.text: r for r in reversed(found)}  # the first of equal readings is kept
    return tuple(r for r in found if unique[r.text] is r)


_RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows is shown in reverse
_OVERRIDE_ENDS = frozenset("\u202c\u2069\n\r\u2029")  # POP DIRECTIONAL FORMATTING, PDI, paragraph


def _displayed(text: str) -> Normalized:
    """`text` in the order a screen shows it when a right-to-left override reverses a run:
    each run from the override to its end is read backwards, and offsets still point at the
    characters the person typed."""
    order: list[int] = []
    run: list[int] = []
    reversing = False
    for i, char in enumerate(text):
        if char == _RLO:
            reversing = True
            continue
        if reversing and char in _OVERRIDE_ENDS:
            order.extend(reversed(run))
            run, reversing = [], False
        (run if reversing else order).append(i)
    order.extend(reversed(run))
    shown = normalize("".join(text[i] for i in order))
    return Normalized(text, shown.text, tuple(order[o] for o in shown.offsets))


def clear_caches() -> None:
    """Forget every text seen (benchmarks measure the cost of new texts with it)."""
    for cached in (normalize, readings, _folded):
        cached.cache_clear()


@functools.lru_cache(maxsize=8192)
def _folded(text: str) -> tuple[str, tuple[int, ...]]:
    # the expensive half, shared by both readings of a text; immutable, so a cached result
    # cannot be changed by a caller
    chars, offsets = _fold(text)
    return chars, tuple(offsets)


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC, case, confusables, invisible characters and emoji: one character of the result
    per entry of the offsets, each the index of the original character it came from."""
    if text.isascii():
        # most posts: no emoji, homoglyphs or compatibility forms; only case and control
        # characters to fold
        lowered = text.lower()
        if not _ASCII_CONTROL.search(text):
            return lowered, list(range(len(text)))
        kept = [i for i, c in enumerate(text) if " " <= c < "\x7f" or c in "\n\t\r"]
        return "".join(lowered[i] for i in kept), kept
    chars: list[str] = []
    offsets: list[int] = []
    emoji_at = _emoji_at(text)
    starts = sorted(emoji_at)
    i = 0
    while i < len(text):
        plain = _PRINTABLE_ASCII.match(text, i)
        if plain is not None:
            # a run of printable ASCII folds in one step, up to the next emoji (a keycap
            # begins with an ASCII digit)
            end = plain.end()
            following = bisect.bisect_left(starts, i)
            if following < len(starts):
                end = min(end, starts[following])
            if end > i:
                chars.extend(text[i:end].lower())
                offsets.extend(range(i, end))
                i = end
                continue
        found = emoji_at.get(i)
        if found is not None:
            sequence, end = found
            name = _emoji_name(sequence)
            for char in name:
                chars.append(char)
                offsets.append(i)
            i = end
            continue
        char = text[i]
        if not _is_invisible(char):
            for piece in _fold_char(char):
                chars.append(piece)
                offsets.append(i)
        i += 1
    return "".join(chars), offsets


def _finish(text: str, chars: str, offsets: Sequence[int], leet: dict[str, str]) -> Normalized:
    # each step can expose work for another ("h 4 t e": joining the letters makes "4" a letter
    # inside a word), so repeat until nothing changes: the canonical form is a fixed point,
    # and normalising it again changes nothing
    for _ in range(_MAX_PASSES):
        chars = _unleet(chars, leet)
        # reading symbols as letters is idempotent on its own (a symbol changes only between
        # letters or digits, which stay so), so only joining or collapsing can give another
        # pass work to do
        before = chars
        chars, offsets = _unspace(chars, offsets)
        chars, offsets = _squeeze(chars, offsets)
        if chars == before:
            break
    return Normalized(text, chars, tuple(offsets))


def _unleet(chars: str, leet: dict[str, str]) -> str:
    """Read digits and symbols as letters only inside words that have letters ("h4te", not
    "2024"). One character for one, so the offsets stay as they are."""
    out = None
    # a word: a run of non-space characters holding a leet symbol
    for word in _leet_words(leet).finditer(chars):
        w = word.group()
        if not any(c.isalpha() for c in w):
            continue
        read = _unleet_word(w, leet)
        if read != w:
            out = out or [chars]
            out[0] = out[0][: word.start()] + read + out[0][word.end() :]
    return chars if out is None else out[0]


def _unleet_word(word: str, leet: dict[str, str]) -> str:
    # to a fixed point: a symbol read as a letter can make a digit beside it part of a word
    # ("0@a": "0aa", then "oaa"), so that the whole of normalisation needs another pass only
    # when letters were joined or runs collapsed
    while True:
        read = "".join(
            leet[c] if c in leet and _inside_word(word, k) else c for k, c in enumerate(word)
        )
        if read == word:
            return word
        word = read


@functools.cache
def _leet_pattern(symbols: str) -> re.Pattern[str]:
    # anchored at the start of a word, so that a word without symbols is read once, not once
    # from each of its characters
    escaped = re.escape(symbols)
    return re.compile(rf"(?<!\S)[^\s{escaped}]*[{escaped}]\S*")


def _leet_words(leet: dict[str, str]) -> re.Pattern[str]:
    return _leet_pattern("".join(leet))


def _inside_word(word: str, k: int) -> bool:
    # a symbol at the edge of a word is punctuation ("wow!"), not a letter, unless a letter
    # or another leet symbol follows on both sides
    before = k > 0 and (word[k - 1].isalpha() or word[k - 1].isdigit())
    after = k + 1 < len(word) and (word[k + 1].isalpha() or word[k + 1].isdigit())
    if word[k].isdigit():
        return before or after
    return before and after


def _unspace(chars: str, offsets: Sequence[int]) -> tuple[str, Sequence[int]]:
    """Join single letters separated by spaces or dots: "h a t e" -> "hate"."""
    matches = list(_SPACED.finditer(chars))
    if not matches:
        return chars, offsets
    drop = {k for match in matches for k in range(match.start() + 1, match.end(), 2)}
    return (
        "".join(c for k, c in enumerate(chars) if k not in drop),
        [o for k, o in enumerate(offsets) if k not in drop],
    )


def _squeeze(chars: str, offsets: Sequence[int]) -> tuple[str, Sequence[int]]:
    """Collapse runs of three or more of one character to one ("haaaate" -> "hate"), and any
    run of white space to one space."""
    if not _RUNS.search(chars):
        return chars, offsets
    out_c: list[str] = []
    out_o: list[int] = []
    last = 0
    for match in _SQUEEZE.finditer(chars):
        start, end = match.span()
        out_c.append(chars[last:start])
        out_o.extend(offsets[last:start])
        out_c.append(" " if chars[start].isspace() else chars[start])
        out_o.append(offsets[start])
        last = end
    out_c.append(chars[last:])
    out_o.extend(offsets[last:])
    return "".join(out_c), out_o
