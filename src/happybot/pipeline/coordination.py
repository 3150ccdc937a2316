"""Holding back a coordinated group: a group is seen only once it has several members, so when
a post is found to be one, the earlier members' replies that are not sent yet go back to people
too. The measure of sameness is the behaviour screen's (`text.similarity`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from happybot.history import WINDOW
from happybot.models import Decision, Finding, OutboxState, PostState, Target, Verdict
from happybot.store import queries
from happybot.store.schema import OutboxRow, PostRow
from happybot.text.similarity import similarity

if TYPE_CHECKING:
    from happybot.config import BehaviourSettings
    from happybot.store.db import Store

ACTOR = "pipeline"


def hold_back_group(
    session: Session, store: Store, post: PostRow, settings: BehaviourSettings
) -> None:
    """A coordinated group is seen only once it has several members: the earlier members'
    replies that are not yet sent go back to people too."""
    since = store.clock() - WINDOW
    queued = session.execute(
        select(PostRow, OutboxRow)
        .join(OutboxRow, OutboxRow.post_id == PostRow.id)
        .where(
            PostRow.state == PostState.QUEUED,
            OutboxRow.state == OutboxState.PENDING,
            PostRow.received_at >= since,
            PostRow.id != post.id,
        )
    ).all()
    threshold = settings.duplicate_similarity
    for member, outbox in queued:
        if similarity(member.canonical_text, post.canonical_text) >= threshold:
            member.state, outbox.state = PostState.REVIEW, OutboxState.HELD
            # the reviewer sees why a post that passed every screen waits for them
            why = (
                f"held back before publishing: @{post.author_handle} and others posted "
                "near-duplicates of it moments later, a coordinated group"
            )
            finding = Finding("behaviour", "coordination", 0.7, Target.POST, None, why)
            queries.save_findings(session, member.id, "input", [finding])
            queries.save_decision(
                session,
                member.id,
                "final",
                Verdict(Decision.REVIEW, (why,)),
                store.clock(),
            )
            store.record(
                session,
                "held-back",
                ACTOR,
                member.trigger_key,
                reason="coordination",
                with_post=post.trigger_key,
            )
