"""Undo what was published: the one `retract` function behind the CLI, the dashboard and the
real adapters. Every retraction (and every failure to retract) is in the audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select

from happybot.errors import Conflict, PlatformError
from happybot.models import OutboxState, PostState, Published
from happybot.platforms.base import Platform
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import ArtworkRow, FindingRow, OutboxRow, PostRow


@dataclass(frozen=True)
class Selection:
    """Which published replies to retract; every given criterion must match."""

    post_ids: Sequence[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    author: str | None = None
    label: str | None = None  # replies to posts a screen found this in ("profanity", ...)

    @property
    def empty(self) -> bool:
        return not (self.post_ids or self.since or self.until or self.author or self.label)


@dataclass(frozen=True)
class PublishedReply:
    post_id: int
    author: str
    text: str  # the words drawn
    sent_at: datetime | None
    remote_url: str | None
    picture_sha256: str
    alt_text: str


@dataclass
class RetractResult:
    retracted: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def _published(selection: Selection) -> Select[PostRow, OutboxRow]:
    query = (
        select(PostRow, OutboxRow)
        .join(OutboxRow, OutboxRow.post_id == PostRow.id)
        .where(OutboxRow.state == OutboxState.SENT, PostRow.state == PostState.PUBLISHED)
    )
    if selection.post_ids:
        query = query.where(PostRow.id.in_(list(selection.post_ids)))
    if selection.since:
        query = query.where(OutboxRow.sent_at >= selection.since)
    if selection.until:
        query = query.where(OutboxRow.sent_at <= selection.until)
    if selection.author:
        query = query.where(PostRow.author_handle == selection.author.lstrip("@").lower())
    if selection.label:
        found = select(FindingRow.post_id).where(FindingRow.label == selection.label)
        query = query.where(PostRow.id.in_(found))
    return query


def published_matching(store: Store, selection: Selection) -> list[tuple[int, str, str | None]]:
    """(post id, remote ref, remote url) of the published replies the selection names."""
    with store.transaction() as session:
        rows = session.execute(_published(selection).order_by(PostRow.id)).all()
        return [(post.id, outbox.remote_ref or "", outbox.remote_url) for post, outbox in rows]


def published_replies(
    store: Store, selection: Selection, *, limit: int = 60, before: int | None = None
) -> list[PublishedReply]:
    """The published replies the selection names (all when it is empty), newest first."""
    query = _published(selection).add_columns(ArtworkRow.alt_text)
    query = query.join(ArtworkRow, ArtworkRow.post_id == PostRow.id)
    if before is not None:
        query = query.where(PostRow.id < before)
    with store.transaction() as session:
        rows = session.execute(query.order_by(PostRow.id.desc()).limit(limit)).all()
        return [
            PublishedReply(
                post_id=post.id,
                author=post.author_handle,
                text=queries.load_trigger(post).art_text,
                sent_at=outbox.sent_at,
                remote_url=outbox.remote_url,
                picture_sha256=outbox.picture_sha256,
                alt_text=alt,
            )
            for post, outbox, alt in rows
        ]


def retract(
    store: Store,
    platform: Platform,
    selection: Selection,
    *,
    actor: str,
    reason: str,
    expected_count: int | None = None,
) -> RetractResult:
    """Delete the selected replies from the platform and mark them retracted. `expected_count`
    is what the person saw and confirmed: if more or fewer match now, nothing is done."""
    result = RetractResult()
    matching = published_matching(store, selection)
    if expected_count is not None and len(matching) != expected_count:
        raise Conflict(f"{len(matching)} replies match now, not {expected_count}: look again")
    for post_id, ref, url in matching:
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
            post.state, outbox.state = PostState.RETRACTED, OutboxState.RETRACTED
            store.record(session, "retracted", actor, post.trigger_key, ref=ref, reason=reason)
        result.retracted.append(post_id)
    return result
