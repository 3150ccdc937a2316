"""The review queue: people approve or reject held posts with the evidence in front of them.

The CLI (`happybot review`) and the dashboard are thin over these functions, whose rules
(`apply_decision`: an escalated post is an admin's) hold on both paths. An
approval is bound to the hash of the exact picture the reviewer saw, and the output screen reads
the reply once more before it is queued: it can still hold a reply a person approved.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from happybot.config import Campaign
from happybot.errors import NotFound, ReviewError
from happybot.models import (
    Artwork,
    Decision,
    Finding,
    Mode,
    OutboxState,
    PostState,
    Target,
    Trigger,
)
from happybot.operate.users import Role
from happybot.pipeline.decide import decide
from happybot.pipeline.output_screen import screen_output
from happybot.pipeline.publish import enqueue
from happybot.screens.base import ScreenContext
from happybot.screens.lexicon import LexiconScreen
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import (
    MAX_ID,
    ArtworkRow,
    DecisionRow,
    FindingRow,
    OutboxRow,
    PostRow,
    ReviewActionRow,
    ReviewClaimRow,
)


class UnknownPost(NotFound, ReviewError):
    """No post has that id."""


def _post(session: Session, post_id: int) -> PostRow | None:
    return session.get(PostRow, post_id) if 0 < post_id <= MAX_ID else None


MIN_HASH = 12  # how much of the picture's hash an approval must name
CLAIM_MINUTES = 5  # how long a reviewer holds a post they opened; renewed while they look


@dataclass(frozen=True)
class QueueItem:
    post_id: int
    trigger: Trigger
    received_at: datetime
    reasons: list[str]
    findings: list[Finding]
    picture_sha256: str | None
    reply_text: str | None
    claimed_by: str | None = None  # deciding it now (a live lease)
    escalated_by: str | None = None  # sent up: only an admin decides it


def _waiting(mode: Mode | None) -> ColumnElement[bool]:
    """Posts waiting for a person: held ones, and in copilot or paused, queued replies that no
    person approved yet."""
    held = PostRow.state == PostState.REVIEW
    if mode is Mode.AUTOPILOT:
        return held
    unapproved = and_(
        PostRow.state == PostState.QUEUED,
        OutboxRow.state == OutboxState.PENDING,
        OutboxRow.approved_by.is_(None),
    )
    return or_(held, unapproved)


def queue(store: Store, limit: int = 50, after: int = 0) -> list[QueueItem]:
    """Oldest first; `after` a post id, to page on."""
    with store.transaction() as session:
        mode = queries.get_mode(session)
        rows = (
            session.execute(
                select(PostRow)
                .outerjoin(OutboxRow, OutboxRow.post_id == PostRow.id)
                .where(_waiting(mode), PostRow.id > after)
                .order_by(PostRow.id)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return _items(session, rows, store.clock())


def waiting_count(store: Store) -> int:
    with store.transaction() as session:
        mode = queries.get_mode(session)
        return int(
            session.execute(
                select(func.count(PostRow.id))
                .outerjoin(OutboxRow, OutboxRow.post_id == PostRow.id)
                .where(_waiting(mode))
            ).scalar_one()
        )


def _items(session: Session, rows: Sequence[PostRow], now: datetime) -> list[QueueItem]:
    """Queue items for these posts, in a few queries whatever their number (a page of the
    queue is one query per table, not one per post)."""
    ids = [row.id for row in rows]
    findings: dict[int, list[Finding]] = defaultdict(list)
    for f in session.execute(
        select(FindingRow).where(FindingRow.post_id.in_(ids)).order_by(FindingRow.id)
    ).scalars():
        span = (
            (f.span_start, f.span_end)
            if f.span_start is not None and f.span_end is not None
            else None
        )
        findings[f.post_id].append(
            Finding(f.screen, f.label, f.risk, Target(f.target), span, f.why)
        )
    # the decision in force: the newest of each post
    reasons: dict[int, list[str]] = {}
    for post_id, raw in session.execute(
        select(DecisionRow.post_id, DecisionRow.reasons)
        .where(DecisionRow.post_id.in_(ids))
        .order_by(DecisionRow.id)
    ):
        reasons[post_id] = json.loads(raw)
    # the hash and the reply, not the PNG: a page of the queue must not read every picture
    art = {
        post_id: (sha, reply)
        for post_id, sha, reply in session.execute(
            select(ArtworkRow.post_id, ArtworkRow.sha256, ArtworkRow.reply_text).where(
                ArtworkRow.post_id.in_(ids)
            )
        )
    }
    claims = {
        c.post_id: c
        for c in session.execute(
            select(ReviewClaimRow).where(ReviewClaimRow.post_id.in_(ids))
        ).scalars()
    }
    items = []
    for row in rows:
        sha, reply = art.get(row.id, (None, None))
        claim = claims.get(row.id)
        items.append(
            QueueItem(
                post_id=row.id,
                trigger=queries.load_trigger(row),
                received_at=row.received_at,
                reasons=reasons.get(row.id, []),
                findings=findings[row.id],
                picture_sha256=sha,
                reply_text=reply,
                claimed_by=claim.reviewer if claim is not None and claim.until > now else None,
                escalated_by=claim.escalated_by if claim is not None else None,
            )
        )
    return items


def get_item(store: Store, post_id: int) -> QueueItem:
    with store.transaction() as session:
        row = _post(session, post_id)
        if row is None:
            raise UnknownPost(f"there is no post {post_id}")
        return _items(session, [row], store.clock())[0]


def claim(store: Store, *, post_id: int, reviewer: str) -> datetime:
    """Hold a waiting post for `reviewer` for CLAIM_MINUTES (again, while they look): nobody
    else decides it meanwhile. Returns when the claim ends."""
    with store.transaction() as session:
        _waiting_post(session, post_id)
        now = store.clock()
        row = _check_claim(session, post_id, reviewer, now)
        until = now + timedelta(minutes=CLAIM_MINUTES)
        if row is None:
            session.add(ReviewClaimRow(post_id=post_id, reviewer=reviewer, until=until))
        else:
            row.reviewer, row.until = reviewer, until
        return until


def release(store: Store, *, post_id: int, reviewer: str) -> None:
    """Let go of a claim (the reviewer moved on without deciding)."""
    with store.transaction() as session:
        row = session.get(ReviewClaimRow, post_id)
        if row is not None and row.reviewer == reviewer:
            row.until = store.clock()


Action = Literal["approve", "reject", "escalate"]


def apply_decision(
    store: Store,
    campaign: Campaign,
    *,
    post_id: int,
    action: Action,
    reviewer: str,
    role: Role,
    picture_sha256: str = "",
    reason: str = "",
) -> None:
    """One person's decision on a held post, by the rules, for the dashboard and the CLI alike:
    an escalated post is an admin's to decide (anyone may escalate it further)."""
    item = get_item(store, post_id)
    if item.escalated_by and action != "escalate" and role is not Role.ADMIN:
        raise ReviewError(
            f"post {post_id} was escalated by {item.escalated_by}: an admin decides it"
        )
    if action == "approve":
        approve(
            store,
            campaign,
            post_id=post_id,
            reviewer=reviewer,
            picture_sha256=picture_sha256,
            reason=reason,
        )
    elif action == "reject":
        reject(store, post_id=post_id, reviewer=reviewer, reason=reason)
    else:
        escalate(store, post_id=post_id, reviewer=reviewer, reason=reason)


