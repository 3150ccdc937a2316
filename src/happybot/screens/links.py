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
        self._deny = tuple(campaign.links.deny) if campaign is not None else ()
        # a denied domain is found written bare too, whatever its top-level domain
        self._bare = (
            re.compile(
                r"(?i)(?<![\w.-])(?:[a-z0-9-]+\.)*(?:"
                + "|".join(re.escape(d) for d in self._deny)
                + r")\b(?:/\S*)?"
            )
            if self._deny
            else None
        )

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results = []
        for trigger in batch:
            findings = []
            for target in (Target.POST, Target.PARENT):
                text = trigger.text_of(target)
                if not text:
                    continue
                for m in self._links(text):
                    denied = self._denied(m.group())
                    if denied:
                        why = f"links to {denied}, on the campaign's deny list: {m.group()!r}"
                        findings.append(
                            Finding(self.name, "denied-link", 1.0, target, m.span(), why)
                        )
                        continue
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
            # a name is not drawn, so its link reaches nobody through the bot: only a link
            # into a denied domain counts there ("visit hate-site.example" as a display name)
            for target in (Target.DISPLAY_NAME, Target.PARENT_DISPLAY_NAME):
                text = trigger.text_of(target)
                for m in self._links(text) if text else ():
                    denied = self._denied(m.group())
                    if denied:
                        why = f"the name links to {denied}, on the campaign's deny list"
                        findings.append(
                            Finding(self.name, "denied-link", 1.0, target, m.span(), why)
                        )
            results.append(findings)
        return results

    def _links(self, text: str) -> list[re.Match[str]]:
        links = list(_LINK.finditer(text))
        if self._bare is not None:
            seen = [m.span() for m in links]
            links += [
                m for m in self._bare.finditer(text) if not any(a <= m.start() < b for a, b in seen)
            ]
        return links

    def _denied(self, link: str) -> str | None:
        """The denied domain `link` points into, if any (a subdomain counts)."""
        host = _host(link)
        for domain in self._deny:
            if host == domain or host.endswith("." + domain):
                return domain
        return None


def _host(link: str) -> str:
    rest = re.sub(r"(?i)^https?://", "", link)
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0].lower().rstrip(".")
    return host.split("@")[-1].removeprefix("www.")
