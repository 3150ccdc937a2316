"""Media the bot cannot read (pictures, video) goes to a person: a harmless caption can carry a
hateful image, and the reply would appear under it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from happybot.models import Finding, Target, Trigger
from happybot.screens.base import ScreenContext

if TYPE_CHECKING:
    from happybot.config import Campaign


class MediaScreen:
    name = "media"

    def __init__(self, campaign: Campaign | None = None) -> None:
        pass  # nothing to configure yet; screens are built with the campaign

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results = []
        for trigger in batch:
            findings = []
            for target, post in ((Target.POST, trigger.post), (Target.PARENT, trigger.parent)):
                if post is not None and post.media:
                    kinds = sorted({str(m.get("type", "media")) for m in post.media})
                    findings.append(
                        Finding(
                            self.name,
                            "unreadable-media",
                            0.5,
                            target,
                            None,
                            f"carries {len(post.media)} item(s) of "
                            f"{', '.join(kinds)} the screens cannot read",
                        )
                    )
            results.append(findings)
        return results