def escalate(store: Store, *, post_id: int, reviewer: str, reason: str) -> None:
    """Send a post up to an admin: it stays waiting, and only an admin decides it."""
    if not reason.strip():
        raise ReviewError("say why the post needs an admin")
    with store.transaction() as session:
        post, art = _waiting_post(session, post_id)
        now = store.clock()
        row = _check_claim(session, post_id, reviewer, now)
        if row is None:
            row = ReviewClaimRow(post_id=post_id, reviewer=reviewer, until=now)
            session.add(row)
        row.until, row.escalated_by = now, reviewer  # released: an admin picks it up
        _act(session, post_id, "escalate", reviewer, reason, art.sha256 if art else None, now)
        store.record(session, "escalated", reviewer, post.trigger_key, reason=reason)


def _check_claim(
    session: Session, post_id: int, reviewer: str, now: datetime
) -> ReviewClaimRow | None:
    """The post's claim row; ReviewError when someone else holds a live claim on it."""
    row = session.get(ReviewClaimRow, post_id)
    if row is not None and row.reviewer != reviewer and row.until > now:
        raise ReviewError(
            f"post {post_id} is being decided by {row.reviewer} (until {row.until:%H:%M:%S} UTC)"
        )
    return row


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
        _check_claim(session, post_id, reviewer, store.clock())
        if art is None:
            raise ReviewError(f"post {post_id} has no picture to approve (it could not be drawn)")
        # at least 12 hex digits: a shorter prefix would match another picture by chance
        if len(picture_sha256) < MIN_HASH or not art.sha256.startswith(picture_sha256.lower()):
            raise ReviewError(
                f"post {post_id}: the picture is {art.sha256[:12]}, not {picture_sha256[:12]!r}; "
                "look at the current picture and approve that one"
            )
        artwork = queries.load_artwork(art)
        found = _recheck(session, post, artwork, art.reply_text, lexicon)
        held = decide(found, campaign.policy())
        if held.decision is not Decision.PUBLISH:
            # in a transaction of its own: this one is rolled back by the refusal
            refused = (post.trigger_key, [f.ref for f in found], held.reasons)
        else:
            refused = None
            _approve(store, session, campaign, post, art, reviewer, reason)
    if refused is not None:
        key, refs, reasons = refused
        with store.transaction() as session:
            store.record(session, "approval-held", reviewer, key, findings=refs)
        raise ReviewError(
            f"post {post_id}: the output screen still holds this reply: " + "; ".join(reasons)
        )


