"""The review queue: people approve or reject held posts with the evidence in front of them.

The CLI (`happybot review`) and, later, the dashboard are thin over these functions. An
approval is bound to the hash of the exact picture the reviewer saw, and the output screen reads
the reply once more before it is queued: it can still hold a reply a person approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from happybot.config import Campaign
from happybot.errors import ReviewError
from happybot.models import Artwork, Decision, Finding, Mode, Target, Trigger
from happybot.pipeline.decide import decide, policy_from_campaign
from happybot.pipeline.output_screen import screen_output
from happybot.pipeline.publish import enqueue
from happybot.screens.base import ScreenContext
from happybot.screens.lexicon import LexiconScreen
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import ArtworkRow, FindingRow, OutboxRow, PostRow, ReviewActionRow


@dataclass(frozen=True)
class QueueItem:
    post_id: int
    trigger: Trigger
    received_at: datetime
    reasons: list[str]
    findings: list[Finding]
    picture_sha256: str | None
    reply_text: str | None


def _waiting(mode: Mode | None) -> ColumnElement[bool]:
    """Posts waiting for a person: held ones, and in copilot or paused, queued replies that no
    person approved yet."""
    held = PostRow.state == "review"
    if mode is Mode.AUTOPILOT:
        return held
    unapproved = and_(
        PostRow.state == "queued", OutboxRow.state == "pending", OutboxRow.approved_by.is_(None)
    )
    return or_(held, unapproved)


def queue(store: Store, limit: int = 50) -> list[QueueItem]:
    """Oldest first."""
    with store.transaction() as session:
        mode = queries.get_mode(session)
        rows = (
            session.execute(
                select(PostRow)
                .outerjoin(OutboxRow, OutboxRow.post_id == PostRow.id)
                .where(_waiting(mode))
                .order_by(PostRow.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return [_item(session, row) for row in rows]


def _item(session: Session, row: PostRow) -> QueueItem:
    decision = queries.latest_decision(session, row.id)
    art = session.get(ArtworkRow, row.id)
    findings = [
        Finding(
            f.screen,
            f.label,
            f.risk,
            Target(f.target),
            (f.span_start, f.span_end)
            if f.span_start is not None and f.span_end is not None
            else None,
            f.why,
        )
        for f in session.execute(select(FindingRow).where(FindingRow.post_id == row.id)).scalars()
    ]
    return QueueItem(
        post_id=row.id,
        trigger=queries.load_trigger(row),
        received_at=row.received_at,
        reasons=decision[1] if decision else [],
        findings=findings,
        picture_sha256=art.sha256 if art else None,
        reply_text=art.reply_text if art else None,
    )


def get_item(store: Store, post_id: int) -> QueueItem:
    with store.transaction() as session:
        row = session.get(PostRow, post_id)
        if row is None:
            raise ReviewError(f"there is no post {post_id}")
        return _item(session, row)


def approve(
    store: Store,
    campaign: Campaign,
    *,
    post_id: int,
    reviewer: str,
    picture_sha256: str,
    reason: str = "",
) -> None:
    """Approve the reply with exactly this picture. Refused when the picture differs from the
    one stored, when the post is not waiting for review, or when the output screen holds it."""
    lexicon = LexiconScreen(campaign)
    with store.transaction() as session:
        post, art = _waiting_post(session, post_id)
        if art is None:
            raise ReviewError(f"post {post_id} has no picture to approve (it could not be drawn)")
        if not picture_sha256 or not art.sha256.startswith(picture_sha256.lower()):
            raise ReviewError(
                f"post {post_id}: the picture is {art.sha256[:12]}, not {picture_sha256[:12]!r}; "
                "look at the current picture and approve that one"
            )
        artwork = queries.load_artwork(art)
        found = _recheck(session, post, artwork, art.reply_text, lexicon)
        held = decide(found, policy_from_campaign(campaign))
        if held.decision is not Decision.PUBLISH:
            store.record(
                session,
                "approval-held",
                reviewer,
                post.trigger_key,
                findings=[f.ref for f in found],
            )
            raise ReviewError(
                f"post {post_id}: the output screen still holds this reply: "
                + "; ".join(held.reasons)
            )
        now = store.clock()
        session.add(
            ReviewActionRow(
                post_id=post_id,
                action="approve",
                reviewer=reviewer,
                reason=reason,
                picture_sha256=art.sha256,
                at=now,
            )
        )
        enqueue(session, post, campaign.hashtag, approved_by=reviewer, now=now)
        post.state = "queued"
        store.record(
            session,
            "approved",
            reviewer,
            post.trigger_key,
            picture_sha256=art.sha256,
            reason=reason,
        )


def _recheck(
    session: Session, post: PostRow, artwork: Artwork, reply: str, lexicon: LexiconScreen
) -> list[Finding]:
    """What the reviewer did not see: findings of the current word lists that were not among
    the evidence shown, and words the picture spells that its inputs did not contain."""
    trigger = queries.load_trigger(post)
    shown = {
        (f.label, f.target, f.span_start, f.span_end)
        for f in session.execute(select(FindingRow).where(FindingRow.post_id == post.id)).scalars()
    }
    now = datetime.now(UTC)
    fresh = [
        f
        for f in lexicon.check([trigger], ScreenContext(now=now, deadline=now))[0]
        if (f.label, f.target.value, *(f.span or (None, None))) not in shown
    ]
    return fresh + screen_output(artwork, reply, lexicon, [t for _, t in trigger.texts()])


def reject(store: Store, *, post_id: int, reviewer: str, reason: str = "") -> None:
    with store.transaction() as session:
        post, art = _waiting_post(session, post_id)
        now = store.clock()
        session.add(
            ReviewActionRow(
                post_id=post_id,
                action="reject",
                reviewer=reviewer,
                reason=reason,
                picture_sha256=art.sha256 if art else None,
                at=now,
            )
        )
        outbox = session.execute(
            select(OutboxRow).where(OutboxRow.post_id == post_id)
        ).scalar_one_or_none()
        if outbox is not None and outbox.state in ("pending", "failed"):
            outbox.state = "cancelled"
        post.state = "rejected"
        store.record(session, "rejected", reviewer, post.trigger_key, reason=reason)


def _waiting_post(session: Session, post_id: int) -> tuple[PostRow, ArtworkRow | None]:
    post = session.get(PostRow, post_id)
    if post is None:
        raise ReviewError(f"there is no post {post_id}")
    mode = queries.get_mode(session)
    outbox = session.execute(
        select(OutboxRow).where(OutboxRow.post_id == post_id)
    ).scalar_one_or_none()
    unapproved_queued = (
        post.state == "queued"
        and mode is not Mode.AUTOPILOT
        and outbox is not None
        and outbox.approved_by is None
        and outbox.state == "pending"
    )
    if post.state != "review" and not unapproved_queued:
        raise ReviewError(f"post {post_id} is not waiting for review (it is {post.state})")
    return post, session.get(ArtworkRow, post_id)
