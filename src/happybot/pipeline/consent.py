"""Whether the bot may answer a post at all, before anything about it is stored or judged.

Bluesky asks bots to "only interact … if the user has tagged the bot account"; Mastodon
servers and X ask the same of automated replies. So a post is answered only when its author
asked (the hashtag, and under `reply_when: mentioned` a mention of the bot or a reply to it),
has not turned the bot away (a "stop", a block, the campaign's opt-out list) and the post is
recent (on a live network: a replay is history by design). Pure: the runner gathers the facts
from the store. The day's share of replies per person is counted where a reply is queued
(`publish.route`), so that every post is still screened and seen by the breaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from happybot.config import EtiquetteSettings
from happybot.errors import ConfigError
from happybot.models import BotAccount, ReplyWhen, Trigger
from happybot.platforms.base import Withdrawal
from happybot.store import queries
from happybot.text.hashtags import uses_hashtag

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from happybot.store.db import Store

# a stop is a short message: "stop", "please stop!", "STOP replying to me"; a longer one
# that merely contains the word is conversation
STOP_MAX_WORDS = 6
_NOT_WORDS = re.compile(r"(?:[@#][\w.:-]+|https?://\S+|[^\w\s'-]|(?<!\w)-|-(?!\w))")
# "don't stop!" is praise, not a request
_NEGATIONS = ("don't", "dont", "do not", "never", "not", "no need to")


class Answer(StrEnum):
    ASK = "ask"  # screen it, and answer if it is safe
    IGNORE = "ignore"  # not for the campaign: not stored, not audited (a count only)
    STOP = "stop"  # its author opts out of every later reply
    DECLINE = "decline"  # for the campaign, but not answered (audited with the reason)


@dataclass(frozen=True)
class Consent:
    answer: Answer
    reason: str


@dataclass(frozen=True)
class Facts:
    """What the store knows of the post's author."""

    opted_out: bool


def is_stop(text: str, stop_words: list[str]) -> bool:
    """Whether `text` (mentions, hashtags and links aside) is a short request to stop."""
    words = _NOT_WORDS.sub(" ", text).casefold().split()
    if not words or len(words) > STOP_MAX_WORDS:
        return False
    said = f" {' '.join(words)} "
    return any(
        f" {phrase} " in said and not any(f" {no} {phrase} " in said for no in _NEGATIONS)
        for phrase in stop_words
    )


def consider(
    trigger: Trigger,
    *,
    tag: str,
    reply_when: ReplyWhen,
    bot: BotAccount | None,
    live: bool,
    etiquette: EtiquetteSettings,
    facts: Facts,
    now: datetime,
) -> Consent:
    post = trigger.post
    author = post.author
    if bot is not None and (bot.is_me(author.id) or bot.is_me(author.handle)):
        return Consent(Answer.IGNORE, "the bot's own post")
    addressed = bot is not None and bot.addressed_by(post)
    tagged = uses_hashtag(post.text, post.tags, tag)
    if addressed and not tagged and is_stop(post.text, etiquette.stop_words):
        return Consent(Answer.STOP, "asked the bot to stop")
    if not tagged:
        return Consent(Answer.IGNORE, "no campaign hashtag")
    if reply_when is ReplyWhen.MENTIONED and not addressed:
        return Consent(
            Answer.IGNORE, "does not mention the bot or answer it (reply_when: mentioned)"
        )
    if facts.opted_out:
        return Consent(Answer.DECLINE, "its author opted out")
    if live and post.created_at is not None:
        oldest = now - timedelta(minutes=etiquette.max_post_age_minutes)
        start = etiquette.starts_at
        if start is not None and post.created_at < start:
            return Consent(Answer.DECLINE, "posted before the campaign started")
        if post.created_at < oldest:
            return Consent(
                Answer.DECLINE,
                f"older than max_post_age_minutes ({etiquette.max_post_age_minutes:g})",
            )
    return Consent(Answer.ASK, "asked")


def read_opt_out_file(path: Path) -> list[str]:
    """The handles of the campaign's opt-out list: one per line, '@' optional, '#' comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"etiquette.opt_out_file: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"etiquette.opt_out_file: {path} is not UTF-8 text") from None
    handles = []
    for line in text.splitlines():
        handle = line.split("#", 1)[0].strip().lstrip("@")
        if handle:
            handles.append(handle)
    return handles


def withdraw(session: Session, store: Store, gone: Withdrawal, actor: str) -> bool:
    """Record that a person turned the bot away (audited), and cancel their replies still
    waiting in the outbox. False when they had already."""
    row = queries.add_opt_out(
        session,
        gone.platform,
        gone.account,
        gone.handle,
        how=gone.how,
        ref=gone.ref,
        by=actor,
        now=store.clock(),
    )
    if row is None:
        return False
    cancelled = queries.cancel_replies_to(session, gone.handle)
    store.record(
        session,
        "opt-out",
        actor,
        f"{gone.platform}:{row.account}",
        how=gone.how,
        ref=gone.ref,
        cancelled=cancelled,
    )
    return True
