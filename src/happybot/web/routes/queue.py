"""The review queue: what waits, one post with its evidence and picture, and decisions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from happybot.errors import HappybotError
from happybot.models import Finding, Post
from happybot.operate import review
from happybot.store.schema import ArtworkRow
from happybot.web.auth import Principal, Reviewer, Viewer, store_of
from happybot.web.schemas import (
    Approve,
    AuthorOut,
    Bulk,
    BulkResult,
    Decision,
    Done,
    FindingOut,
    PathId,
    PostOut,
    QueueItemOut,
    Reason,
)

router = APIRouter()


# -- the review queue ------------------------------------------------------------------------


def _post(post: Post) -> PostOut:
    a = post.author
    return PostOut(
        text=post.text,
        author=AuthorOut(
            handle=a.handle,
            display_name=a.display_name,
            created_at=a.created_at,
            followers=a.followers,
            posts=a.posts,
        ),
        created_at=post.created_at,
    )


def _finding(f: Finding) -> FindingOut:
    return FindingOut(
        screen=f.screen, label=f.label, risk=f.risk, target=f.target.value, span=f.span, why=f.why
    )


def item_out(item: review.QueueItem) -> QueueItemOut:
    t = item.trigger
    return QueueItemOut(
        post_id=item.post_id,
        received_at=item.received_at,
        post=_post(t.post),
        parent=_post(t.parent) if t.parent is not None else None,
        reasons=item.reasons,
        findings=[_finding(f) for f in item.findings],
        picture_sha256=item.picture_sha256,
        picture_url=(
            f"/api/posts/{item.post_id}/picture.png?sha256={item.picture_sha256}"
            if item.picture_sha256
            else None
        ),
        reply_text=item.reply_text,
        claimed_by=item.claimed_by,
        escalated_by=item.escalated_by,
    )


@router.get("/queue", response_model=list[QueueItemOut])
def queue(who: Viewer, request: Request, limit: int = 50, after: int = 0) -> list[QueueItemOut]:
    """Posts waiting for a person, oldest first."""
    items = review.queue(store_of(request), limit=max(1, min(limit, 500)), after=after)
    return [item_out(i) for i in items]


@router.get("/posts/{post_id}", response_model=QueueItemOut)
def post(post_id: PathId, who: Viewer, request: Request) -> QueueItemOut:
    return item_out(_get(request, post_id))


@router.get("/posts/{post_id}/picture.png", response_class=Response)
def picture(post_id: PathId, who: Viewer, request: Request) -> Response:
    """The exact picture that would be posted (its hash is in the queue item)."""
    with store_of(request).transaction() as session:
        art = session.get(ArtworkRow, post_id)
        if art is None:
            raise HTTPException(404, f"post {post_id} has no picture")
        png, digest = art.png, art.sha256
    # the URL carries the hash: a picture never changes under its URL, so it may be cached
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400", "ETag": f'"{digest}"'},
    )


def _get(request: Request, post_id: int) -> review.QueueItem:
    return review.get_item(store_of(request), post_id)


def _decide(request: Request, who: Principal, decision: Decision) -> None:
    review.apply_decision(
        store_of(request),
        request.app.state.campaign,
        post_id=decision.post_id,
        action=decision.action,
        reviewer=who.name,
        role=who.user.role,
        picture_sha256=decision.picture_sha256 or "",
        reason=decision.reason,
    )


def _one(request: Request, who: Principal, decision: Decision) -> Done:
    _decide(request, who, decision)
    return Done(detail=f"post {decision.post_id}: {decision.action}")


@router.post("/posts/{post_id}/claim", response_model=Done)
def claim(post_id: PathId, who: Reviewer, request: Request) -> Done:
    """Hold the post while you look at it: nobody else decides it meanwhile."""
    until = review.claim(store_of(request), post_id=post_id, reviewer=who.name)
    return Done(detail=f"yours until {until:%H:%M:%S} UTC")


@router.post("/posts/{post_id}/release", response_model=Done)
def release(post_id: PathId, who: Reviewer, request: Request) -> Done:
    review.release(store_of(request), post_id=post_id, reviewer=who.name)
    return Done()


@router.post("/posts/{post_id}/approve", response_model=Done)
def approve(post_id: PathId, body: Approve, who: Reviewer, request: Request) -> Done:
    """Approve the reply with exactly the picture whose hash you send."""
    return _one(request, who, Decision(post_id=post_id, action="approve", **body.model_dump()))


@router.post("/posts/{post_id}/reject", response_model=Done)
def reject(post_id: PathId, body: Reason, who: Reviewer, request: Request) -> Done:
    return _one(
        request,
        who,
        Decision(post_id=post_id, action="reject", picture_sha256=None, reason=body.reason),
    )


@router.post("/posts/{post_id}/escalate", response_model=Done)
def escalate(post_id: PathId, body: Reason, who: Reviewer, request: Request) -> Done:
    """Send the post up to an admin, with why."""
    return _one(
        request,
        who,
        Decision(post_id=post_id, action="escalate", picture_sha256=None, reason=body.reason),
    )


@router.post("/queue/decide", response_model=BulkResult)
def decide_many(body: Bulk, who: Reviewer, request: Request) -> BulkResult:
    """Several decisions at once; each stands or falls alone."""
    result = BulkResult(done=[], refused={})
    for decision in body.decisions:
        try:
            _decide(request, who, decision)
            result.done.append(decision.post_id)
        except HappybotError as exc:
            result.refused[decision.post_id] = str(exc)
    return result
