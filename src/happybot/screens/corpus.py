"""Never-amplify screen: hold posts that reproduce a text the operator listed (in the real world,
extremist books and manifestos; the 2015 hijack fed one to a bot line by line).

Four checks, all on the canonical text (so obfuscation, case and punctuation hide nothing):
- exact passages: shingles of five consecutive words;
- passages reworded a little: MinHash/LSH (datasketch) over word pairs of overlapping windows of
  the corpus finds candidates, then the share of the post's word pairs found in a window decides;
- a passage split across several posts of one author: the author's recent posts joined with
  this one are checked for exact passages the posts do not hold on their own;
- a passage hidden in the first letters of the author's lines or words (`text.acrostic`): twelve
  letters in a row of the corpus, read letters only.

The index is cached on disk, keyed by the files' contents and the normalisation version, and
rebuilt when a file changes.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from datasketch import MinHash, MinHashLSH

from happybot.config import cache_dir
from happybot.errors import ConfigError
from happybot.models import Finding, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.acrostic import author_lines, hidden_readings
from happybot.text.normalize import NORMALIZE_VERSION, WORD, normalize, words_of

if TYPE_CHECKING:
    from happybot.config import Campaign

log = logging.getLogger(__name__)

SHINGLE = 5  # words; shorter runs of words are common to too many texts
WINDOW_WORDS, WINDOW_STRIDE = 16, 8
NUM_PERM, LSH_THRESHOLD = 64, 0.25
NEAR_SHARE = 0.55  # of the post's word pairs found in one window (or line) of the corpus
NEAR_MIN_PAIRS = 5
SPLIT_POSTS = 5  # an author's recent posts joined for the split check
SPLIT_WINDOW = timedelta(hours=1)
INDEX_VERSION = 3
HIDDEN_LETTERS = 12  # letters in a row of the corpus that a hidden reading must hold
# drawn once: making them is most of the cost of a MinHash of a short post
_TEMPLATE = MinHash(num_perm=NUM_PERM)


def pairs(words: Sequence[str]) -> set[str]:
    return {f"{a} {b}" for a, b in pairwise(words)}


@dataclass
class CorpusIndex:
    """Exact shingles and near-duplicate windows of the never-amplify texts."""

    key: str
    shingles: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)
    windows: list[tuple[str, int, frozenset[str]]] = field(default_factory=list)
    # every word pair of the corpus: a post sharing fewer than NEAR_MIN_PAIRS with all of it
    # cannot share them with one window, and needs no MinHash (most posts: the cheap answer)
    all_pairs: frozenset[str] = frozenset()
    # every line's letters, lines apart: what an acrostic of the corpus would spell
    letters: str = ""
    lsh: MinHashLSH = field(default_factory=lambda: MinHashLSH(LSH_THRESHOLD, NUM_PERM))

    @classmethod
    def build(cls, files: Sequence[Path], key: str) -> CorpusIndex:
        index = cls(key)
        for path in files:
            text = path.read_text("utf-8", errors="replace")
            # words run on across line breaks: a passage may be posted with other breaks
            words: list[tuple[str, int]] = []
            for number, line in enumerate(text.splitlines(), start=1):
                line_words = words_of(normalize(line).text)
                index.letters += "".join(c for w in line_words for c in w if c.isalpha()) + "|"
                words += [(w, number) for w in line_words]
                if len(line_words) >= 3:  # a line (a sentence, a verse) is a window of its own
                    index.windows.append((path.name, number, frozenset(pairs(line_words))))
            for i in range(len(words) - SHINGLE + 1):
                shingle = tuple(w for w, _ in words[i : i + SHINGLE])
                index.shingles.setdefault(shingle, (path.name, words[i][1]))
            for start in range(0, max(1, len(words) - WINDOW_WORDS + WINDOW_STRIDE), WINDOW_STRIDE):
                chunk = words[start : start + WINDOW_WORDS]
                if len(chunk) >= 3:
                    index.windows.append(
                        (path.name, chunk[0][1], frozenset(pairs([w for w, _ in chunk])))
                    )
        index.all_pairs = frozenset().union(*(w[2] for w in index.windows))
        hashes = MinHash.bulk(
            [[p.encode() for p in w[2]] for w in index.windows], num_perm=NUM_PERM
        )
        with index.lsh.insertion_session() as session:
            for number, minhash in enumerate(hashes):
                session.insert(number, minhash)
        return index

    def exact(self, words: Sequence[str]) -> list[tuple[int, tuple[str, int]]]:
        """(word position, source) of every shingle of `words` found in the corpus."""
        return [
            (i, self.shingles[key])
            for i in range(len(words) - SHINGLE + 1)
            if (key := tuple(words[i : i + SHINGLE])) in self.shingles
        ]

    def hidden(self, letters: str) -> int | None:
        """Where in `letters` (a hidden reading) twelve letters of the corpus in a row begin."""
        for start in range(len(letters) - HIDDEN_LETTERS + 1):
            if letters[start : start + HIDDEN_LETTERS] in self.letters:
                return start
        return None

    def near(self, words: Sequence[str]) -> tuple[float, tuple[str, int]] | None:
        """The best share of the post's word pairs found in one window, when it is high."""
        mine = pairs(words)
        if len(mine) < NEAR_MIN_PAIRS or len(mine & self.all_pairs) < NEAR_MIN_PAIRS:
            return None
        query = MinHash(
            num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme
        )
        query.update_batch([p.encode() for p in mine])
        best: tuple[float, tuple[str, int]] | None = None
        for number in self.lsh.query(query):
            source, line, window = self.windows[number]
            shared = len(mine & window)
            share = shared / min(len(mine), len(window))
            if (
                shared >= NEAR_MIN_PAIRS
                and share >= NEAR_SHARE
                and (best is None or share > best[0])
            ):
                best = (share, (source, line))
        return best


