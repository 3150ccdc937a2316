"""Publish replies from the outbox: once, rate-limited, surviving crashes.

The publisher reads the live mode in the same transaction in which it claims a reply, so a pause
stops everything not yet sent. A claim is a lease that names its process: a worker that dies
mid-send leaves a row in `sending`, which another worker (or the next run) takes over as soon as
the dead one is known dead (store/processes.py), at the latest after the lease; the platform's
idempotent write (a key derived from the trigger) makes that retry land on the first attempt's
reply, never a second.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from happybot.errors import PlatformRejected, PlatformUnavailable
from happybot.models import Decision, Mode, OutboxState, PostState, Published, Reply, Statement
from happybot.pipeline.consent import withdraw
from happybot.pipeline.render import idempotency_key
from happybot.platforms.base import Blocked
from happybot.store.processes import gone
from happybot.store.queries import get_mode, load_artwork, load_trigger, opted_out
from happybot.store.schema import ArtworkRow, OutboxRow, PostRow

if TYPE_CHECKING:
    from happybot.config import Campaign, RateLimitSettings
    from happybot.platforms.base import Platform
    from happybot.store.db import Store

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
REPLY, STATEMENT = "reply", "statement"  # what an outbox row carries
MAX_ATTEMPTS = 6
ACTOR = "publisher"


@dataclass(frozen=True)
class Claimed:
    outbox_id: int
    post_id: int
    reply: Reply
    attempt: int
    approved_by: str | None = None  # None: autopilot


def backoff(attempt: int) -> timedelta:
    """Exponential backoff between attempts, capped at an hour."""
    return timedelta(seconds=min(3600, 5 * 2 ** (attempt - 1)))


class Publisher:
    def __init__(
        self,
        store: Store,
        platform: Platform,
        limits: RateLimitSettings | None = None,
        owner: str | None = None,
        senders: int = 1,
    ) -> None:
        self.store = store
        self.platform = platform
        self.limits = limits  # None: no limit (dry-run)
        self.owner = owner  # this process, named in its claims (store/processes.py)
        # an in-memory SQLite store is one connection, which threads must not share
        self.senders = 1 if isinstance(store.engine.pool, StaticPool) else max(1, senders)

    def _rate_limited(self, session: Session) -> bool:
        """Counted from the store, so the limit holds across restarts and workers."""
        if self.limits is None:
            return False
        now = self.store.clock()
        for window, limit in (
            (timedelta(minutes=1), self.limits.per_minute),
            (timedelta(hours=1), self.limits.per_hour),
        ):
            # replies on their way count too: several are sent at once
            sent = session.execute(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    or_(OutboxRow.sent_at >= now - window, OutboxRow.state == OutboxState.SENDING)
                )
            ).scalar_one()
            if sent >= limit:
                return True
        return False

    @staticmethod
    def _abandoned(now: datetime) -> ColumnElement[bool]:
        """A `sending` claim to take over: its lease ran out, or its process is gone (then at
        once: the platform's idempotent write lands a retry on the first attempt's reply)."""
        return or_(OutboxRow.claimed_at < now - LEASE, gone(OutboxRow.claimed_by, now))

    def next_due(self) -> datetime | None:
        """When the next reply that the live mode lets out may be sent, or None."""
        with self.store.transaction() as session:
            mode = get_mode(session) or Mode.PAUSED
            if mode is Mode.PAUSED:
                return None
            now = self.store.clock()
            query = select(func.min(OutboxRow.not_before)).where(
                OutboxRow.state == OutboxState.PENDING
            )
            taken_over = select(OutboxRow.id).where(
                OutboxRow.state == OutboxState.SENDING, self._abandoned(now)
            )
            if mode is Mode.COPILOT:
                query = query.where(OutboxRow.approved_by.is_not(None))
                taken_over = taken_over.where(OutboxRow.approved_by.is_not(None))
            if session.execute(taken_over.limit(1)).first() is not None:
                return now  # a dead sender's reply: due now
            due: datetime | None = session.execute(query).scalar_one()
            return due

    def claim(self) -> Claimed | None:
        """Claim the oldest reply that may be sent now, or None (paused, nothing, limited)."""
        with self.store.transaction() as session:
            mode = get_mode(session) or Mode.PAUSED
            if mode is Mode.PAUSED or self._rate_limited(session):
                return None
            now = self.store.clock()
            ready = and_(OutboxRow.state == OutboxState.PENDING, OutboxRow.not_before <= now)
            abandoned = and_(OutboxRow.state == OutboxState.SENDING, self._abandoned(now))
            # the reply with its post and picture in one round trip; only the outbox row is
            # locked (another worker skips it, and may read the post)
            query = (
                select(OutboxRow, PostRow, ArtworkRow)
                .join(PostRow, PostRow.id == OutboxRow.post_id)
                .outerjoin(ArtworkRow, ArtworkRow.post_id == OutboxRow.post_id)
                .where(or_(ready, abandoned), OutboxRow.kind == REPLY)
            )
            if mode is Mode.COPILOT:
                query = query.where(OutboxRow.approved_by.is_not(None))
            found = session.execute(
                query.order_by(OutboxRow.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=OutboxRow)
            ).first()
            if found is None:
                return None
            row, post, art = found
            row.state, row.claimed_at, row.attempts = OutboxState.SENDING, now, row.attempts + 1
            row.claimed_by = self.owner
            trigger = load_trigger(post)
            if art is None:  # never written with its picture: nothing to publish, never blank
                row.state, row.last_error = OutboxState.FAILED, "no picture to publish"
                post.state = PostState.REVIEW
                self.store.record(
                    session, "publish-refused", ACTOR, trigger.key, reason=row.last_error
                )
                return None
            author = trigger.post.author
            if opted_out(session, trigger.platform, author.id, author.handle):
                # turned the bot away after this reply was queued (a reviewer's entry)
                row.state, row.last_error = OutboxState.CANCELLED, "its author opted out"
                post.state = PostState.SKIPPED
                self.store.record(
                    session, "publish-refused", ACTOR, trigger.key, reason=row.last_error
                )
                return None
            artwork = load_artwork(art)
            if artwork.sha256 != row.picture_sha256:
                # the picture is not the one that was approved: never publish it
                row.state, row.last_error = OutboxState.FAILED, "picture changed after approval"
                post.state = PostState.REVIEW
                self.store.record(
                    session, "publish-refused", ACTOR, trigger.key, reason=row.last_error
                )
                return None
            reply = Reply(
                idempotency_key=row.idempotency_key,
                trigger_key=trigger.key,
                in_reply_to=trigger.post.id,
                to_handle=trigger.post.author.handle,
                text=art.reply_text,
                artwork=artwork,
            )
            return Claimed(row.id, post.id, reply, row.attempts, row.approved_by)

    def send(self, claimed: Claimed) -> bool:
        """Send one claimed reply; record the outcome. True when it was published."""
        try:
            published = self.platform.reply(claimed.reply)
        except PlatformUnavailable as exc:
            self._retry_later(claimed, exc)
            return False
        except Blocked as exc:
            self._blocked(claimed, exc)
            return False
        except PlatformRejected as exc:
            self._give_up(claimed, f"the platform refused it: {exc}")
            return False
        self._sent(claimed, published)
        return True

    def _sent(self, claimed: Claimed, published: Published) -> None:
        with self.store.transaction() as session:
            now = self.store.clock()
            # written without reading the rows back: this sender holds the claim
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == claimed.outbox_id)
                .values(
                    state=OutboxState.SENT,
                    sent_at=now,
                    remote_ref=published.ref,
                    remote_url=published.url,
                )
            )
            session.execute(
                update(PostRow)
                .where(PostRow.id == claimed.post_id)
                .values(state=PostState.PUBLISHED)
            )
            self.store.record(
                session,
                "published",
                ACTOR,
                claimed.reply.trigger_key,
                ref=published.ref,
                picture_sha256=claimed.reply.artwork.sha256,
                approved_by=claimed.approved_by,
                attempt=claimed.attempt,
            )

    def _blocked(self, claimed: Claimed, exc: Blocked) -> None:
        """Blocked: no reply now or later; nothing for a person to decide."""
        with self.store.transaction() as session:
            row = session.get(OutboxRow, claimed.outbox_id)
            post = session.get(PostRow, claimed.post_id)
            assert row is not None and post is not None
            row.state, row.last_error = OutboxState.CANCELLED, str(exc)
            post.state = PostState.SKIPPED
            withdraw(session, self.store, exc.withdrawal, ACTOR)

    def _retry_later(self, claimed: Claimed, exc: PlatformUnavailable) -> None:
        if claimed.attempt >= MAX_ATTEMPTS:
            self._give_up(claimed, f"still unavailable after {claimed.attempt} attempts: {exc}")
            return
        with self.store.transaction() as session:
            row = session.get(OutboxRow, claimed.outbox_id)
            assert row is not None
            wait = (
                timedelta(seconds=exc.retry_after) if exc.retry_after else backoff(claimed.attempt)
            )
            row.state, row.not_before, row.last_error = (
                OutboxState.PENDING,
                self.store.clock() + wait,
                str(exc),
            )
            log.warning(
                "reply for %s will be retried in %s: %s", claimed.reply.trigger_key, wait, exc
            )

    def _give_up(self, claimed: Claimed, why: str) -> None:
        """In doubt, back to people: the post returns to the review queue."""
        with self.store.transaction() as session:
            row = session.get(OutboxRow, claimed.outbox_id)
            post = session.get(PostRow, claimed.post_id)
            assert row is not None and post is not None
            row.state, row.last_error = OutboxState.FAILED, why
            post.state = PostState.REVIEW
            self.store.record(
                session, "publish-failed", ACTOR, claimed.reply.trigger_key, reason=why
            )

    def send_statements(self) -> int:
        """Post the statements people ordered (holding statements), whatever the mode: a
        paused campaign is exactly when the brand speaks for itself. Returns how many."""
        posted = 0
        while True:
            with self.store.transaction() as session:
                now = self.store.clock()
                row = session.execute(
                    select(OutboxRow)
                    .where(
                        OutboxRow.kind == STATEMENT,
                        or_(
                            and_(
                                OutboxRow.state == OutboxState.PENDING,
                                OutboxRow.not_before <= now,
                            ),
                            and_(OutboxRow.state == OutboxState.SENDING, self._abandoned(now)),
                        ),
                    )
                    .order_by(OutboxRow.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).scalar_one_or_none()
                if row is None:
                    return posted
                row.state, row.claimed_at, row.attempts = OutboxState.SENDING, now, row.attempts + 1
                row.claimed_by = self.owner
                outbox_id, subject = row.id, f"incident:{row.incident_id}"
                statement = Statement(row.idempotency_key, row.text or "")
                attempt = row.attempts
            try:
                published = self.platform.post(statement)
            except PlatformUnavailable as exc:
                with self.store.transaction() as session:
                    row = session.get(OutboxRow, outbox_id)
                    assert row is not None
                    final = attempt >= MAX_ATTEMPTS
                    row.state = OutboxState.FAILED if final else OutboxState.PENDING
                    row.not_before = self.store.clock() + backoff(attempt)
                    row.last_error = str(exc)
                    if final:
                        self.store.record(
                            session, "statement-failed", ACTOR, subject, error=str(exc)
                        )
                return posted
            except PlatformRejected as exc:
                with self.store.transaction() as session:
                    row = session.get(OutboxRow, outbox_id)
                    assert row is not None
                    row.state, row.last_error = OutboxState.FAILED, str(exc)
                    self.store.record(session, "statement-failed", ACTOR, subject, error=str(exc))
                continue
            with self.store.transaction() as session:
                row = session.get(OutboxRow, outbox_id)
                assert row is not None
                row.state, row.sent_at = OutboxState.SENT, self.store.clock()
                row.remote_ref, row.remote_url = published.ref, published.url
                self.store.record(
                    session,
                    "statement-posted",
                    ACTOR,
                    subject,
                    ref=published.ref,
                    ordered_by=row.approved_by,
                    text_sha256=row.picture_sha256,
                )
            posted += 1

    def run(self, limit: int | None = None) -> int:
        """Send until nothing more may be sent now; returns how many were published. Up to
        `senders` replies are on their way at once (each from its own claim)."""
        self.send_statements()
        if self.senders == 1 or limit is not None:
            return self._send_until_done(limit)
        with ThreadPoolExecutor(self.senders, thread_name_prefix="send") as pool:
            return sum(pool.map(lambda _: self._send_until_done(None), range(self.senders)))

    def _send_until_done(self, limit: int | None) -> int:
        published = 0
        while limit is None or published < limit:
            claimed = self.claim()
            if claimed is None:
                break
            published += self.send(claimed)
        return published


def enqueue(
    session: Session,
    post: PostRow,
    hashtag: str,
    approved_by: str | None,
    now: datetime,
    delay: timedelta = timedelta(0),
) -> None:
    """Put a post's reply in the outbox (or re-arm its earlier row after a failure)."""
    art = session.get(ArtworkRow, post.id)
    assert art is not None
    row = session.execute(
        select(OutboxRow).where(OutboxRow.post_id == post.id)
    ).scalar_one_or_none()
    if row is None:
        session.add(
            OutboxRow(
                post_id=post.id,
                parent_key=post.parent_key,
                idempotency_key=idempotency_key(post.trigger_key, hashtag),
                picture_sha256=art.sha256,
                approved_by=approved_by,
                state=OutboxState.PENDING,
                attempts=0,
                not_before=now + delay,
            )
        )
    else:
        row.state, row.attempts, row.not_before = OutboxState.PENDING, 0, now + delay
        row.approved_by, row.picture_sha256, row.last_error = approved_by, art.sha256, None


