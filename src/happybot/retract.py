"""Undo what was published: the one `retract` function behind the CLI, the dashboard and the
real adapters. Every retraction (and every failure to retract) is in the audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from happybot.errors import PlatformError
from happybot.models import Published
from happybot.platforms.base import Platform
from happybot.store.db import Store
from happybot.store.schema import OutboxRow, PostRow


@dataclass(frozen=True)
class Selection:
    """Which published replies to retract; every given criterion must match."""

    post_ids: Sequence[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    author: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.post_ids or self.since or self.until or self.author)


@dataclass
class RetractResult:
    retracted: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def published_matching(store: Store, selection: Selection) -> list[tuple[int, str, str | None]]:
    """(post id, remote ref, remote url) of the published replies the selection names."""
    query = (
        select(PostRow.id, OutboxRow.remote_ref, OutboxRow.remote_url)
        .join(OutboxRow, OutboxRow.post_id == PostRow.id)
        .where(OutboxRow.state == "sent", PostRow.state == "published")
    )
    if selection.post_ids:
        query = query.where(PostRow.id.in_(list(selection.post_ids)))
    if selection.since:
        query = query.where(OutboxRow.sent_at >= selection.since)
    if selection.until:
        query = query.where(OutboxRow.sent_at <= selection.until)
    if selection.author:
        query = query.where(PostRow.author_handle == selection.author.lstrip("@").lower())
    with store.transaction() as session:
        return [(r[0], r[1] or "", r[2]) for r in session.execute(query.order_by(PostRow.id))]


def retract(
    store: Store, platform: Platform, selection: Selection, *, actor: str, reason: str
) -> RetractResult:
    """Delete the selected replies from the platform and mark them retracted."""
    result = RetractResult()
    for post_id, ref, url in published_matching(store, selection):
        try:
            platform.delete(Published(ref=ref, url=url))
        except PlatformError as exc:
            result.failed[post_id] = str(exc)
            with store.transaction() as session:
                post = session.get(PostRow, post_id)
                store.record(
                    session,
                    "retract-failed",
                    actor,
                    post.trigger_key if post else None,
                    ref=ref,
                    error=str(exc),
                    reason=reason,
                )
            continue
        with store.transaction() as session:
            post = session.get(PostRow, post_id)
            outbox = session.execute(
                select(OutboxRow).where(OutboxRow.post_id == post_id)
            ).scalar_one()
            assert post is not None
            post.state, outbox.state = "retracted", "retracted"
            store.record(session, "retracted", actor, post.trigger_key, ref=ref, reason=reason)
        result.retracted.append(post_id)
    return result
