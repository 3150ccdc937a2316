"""Language: the word lists and models read some languages only; a post in another language is
unscreened text, so it goes to a person (identified by `text.language`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from happybot.models import Finding, Post, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.language import CONFIDENCE, identify

if TYPE_CHECKING:
    from happybot.config import Campaign


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
