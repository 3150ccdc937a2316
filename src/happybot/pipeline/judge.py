"""From findings to the final verdict: policy, then the picture and the output screen.

Shared by the runner and `happybot screen`, so what the CLI shows is what the bot would do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from happybot.config import Policy
from happybot.models import Artwork, BotAccount, Decision, Finding, Target, Trigger, Verdict
from happybot.pipeline.decide import decide, graver
from happybot.pipeline.output_screen import SCREEN as OUTPUT_SCREEN
from happybot.pipeline.render import has_content, render_screened
from happybot.pipeline.screen import RENDER_ERROR
from happybot.screens.lexicon import LexiconScreen

if TYPE_CHECKING:
    from happybot.config import Campaign

log = logging.getLogger(__name__)

NOTHING_TO_DRAW = (
    "no reply: the words hold nothing a picture can show (empty, spaces, emoji or invisible "
    "characters alone)"
)


@dataclass(frozen=True)
class Judgement:
    findings: tuple[Finding, ...]
    verdict: Verdict  # from the input screens
    artwork: Artwork | None  # None when rejected before drawing, or the drawing failed
    reply: str
    output_findings: tuple[Finding, ...]
    output_verdict: Verdict | None
    final: Verdict
    # the words hold nothing a picture can show (empty, spaces, emoji, invisible characters):
    # no picture, so no reply
    nothing_to_draw: bool = False


def judge(
    trigger: Trigger,
    findings: Sequence[Finding],
    campaign: Campaign,
    policy: Policy,
    lexicon: LexiconScreen,
    bot: BotAccount | None = None,
) -> Judgement:
    verdict = decide(findings, policy)
    artwork, reply = None, ""
    out: list[Finding] = []
    out_verdict: Verdict | None = None
    empty = False
    if verdict.decision is not Decision.REJECT:
        try:
            empty = not has_content(trigger, campaign, bot)
            if not empty:
                artwork, reply, out = render_screened(trigger, campaign, lexicon, bot)
        except Exception as exc:  # a picture we cannot draw or read back is never published
            log.warning("render failed for %s: %s: %s", trigger.key, type(exc).__name__, exc)
            log.debug("render failure of %s", trigger.key, exc_info=True)
            artwork = None
            out = [
                Finding(
                    OUTPUT_SCREEN,
                    RENDER_ERROR,
                    1.0,
                    Target.PICTURE,
                    None,
                    f"could not draw the picture: {type(exc).__name__}: {exc}",
                )
            ]
        if out:
            out_verdict = decide(out, policy)
    final = _combine(verdict, out_verdict)
    nothing = empty and not out
    if nothing and final.decision is Decision.PUBLISH:
        final = Verdict(Decision.PUBLISH, (NOTHING_TO_DRAW,))
    return Judgement(
        tuple(findings), verdict, artwork, reply, tuple(out), out_verdict, final, nothing
    )


def _combine(first: Verdict, second: Verdict | None) -> Verdict:
    if second is None or second.decision is Decision.PUBLISH:
        return first
    decision = graver(first.decision, second.decision)
    reasons = [r for r in first.reasons if not r.startswith("publish:")]
    reasons += [f"output screen: {r}" for r in second.reasons]
    return Verdict(decision, tuple(reasons))
