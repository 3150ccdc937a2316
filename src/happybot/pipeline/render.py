"""Render a trigger into the picture and reply text that would be published.

Done before review, so a reviewer approves the exact picture (by its hash) that is posted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from happybot.art.draw import render_art
from happybot.models import Artwork, Trigger

if TYPE_CHECKING:
    from happybot.config import Campaign


def reply_text(trigger: Trigger, campaign: Campaign) -> str:
    """The reply's words: a campaign template, chosen reproducibly per trigger. It names the
    person who used the hashtag, never the parent's author."""
    templates = campaign.reply.templates
    pick = hashlib.sha256(trigger.key.encode()).digest()[0] % len(templates)
    return templates[pick].format(handle=trigger.post.author.handle, hashtag=campaign.hashtag)


def art_words(trigger: Trigger, campaign: Campaign) -> str:
    """The words to draw, without the campaign hashtag itself (the footer carries it)."""
    words = [
        w for w in trigger.art_text.split() if w.lower().rstrip(".,!?") != campaign.hashtag.lower()
    ]
    return " ".join(words)


def render(trigger: Trigger, campaign: Campaign) -> tuple[Artwork, str]:
    art = campaign.art
    footer = campaign.hashtag + (f" · {campaign.brand_line}" if campaign.brand_line else "")
    artwork = render_art(
        art_words(trigger, campaign),
        shapes=tuple(art.shapes),
        seed=trigger.key,
        width=art.width,
        height=art.height,
        background=art.palette.background,
        ink=tuple(art.palette.ink),
        footer_colour=art.palette.footer,
        footer=footer,
    )
    return artwork, reply_text(trigger, campaign)


def idempotency_key(trigger_key: str, hashtag: str) -> str:
    """Derived from the trigger, so every retry of one reply carries the same key."""
    return hashlib.sha256(f"{hashtag.lower()}|{trigger_key}".encode()).hexdigest()[:32]
