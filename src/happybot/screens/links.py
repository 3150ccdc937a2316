"""Links and @-mentions: the bot would draw them into a picture posted in the brand's voice
(a link to anywhere, a name dragged into a stranger's reply), so a person decides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from happybot.models import Finding, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.mentions import MENTION, addressing_spans

if TYPE_CHECKING:
    from happybot.config import Campaign

_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|ly|me|"
    r"info|xyz|ru|uk|de|gg|tv|app|link|site|online|top|biz)(?:/\S*)?\b"
)


class LinksScreen:
    name = "links"

    def __init__(self, campaign: Campaign | None = None) -> None:
        pass  # nothing to configure yet; screens are built with the campaign

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results = []
        for trigger in batch:
            findings = []
            for target in (Target.POST, Target.PARENT):
                text = trigger.text_of(target)
                if not text:
                    continue
                for m in _LINK.finditer(text):
                    findings.append(
                        Finding(
                            self.name,
                            "link",
                            0.5,
                            target,
                            m.span(),
                            f"a link would be drawn into the picture: {m.group()!r}",
                        )
                    )
                addressing = addressing_spans(text, ctx.bot.is_me if ctx.bot else None)
                for m in MENTION.finditer(text):
                    if m.span() in addressing:
                        continue  # whom the post is for ("@brand", "#MakeItHappy @brand")
                    findings.append(
                        Finding(
                            self.name,
                            "mention",
                            0.5,
                            target,
                            m.span(),
                            f"mentions {m.group()}: the reply would drag them in",
                        )
                    )
            results.append(findings)
        return results