def load_index(files: Sequence[Path]) -> CorpusIndex:
    """The index of these files, from the disk cache when none of them changed."""
    digest = hashlib.sha256(f"{INDEX_VERSION}|{NORMALIZE_VERSION}|{SHINGLE}".encode())
    for path in files:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError as exc:
            raise ConfigError(f"never_amplify: cannot read {path}: {exc.strerror or exc}") from exc
    key = digest.hexdigest()
    cached = cache_dir() / f"corpus-{key[:32]}.pickle"
    if cached.exists():
        try:
            with cached.open("rb") as handle:
                index = pickle.load(handle)
            if isinstance(index, CorpusIndex) and index.key == key:
                return index
        except Exception:  # a damaged cache is rebuilt, never trusted
            log.warning("corpus cache %s is unreadable; rebuilding it", cached)
    index = CorpusIndex.build(files, key)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cached)
    except OSError as exc:
        log.warning("could not cache the corpus index in %s: %s", cached.parent, exc)
    return index


class CorpusScreen:
    name = "corpus"

    def __init__(self, campaign: Campaign | None = None, paths: Iterable[str | Path] = ()) -> None:
        files = [campaign.path(p) for p in campaign.never_amplify] if campaign is not None else []
        files += [Path(p) for p in paths]
        self.index = load_index(files) if files else None

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results: list[list[Finding]] = []
        for trigger in batch:
            findings: list[Finding] = []
            if self.index is not None:
                # a display name holds up to 64 characters: a line of a book fits
                for target in (
                    Target.POST,
                    Target.PARENT,
                    Target.DISPLAY_NAME,
                    Target.PARENT_DISPLAY_NAME,
                ):
                    text = trigger.text_of(target)
                    if text:
                        findings += self._scan(self.index, text, target)
                if not any(f.risk >= 0.9 for f in findings):
                    findings += self._split(self.index, trigger, ctx)
                if not findings:
                    findings += self._hidden(self.index, trigger)
            results.append(findings)
        return results

    def _scan(self, index: CorpusIndex, text: str, target: Target) -> list[Finding]:
        canon = normalize(text)
        found = list(WORD.finditer(canon.text))
        words = [m.group() for m in found]
        hits = index.exact(words)
        if hits:
            first, (source, line) = hits[0]
            last = hits[-1][0] + SHINGLE - 1
            span = canon.span_in_original(found[first].start(), found[last].end())
            # one shingle can be a coincidence; longer runs cannot
            risk = 0.95 if len(hits) > 1 else 0.7
            why = f"reproduces {last - first + 1} words of {source} (from line {line})"
            return [Finding(self.name, "never-amplify", risk, target, span, why)]
        near = index.near(words)
        if near is not None:
            share, (source, line) = near
            span = canon.span_in_original(found[0].start(), found[-1].end())
            why = f"rewords a passage of {source} (near line {line}): {share:.0%} of its word pairs"
            return [Finding(self.name, "never-amplify-reworded", 0.8, target, span, why)]
        return []

    def _hidden(self, index: CorpusIndex, trigger: Trigger) -> list[Finding]:
        for target in (Target.POST, Target.PARENT):
            text = trigger.text_of(target)
            for reading in hidden_readings(author_lines(text)) if text else ():
                at = index.hidden(reading.letters)
                if at is not None:
                    shown = reading.letters[at : at + HIDDEN_LETTERS]
                    why = f"the {reading.where} spell {shown!r}…, a passage of the corpus"
                    return [Finding(self.name, "never-amplify-hidden", 0.8, target, None, why)]
        return []

    def _split(self, index: CorpusIndex, trigger: Trigger, ctx: ScreenContext) -> list[Finding]:
        """A passage fed a few words per post: join the author's recent posts with this one."""
        earlier = [
            p.canonical_text
            for p in ctx.history.posts_by_author(
                trigger.post.author.handle, ctx.now - SPLIT_WINDOW, trigger.key
            )
        ][:SPLIT_POSTS]
        if not earlier:
            return []
        mine = words_of(normalize(trigger.art_text).text)
        before = [w for text in reversed(earlier) for w in words_of(text)]
        hits = [(i, src) for i, src in index.exact(before + mine) if i + SHINGLE > len(before)]
        if len(hits) < 2 or len(index.exact(mine)) >= 2:
            return []
        source, line = hits[0][1]
        return [
            Finding(
                self.name,
                "never-amplify-split",
                0.95,
                Target.PARENT if trigger.parent else Target.POST,
                None,
                f"with this author's {len(earlier)} earlier post(s) it reproduces a passage of "
                f"{source} (from line {line})",
            )
        ]