def replies_today(session: Session, handle: str, now: datetime) -> int:
    """Replies to `handle` sent or on their way in the last 24 hours, whichever worker queued
    them (counted from the store)."""
    return session.execute(
        select(func.count())
        .select_from(OutboxRow)
        .join(PostRow, PostRow.id == OutboxRow.post_id)
        .where(
            PostRow.author_handle == handle,
            OutboxRow.not_before >= now - timedelta(days=1),
            OutboxRow.state.in_(
                [OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT, OutboxState.HELD]
            ),
        )
    ).scalar_one()


def route(
    session: Session,
    post: PostRow,
    decision: Decision,
    has_art: bool,
    campaign: Campaign,
    now: datetime,
) -> PostState:
    """Held posts wait for people; passed ones are queued. In copilot or paused a queued
    reply waits for a person's approval too (the publisher sends only approved ones then),
    and goes out by itself if autopilot resumes."""
    if decision is Decision.REJECT:
        return PostState.REJECTED
    if decision is Decision.REVIEW or not has_art:
        return PostState.REVIEW
    if (
        post.parent_key is not None
        and session.execute(
            select(OutboxRow.id).where(OutboxRow.parent_key == post.parent_key)
        ).first()
    ):
        return PostState.SKIPPED  # one reply per parent post: someone already had it drawn
    if replies_today(session, post.author_handle, now) >= (
        campaign.etiquette.replies_per_person_per_day
    ):
        return PostState.SKIPPED  # the person's share of replies for the day is used
    enqueue(
        session,
        post,
        campaign.hashtag,
        approved_by=None,
        now=now,
        delay=timedelta(seconds=campaign.publish_delay_seconds),
    )
    return PostState.QUEUED
