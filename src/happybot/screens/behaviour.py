"""Behaviour screen: who is posting and how, not what the words say.

The historical hijack came from a brand-new account replying to its own lines; coordinated
groups post near-duplicates from several accounts. Facts the network did not give us (account
age unknown) count as risky, never as safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from happybot.config import BehaviourSettings
from happybot.history import WINDOW
from happybot.models import Author, Finding, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.normalize import normalize
from happybot.text.similarity import similarity

if TYPE_CHECKING:
    from datetime import datetime

    from happybot.config import Campaign


class BehaviourScreen:
    name = "behaviour"

    def __init__(self, campaign: Campaign | None = None) -> None:
        self.settings = campaign.behaviour if campaign is not None else BehaviourSettings()

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        return [self._check_one(trigger, ctx) for trigger in batch]

    def _check_one(self, trigger: Trigger, ctx: ScreenContext) -> list[Finding]:
        s = self.settings
        author = trigger.post.author
        findings: list[Finding] = []

        def add(label: str, risk: float, why: str, target: Target = Target.ACCOUNT) -> None:
            findings.append(Finding(self.name, label, risk, target, None, why))

        young = _is_young(author, ctx.now, s.min_account_age_days)
        if author.created_at is None:
            add("account-age-unknown", 0.5, f"@{author.handle}: account age is unknown")
        elif young:
            days = (ctx.now - author.created_at).total_seconds() / 86400
            add("new-account", 0.6, f"@{author.handle}: account is {days:.1f} days old")
        if author.posts is not None and author.posts <= 1:
            add("first-post", 0.6, f"@{author.handle}: this is the account's first post")

        parent = trigger.parent
        if parent is None and trigger.post.reply_to_id:
            add(
                "parent-unavailable",
                0.6,
                "this post replies to a post that could not be read, so the words to draw are "
                "not the ones the person pointed at",
                Target.PARENT,
            )
        if parent is not None and parent.author.handle.lower() == author.handle.lower():
            if young:
                add(
                    "self-reply-new-account",
                    0.95,
                    f"@{author.handle} replies with the hashtag to its own post from a new "
                    "account: the pattern of the historical hijack",
                )
            else:
                add("self-reply", 0.5, f"@{author.handle} replies with the hashtag to itself")
        elif parent is not None and _is_young(parent.author, ctx.now, s.min_account_age_days):
            add(
                "parent-new-account",
                0.4,
                f"the post to draw is by @{parent.author.handle}, a new or unknown account",
            )

        since = ctx.now - WINDOW
        count = len(ctx.history.posts_by_author(author.handle, since, trigger.key))
        if count >= s.max_posts_per_hour:
            add(
                "author-rate",
                0.6,
                f"@{author.handle} posted {count} earlier times within an hour "
                f"(limit {s.max_posts_per_hour})",
            )
        burst = len(
            ctx.history.recent_posts(ctx.now - timedelta(minutes=s.burst_minutes), trigger.key)
        )
        if burst >= s.burst_posts:
            add(
                "campaign-burst",
                0.5,
                f"{burst} posts reached the campaign within {s.burst_minutes:g} minutes "
                f"(limit {s.burst_posts}): a raid or a bot farm looks like this",
            )
        rejected = ctx.history.rejected_by_author(author.handle)
        if rejected >= s.author_rejects_limit:
            add(
                "author-rejected-before",
                0.95,
                f"@{author.handle} already has {rejected} rejected posts",
            )

        # Coordination is near-duplicates from several accounts *at once*: people who are not
        # coordinated do say "my train is late again" within the same hour, but rarely three
        # of them within a few minutes (measured on simulated traffic: 0.4-0.9 % of ordinary
        # posts inside 3 minutes, 23 % inside an hour).
        canon = normalize(trigger.art_text).text
        others = {
            recent.author.lower()
            for recent in ctx.history.recent_posts(
                ctx.now - timedelta(minutes=s.duplicate_minutes), trigger.key
            )
            if recent.author.lower() != author.handle.lower()
            and similarity(canon, recent.canonical_text) >= s.duplicate_similarity
        }
        if len(others) + 1 >= s.duplicate_authors:
            add(
                "coordination",
                0.7,
                f"near-duplicate of posts by {len(others)} other accounts within "
                f"{s.duplicate_minutes:g} minutes: "
                + ", ".join(f"@{h}" for h in sorted(others)[:5]),
                Target.PARENT if trigger.parent else Target.POST,
            )
        return findings


def _is_young(author: Author, now: datetime, min_days: float) -> bool:
    if author.created_at is None:
        return True
    return now - author.created_at < timedelta(days=min_days)
