"""Render a trigger into the picture and reply text that would be published.

Done before review, so a reviewer approves the exact picture (by its hash) that is posted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from happybot.art.draw import drawable, render_for_campaign
from happybot.models import Artwork, BotAccount, Finding, Trigger
from happybot.pipeline.output_screen import screen_output_parts
from happybot.text.language import CONFIDENCE, identify
from happybot.text.mentions import without_addressing

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.screens.lexicon import LexiconScreen


def reply_text(trigger: Trigger, campaign: Campaign) -> str:
    """The reply's words: a campaign template, chosen reproducibly per trigger, in the post's
    language where the campaign wrote templates for it. It names the person who used the
    hashtag, never the parent's author."""
    templates = campaign.reply.templates
    by_language = campaign.reply.by_language
    if by_language:
        lang = post_language(trigger)
        templates = by_language.get(lang, templates) if lang else templates
    pick = hashlib.sha256(trigger.key.encode()).digest()[0] % len(templates)
    return templates[pick].format(handle=trigger.post.author.handle, hashtag=campaign.hashtag)


def post_language(trigger: Trigger) -> str | None:
    """The language the person wrote in: the post's declared language, else the words drawn
    when identified surely (a bare hashtag under a Finnish post is answered in Finnish)."""
    if trigger.post.langs:
        return trigger.post.langs[0].split("-")[0].lower()
    found = identify(trigger.art_text)
    return found[0] if found and found[1] >= CONFIDENCE else None


def art_words(trigger: Trigger, campaign: Campaign, bot: BotAccount | None = None) -> str:
    """The words to draw, without the campaign hashtag itself (the footer carries it) and the
    mentions that only say whom the post is for ("@brand", "#MakeItHappy @brand")."""
    words = [
        w
        for w in without_addressing(trigger.art_text, bot.is_me if bot else None).split()
        if w.lower().rstrip(".,!?") != campaign.hashtag.lower()
    ]
    return " ".join(words)


def has_content(trigger: Trigger, campaign: Campaign, bot: BotAccount | None = None) -> bool:
    """Whether the words to draw hold anything a picture can show: an empty post, spaces, emoji
    or invisible characters alone would be published as a blank shape."""
    return bool(drawable(art_words(trigger, campaign, bot)).strip())


def render(
    trigger: Trigger, campaign: Campaign, attempt: int = 0, bot: BotAccount | None = None
) -> tuple[Artwork, str]:
    # another attempt is another seed: another shape, so other rows and columns
    seed = trigger.key if attempt == 0 else f"{trigger.key}#redraw-{attempt}"
    artwork = render_for_campaign(art_words(trigger, campaign, bot), campaign, seed=seed)
    return artwork, reply_text(trigger, campaign)


# drawings tried when only the layout spelt what the output screen found
REDRAWS = 4


def render_screened(
    trigger: Trigger, campaign: Campaign, lexicon: LexiconScreen, bot: BotAccount | None = None
) -> tuple[Artwork, str, list[Finding]]:
    """The picture and reply, read back by the output screen. A word that the layout made by
    chance (letters of rows or columns the person never wrote) is the renderer's fault: it draws
    again with another layout, and only a text that no drawing shows cleanly keeps its first
    drawing and goes to people with what was found."""
    inputs = [text for _, text in trigger.texts()]
    first: tuple[Artwork, str, list[Finding]] | None = None
    for attempt in range(REDRAWS):
        artwork, reply = render(trigger, campaign, attempt, bot)
        found, layout_only = screen_output_parts(artwork, reply, lexicon, inputs)
        if not found:
            return artwork, reply, found
        first = first or (artwork, reply, found)
        if not layout_only:
            return first  # the words themselves hold it: no other drawing changes that
    assert first is not None
    return first


def idempotency_key(trigger_key: str, hashtag: str) -> str:
    """Derived from the trigger, so every retry of one reply carries the same key."""
    return hashlib.sha256(f"{hashtag.lower()}|{trigger_key}".encode()).hexdigest()[:32]