def _approve(
    store: Store,
    session: Session,
    campaign: Campaign,
    post: PostRow,
    art: ArtworkRow,
    reviewer: str,
    reason: str,
) -> None:
    now = store.clock()
    _decided(session, post.id, reviewer, now)
    _act(session, post.id, "approve", reviewer, reason, art.sha256, now)
    if post.parent_key is not None:
        other = session.execute(
            select(OutboxRow.post_id).where(
                OutboxRow.parent_key == post.parent_key, OutboxRow.post_id != post.id
            )
        ).scalar_one_or_none()
        if other is not None:
            raise ReviewError(
                f"post {post.id}: post {other} already has a reply to the same parent post "
                "(queued or sent), and a parent post gets one reply: reject this one"
            )
    enqueue(session, post, campaign.hashtag, approved_by=reviewer, now=now)
    post.state = PostState.QUEUED
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
        _decided(session, post_id, reviewer, now)
        _act(session, post_id, "reject", reviewer, reason, art.sha256 if art else None, now)
        outbox = session.execute(
            select(OutboxRow).where(OutboxRow.post_id == post_id)
        ).scalar_one_or_none()
        if outbox is not None and outbox.state in (OutboxState.PENDING, OutboxState.FAILED):
            outbox.state = OutboxState.CANCELLED
        post.state = PostState.REJECTED
        store.record(session, "rejected", reviewer, post.trigger_key, reason=reason)


def _act(
    session: Session,
    post_id: int,
    action: str,
    reviewer: str,
    reason: str,
    picture_sha256: str | None,
    now: datetime,
) -> None:
    """What a person did, with the picture they saw, for the record."""
    session.add(
        ReviewActionRow(
            post_id=post_id,
            action=action,
            reviewer=reviewer,
            reason=reason,
            picture_sha256=picture_sha256,
            at=now,
        )
    )


def _decided(session: Session, post_id: int, reviewer: str, now: datetime) -> None:
    """The claim ends with the decision (in the same transaction: if the decision is refused,
    the claim stays)."""
    row = _check_claim(session, post_id, reviewer, now)
    if row is not None:
        session.delete(row)


def _waiting_post(session: Session, post_id: int) -> tuple[PostRow, ArtworkRow | None]:
    post = _post(session, post_id)
    if post is None:
        raise UnknownPost(f"there is no post {post_id}")
    mode = queries.get_mode(session)
    outbox = session.execute(
        select(OutboxRow).where(OutboxRow.post_id == post_id)
    ).scalar_one_or_none()
    unapproved_queued = (
        post.state == PostState.QUEUED
        and mode is not Mode.AUTOPILOT
        and outbox is not None
        and outbox.approved_by is None
        and outbox.state == OutboxState.PENDING
    )
    if post.state != PostState.REVIEW and not unapproved_queued:
        raise ReviewError(f"post {post_id} is not waiting for review (it is {post.state})")
    return post, session.get(ArtworkRow, post_id)
