"""Render a trigger into the picture and reply text that would be published.

Done before review, so a reviewer approves the exact picture (by its hash) that is posted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from happybot.art.draw import drawable, render_for_campaign
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


def has_content(trigger: Trigger, campaign: Campaign) -> bool:
    """Whether the words to draw hold anything a picture can show: an empty post, spaces, emoji
    or invisible characters alone would be published as a blank shape."""
    return bool(drawable(art_words(trigger, campaign)).strip())


def render(trigger: Trigger, campaign: Campaign) -> tuple[Artwork, str]:
    artwork = render_for_campaign(art_words(trigger, campaign), campaign, seed=trigger.key)
    return artwork, reply_text(trigger, campaign)


def idempotency_key(trigger_key: str, hashtag: str) -> str:
    """Derived from the trigger, so every retry of one reply carries the same key."""
    return hashlib.sha256(f"{hashtag.lower()}|{trigger_key}".encode()).hexdigest()[:32]
