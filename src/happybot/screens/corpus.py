"""Never-amplify screen: hold posts that reproduce a text the operator listed (in the real world,
extremist books and manifestos; the 2015 hijack fed one to a bot line by line).

Matching is on shingles of consecutive words of the canonical text, so obfuscation, case and
punctuation do not hide a passage. This is the exact-passage form; near-paraphrase and passages
split across several posts are the safety-gate issue's to add.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from happybot.errors import ConfigError
from happybot.models import Finding, Target, Trigger
from happybot.pipeline.normalize import normalize
from happybot.screens.base import ScreenContext

if TYPE_CHECKING:
    from happybot.config import Campaign

SHINGLE = 5  # words; shorter runs of words are common to too many texts
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Source:
    path: str
    line: int


class CorpusScreen:
    name = "corpus"

    def __init__(self, campaign: Campaign | None = None, paths: Iterable[str | Path] = ()) -> None:
        files = [campaign.path(p) for p in campaign.never_amplify] if campaign is not None else []
        files += [Path(p) for p in paths]
        self._index: dict[tuple[str, ...], Source] = {}
        for path in files:
            self._add(path)

    def __len__(self) -> int:
        return len(self._index)

    def _add(self, path: Path) -> None:
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(f"never_amplify: cannot read {path}: {exc.strerror or exc}") from exc
        # words run on across line breaks: a passage may be posted with other breaks
        words: list[tuple[str, int]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            words += [(w, number) for w in _WORD.findall(normalize(line).text)]
        for i in range(len(words) - SHINGLE + 1):
            key = tuple(w for w, _ in words[i : i + SHINGLE])
            self._index.setdefault(key, Source(path.name, words[i][1]))

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results: list[list[Finding]] = []
        for trigger in batch:
            findings = []
            if self._index:
                for target in (Target.POST, Target.PARENT):
                    text = trigger.text_of(target)
                    if text:
                        findings += self._scan(text, target)
            results.append(findings)
        return results

    def _scan(self, text: str, target: Target) -> list[Finding]:
        canon = normalize(text)
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(canon.text)]
        hits = [
            (i, self._index[key])
            for i in range(len(words) - SHINGLE + 1)
            if (key := tuple(w for w, _, _ in words[i : i + SHINGLE])) in self._index
        ]
        if not hits:
            return []
        first, source = hits[0]
        last = hits[-1][0] + SHINGLE - 1
        matched = last - first + 1
        span = canon.span_in_original(words[first][1], words[last][2])
        # one shingle can be a coincidence; longer runs cannot
        risk = 0.95 if len(hits) > 1 else 0.7
        return [
            Finding(
                self.name,
                "never-amplify",
                risk,
                target,
                span,
                f"reproduces {matched} words of {source.path} (from line {source.line})",
            )
        ]
