"""Word-list screen: multi-pattern matching (Aho-Corasick) over the canonical text.

Word-boundary aware, so "Scunthorpe" and "assessment" are not hits; a listed word's plural is
found too ("spics", "sissies"). User handles, which run words together ("ihate_x"), are split
into the words they most likely spell (`text.segment`): a listed term standing as one of them
counts, and the gravest labels count anywhere in the handle except inside a longer ordinary
word ("spicyfoodfan", "raccoonlover").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import TYPE_CHECKING

import ahocorasick

from happybot.models import Finding, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.acrostic import Hidden, author_lines, hidden_readings
from happybot.text.language import CONFIDENCE, identify
from happybot.text.normalize import normalize, readings
from happybot.text.segment import at_word_edges, inside_ordinary_word

if TYPE_CHECKING:
    import inflect

    from happybot.config import Campaign

# Labels grave enough to look for inside run-together words (handles, acrostics).
GRAVE = frozenset({"slur", "extremism", "violence", "harassment", "operator-deny"})
_MIN_INNER_LEN = 4
_HANDLE_SEPARATORS = re.compile(r"[._\-]")  # shorter terms occur by chance inside ordinary words
# letters picked out of a text (first letters of lines or words) spell a short word by chance:
# a person decides, never rejection unseen
HIDDEN_RISK_CAP = 0.6
_TARGETS_WITH_LINES = (Target.POST, Target.PARENT)


OTHER_LANGUAGE = "other-language"


@dataclass(frozen=True)
class Term:
    text: str
    label: str
    risk: float
    source: str
    # its plural: "" none, None not known yet (the campaign's words: inflect works it out)
    plural: str | None = None

    @property
    def language(self) -> str:
        """The language of the list it comes from ("ldnoobw-fi": Finnish); ours are English."""
        if self.source.startswith("ldnoobw-"):
            return self.source.removeprefix("ldnoobw-").split("-")[0]
        return "en"


def bundled_terms() -> list[Term]:
    """The lexicon built by scripts/build_lexicon.py from public word lists."""
    raw = resources.files("happybot.data").joinpath("lexicon.tsv").read_text("utf-8")
    terms = []
    for line in raw.splitlines():
        if not line or line.startswith("#"):
            continue
        text, label, risk, source, plural = line.split("\t")
        terms.append(Term(text, label, float(risk), source, plural))
    return terms


class LexiconScreen:
    name = "lexicon"

    def __init__(
        self,
        campaign: Campaign | None = None,
        terms: Iterable[Term] | None = None,
    ) -> None:
        all_terms = list(bundled_terms() if terms is None else terms)
        if campaign is not None:
            all_terms += [Term(w, "operator-deny", 1.0, "campaign") for w in campaign.words.deny]
        allow = list(campaign.words.allow) if campaign is not None else []
        self._languages = frozenset(campaign.languages if campaign is not None else ["en"])
        self._terms = _automaton((normalize(t.text).text, t) for t in all_terms)
        # the gravest terms as letters only ("heil hitler" -> "heilhitler"), for readings that
        # have no spaces: first letters of lines and words
        self._letters = _automaton(
            (_only_letters(normalize(t.text).text), t) for t in all_terms if t.label in GRAVE
        )
        self._allow = _automaton(
            (normalize(w).text, Term(w, "allow", 0.0, "campaign")) for w in allow
        )

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results = []
        for trigger in batch:
            findings: list[Finding] = []
            for target, text in trigger.texts():
                handle = target in (Target.HANDLE, Target.PARENT_HANDLE)
                found = self._scan_handle(text, target) if handle else self.scan(text, target)
                # another language's word in a name is mostly a name ("Muna" is Finnish slang
                # and a given name): other languages' lists read what people write, not names
                if target not in _TARGETS_WITH_LINES:
                    found = [f for f in found if f.label != OTHER_LANGUAGE]
                findings += found
                if target in _TARGETS_WITH_LINES:
                    for reading in hidden_readings(author_lines(text)):
                        findings += self.hidden(reading, target)
            results.append(findings)
        return results

    def _scan_handle(self, handle: str, target: Target) -> list[Finding]:
        """A handle read as words: separators are spaces ("white-power", "white_power"), and
        a run of two or more digits at a word's edge is a number of its own ("ana12240178",
        "kike88"), not letters in disguise (leetspeak is a digit among letters: "n1gg3r").
        Spans are on the handle as written."""
        text, offsets = _handle_words(handle)
        out = []
        for found in self.scan(text, target, inner=True, split=True):
            if found.span is not None:
                start, stop = found.span
                found = replace(found, span=(offsets[start], offsets[stop - 1] + 1))
            out.append(found)
        return out

    def hidden(
        self, reading: Hidden, target: Target, skip: frozenset[str] = frozenset()
    ) -> list[Finding]:
        """Grave terms the letters of `reading` spell: anywhere in them from four letters, or a
        shorter term when the letters spell it and nothing else ("Fun / At / Gardens")."""
        if not len(self._letters):
            return []
        findings = []
        seen: set[str] = set()
        for _, (key, term, _) in self._letters.iter(reading.letters):
            whole = key == reading.letters
            if (len(key) < _MIN_INNER_LEN and not whole) or term.text in skip:
                continue
            if term.text in seen:
                continue
            seen.add(term.text)
            findings.append(
                Finding(
                    screen=self.name,
                    label=term.label,
                    risk=min(term.risk, HIDDEN_RISK_CAP),
                    target=target,
                    span=None,
                    why=f"the {reading.where} spell {key!r}: {term.label} term "
                    f"{term.text!r} ({term.source})",
                )
            )
        return findings

    def scan(
        self,
        text: str,
        target: Target,
        *,
        inner: bool = False,
        min_len: int = 1,
        skip: frozenset[str] = frozenset(),
        labels: frozenset[str] | None = None,
        split: bool = False,
    ) -> list[Finding]:
        """Findings for one text. `inner` also finds grave terms inside run-together words;
        `split` reads run-together words as the words they spell (handles: see `matches`);
        `min_len` ignores shorter terms (for readings where short words occur by chance);
        `skip` ignores the listed terms (already judged elsewhere); `labels`, when given,
        keeps only terms with these labels."""
        findings = []
        for term, span in self.matches(text, inner=inner, min_len=min_len, split=split):
            if term.text in skip or (labels is not None and term.label not in labels):
                continue
            if term.label == OTHER_LANGUAGE and not self._applies(term, text):
                continue
            findings.append(
                Finding(
                    screen=self.name,
                    label=term.label,
                    risk=term.risk,
                    target=target,
                    span=span,
                    why=f"{term.label} term {term.text!r} ({term.source}) matches "
                    f"{text[span[0] : span[1]]!r}",
                )
            )
        return findings

    def _applies(self, term: Term, text: str) -> bool:
        """Whether another language's listed term counts in `text`: unless the text reads
        surely as one of the campaign's languages other than the term's ("a jazz trio" is
        English, and "trio" is only Spanish's word for a threesome), a person decides."""
        found = identify(text)
        if found is None or found[1] < CONFIDENCE:
            return True
        return found[0] == term.language or found[0] not in self._languages

    def matches(
        self, text: str, *, inner: bool = False, min_len: int = 1, split: bool = False
    ) -> list[tuple[Term, tuple[int, int]]]:
        """Each listed term found in `text`, with its span in the original text.

        With `split`, a word that runs others together is read as the words it spells: a term
        that is one or more of them counts whatever its label, and a grave term anywhere in it
        counts unless it lies inside a longer ordinary word (Scunthorpe)."""
        if not len(self._terms):
            return []
        found = []
        seen: set[tuple[str, tuple[int, int]]] = set()
        for canon in readings(text):
            haystack = canon.text
            allowed = (
                [(end - len(key) + 1, end + 1) for end, (key, *_) in self._allow.iter(haystack)]
                if len(self._allow)
                else []
            )
            for end, (key, term, plural) in self._terms.iter(haystack):
                start, stop = end - len(key) + 1, end + 1
                if len(key) < min_len:
                    continue
                bounded = _at_word_boundary(haystack, start, stop)
                if not bounded and term.label == OTHER_LANGUAGE and not plural:
                    # other languages inflect by endings ("neekeri-t", "kanake-n") and glue
                    # words together ("neekeri-nainen", "saatanan-mutakuono")
                    end = _inflected_end(haystack, start, stop)
                    bounded = end > 0 or _compounded(haystack, start, stop)
                    stop = end or stop
                # a plural inside a word is mostly chance ("mus|tards|eed"): the term itself is
                # what is searched for there
                grave = term.label in GRAVE and len(key) >= _MIN_INNER_LEN and not plural
                if split and not bounded:
                    bounded = at_word_edges(haystack, start, stop)
                    grave = grave and not inside_ordinary_word(haystack, start, stop)
                if not bounded and not (inner and grave):
                    continue
                if any(a <= start and stop <= b for a, b in allowed):
                    continue
                span = canon.span_in_original(start, stop)
                if (term.text, span) not in seen:
                    seen.add((term.text, span))
                    found.append((term, span))
        return found

    def terms_in(self, texts: Iterable[str]) -> frozenset[str]:
        """Every listed term that occurs anywhere in these texts, even inside words."""
        out: set[str] = set()
        for text in texts:
            for candidate in (text, _HANDLE_SEPARATORS.sub(" ", text)):
                for canon in readings(candidate):
                    out.update(term.text for _, (_, term, _) in self._terms.iter(canon.text))
        return frozenset(out) if len(self._terms) else frozenset()


def _automaton(entries: Iterable[tuple[str, Term]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, term in entries:
        key = key.strip()
        # a term that normalises to one or two letters ("xxx" -> "x") would match everywhere
        if len(key) < 3:
            continue
        automaton.add_word(key, (key, term, False))
        plural = normalize(term.plural).text if term.plural is not None else plural_of(key)
        if plural and plural not in automaton:
            automaton.add_word(plural, (plural, term, True))
    if len(automaton):
        automaton.make_automaton()
    return automaton


@functools.lru_cache(maxsize=4096)
def plural_of(word: str) -> str | None:
    """The plural of a one-word term ("spic" -> "spics", "sissy" -> "sissies"), by inflect's
    rules; none for phrases, whose plural is rarely the listed harm. The bundled terms carry
    theirs (scripts/build_lexicon.py): inflect is imported only for the campaign's own words."""
    if " " in word or not word.isalpha():
        return None
    plural = _inflect().plural_noun(word)
    return plural if isinstance(plural, str) and plural != word else None


@functools.cache
def _inflect() -> inflect.engine:
    import inflect

    return inflect.engine()


_EDGE_DIGITS = re.compile(r"(?<=[^\W\d_])\d{2,}(?![^\W\d_])|(?<![^\W\d_])\d{2,}(?=[^\W\d_])")


def _handle_words(handle: str) -> tuple[str, list[int]]:
    """The handle with separators as spaces and a space between a word and a number at its
    edge; with, for each character, where it stands in the handle."""
    text = _HANDLE_SEPARATORS.sub(" ", handle)
    chars: list[str] = []
    offsets: list[int] = []
    last = 0
    for m in _EDGE_DIGITS.finditer(text):
        chars.extend(text[last : m.start()])
        offsets.extend(range(last, m.start()))
        # the space stands where the number begins (or ends, for a number before a word)
        before_word = m.end() < len(text) and text[m.end()].isalpha()
        if not before_word:
            chars.append(" ")
            offsets.append(m.start())
        chars.extend(m.group())
        offsets.extend(range(m.start(), m.end()))
        if before_word:
            chars.append(" ")
            offsets.append(m.end() - 1)
        last = m.end()
    chars.extend(text[last:])
    offsets.extend(range(last, len(text)))
    return "".join(chars), offsets


_MIN_STEM = 5
_MAX_ENDING = 3


def _inflected_end(text: str, start: int, stop: int) -> int:
    """Where the word ends when [start, stop) begins a word and only an ending of up to three
    letters follows a stem of five or more; else 0."""
    if stop - start < _MIN_STEM or (start > 0 and text[start - 1].isalnum()):
        return 0
    end = stop
    while end < len(text) and text[end].isalnum():
        end += 1
    return end if 0 < end - stop <= _MAX_ENDING else 0


_MIN_COMPOUNDED = 6


def _compounded(text: str, start: int, stop: int) -> bool:
    """Whether [start, stop), six letters or more, begins or ends a longer word: the way
    Finnish, German or Dutch glue a word to another."""
    if stop - start < _MIN_COMPOUNDED:
        return False
    at_start = start == 0 or not text[start - 1].isalnum()
    at_end = stop == len(text) or not text[stop].isalnum()
    return at_start or at_end


def _only_letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def _at_word_boundary(text: str, start: int, stop: int) -> bool:
    before = start == 0 or not text[start - 1].isalnum()
    after = stop == len(text) or not text[stop].isalnum()
    return before and after
