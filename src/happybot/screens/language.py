"""Language: the word lists and models read some languages only; a post in another language is
unscreened text, so it goes to a person. Identification by py3langid, whose model ships in the
package (no download)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from happybot.models import Finding, Post, Target, Trigger
from happybot.screens.base import ScreenContext

if TYPE_CHECKING:
    from happybot.config import Campaign

MIN_LETTERS = 12  # shorter texts are guessed, not identified
CONFIDENCE = 0.9
_NOISE = re.compile(r"(?:https?://\S+|[#@]\w[\w.-]*)")


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float] | None:
    """(language, probability), or None when the text is too short to tell."""
    clean = _NOISE.sub(" ", text)
    if sum(c.isalpha() for c in clean) < MIN_LETTERS:
        return None
    lang, prob = _identifier().classify(clean)
    return str(lang), float(prob)


class LanguageScreen:
    name = "language"

    def __init__(self, campaign: Campaign | None = None) -> None:
        self.covered = frozenset(campaign.languages if campaign is not None else ["en"])

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results = []
        for trigger in batch:
            findings = []
            for target, post in ((Target.POST, trigger.post), (Target.PARENT, trigger.parent)):
                why = self._uncovered(post) if post is not None else None
                if why:
                    findings.append(
                        Finding(
                            self.name,
                            "uncovered-language",
                            0.5,
                            target,
                            None,
                            f"{why}, not one the screens read ({', '.join(sorted(self.covered))})",
                        )
                    )
            results.append(findings)
        return results

    def _uncovered(self, post: Post) -> str | None:
        """Why the post is in a language the screens do not read, or None."""
        declared = [lang.split("-")[0].lower() for lang in post.langs]
        # a declared language the screens do not read is enough; a covered one is still checked,
        # since the author declares it
        if declared and not self.covered.intersection(declared):
            return f"declared language {', '.join(declared)}"
        found = identify(post.text)
        if found and found[0] not in self.covered and found[1] >= CONFIDENCE:
            return f"reads as {found[0]} ({found[1]:.0%})"
        return None
