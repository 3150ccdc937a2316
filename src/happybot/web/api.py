"""The JSON API: everything the pages do, for scripts too (its OpenAPI schema at
/openapi.json). Thin over the functions the CLI calls: review, modes, retract, incidents."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from happybot.errors import AuthError, HappybotError
from happybot.models import Finding, Mode, Post
from happybot.operate import review
from happybot.operate.incidents import close_incident, recent_incidents
from happybot.operate.modes import set_mode
from happybot.operate.retract import Selection, published_replies, retract
from happybot.operate.stats import counts, timeline
from happybot.operate.users import (
    Role,
    add_user,
    authenticate,
    list_users,
    remove_user,
    set_role,
)
from happybot.store import audit
from happybot.store.db import as_utc
from happybot.store.schema import ArtworkRow
from happybot.web.auth import Admin, Principal, Reviewer, Viewer, start_session, store_of

router = APIRouter(prefix="/api")


# -- shapes of the answers -----------------------------------------------------------------


class AuthorOut(BaseModel):
    handle: str
    display_name: str | None
    created_at: datetime | None
    followers: int | None
    posts: int | None


class PostOut(BaseModel):
    text: str
    author: AuthorOut
    created_at: datetime | None


class FindingOut(BaseModel):
    screen: str
    label: str
    risk: float
    target: str
    span: tuple[int, int] | None
    why: str


class QueueItemOut(BaseModel):
    post_id: int
    received_at: datetime
    post: PostOut
    parent: PostOut | None
    reasons: list[str]
    findings: list[FindingOut]
    picture_sha256: str | None
    picture_url: str | None
    reply_text: str | None
    claimed_by: str | None
    escalated_by: str | None


class Me(BaseModel):
    name: str
    role: Role
    csrf: str | None = Field(None, description="send it back as X-CSRF-Token on every change")


class Done(BaseModel):
    ok: bool = True
    detail: str = ""


# -- requests --------------------------------------------------------------------------------


class Login(BaseModel):
    name: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class Approve(BaseModel):
    picture_sha256: str = Field(
        min_length=12, max_length=64, description="the hash of the picture the reviewer saw"
    )
    reason: str = Field("", max_length=2000)


class Reason(BaseModel):
    reason: str = Field("", max_length=2000)


class Decision(BaseModel):
    post_id: int
    action: Literal["approve", "reject", "escalate"]
    picture_sha256: str | None = Field(None, max_length=64)
    reason: str = Field("", max_length=2000)


class Bulk(BaseModel):
    decisions: list[Decision] = Field(max_length=500)


class BulkResult(BaseModel):
    done: list[int]
    refused: dict[int, str]


class ModeChange(BaseModel):
    mode: Mode
    reason: str = Field("", max_length=2000)
    confirm: bool = Field(False, description="must be true: a mode change is never an accident")


class RetractRequest(BaseModel):
    post_ids: list[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    author: str | None = None
    label: str | None = Field(None, description="replies to posts a screen found this in")
    reason: str = Field(min_length=1, max_length=2000)
    expected_count: int = Field(
        description="how many replies the person confirmed: refused if the selection differs"
    )


# -- session -----------------------------------------------------------------------------------


@router.post("/login", response_model=Me)
def login(body: Login, request: Request) -> Me:
    limiter = request.app.state.login_limiter
    address = request.client.host if request.client else "unknown"
    keys = (f"ip:{address}", f"name:{body.name.lower()}")
    wait = limiter.retry_after(*keys)
    if wait > 0:
        raise HTTPException(
            429, "too many failed logins: wait and try again", {"Retry-After": str(int(wait) + 1)}
        )
    try:
        user = authenticate(store_of(request), body.name, body.password)
    except AuthError as exc:
        limiter.failed(*keys)
        raise HTTPException(401, str(exc)) from None
    limiter.succeeded(*keys)
    csrf = start_session(request, user)
    return Me(name=user.name, role=user.role, csrf=csrf)


@router.post("/logout", response_model=Done)
def logout(who: Viewer, request: Request) -> Done:
    request.session.clear()
    return Done(detail=f"{who.name} logged out")


@router.get("/me", response_model=Me)
def me(who: Viewer, request: Request) -> Me:
    csrf = request.session.get("csrf") if who.via == "session" else None
    return Me(name=who.name, role=who.user.role, csrf=csrf)


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
def post(post_id: int, who: Viewer, request: Request) -> QueueItemOut:
    return item_out(_get(request, post_id))


@router.get("/posts/{post_id}/picture.png", response_class=Response)
def picture(post_id: int, who: Viewer, request: Request) -> Response:
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
def claim(post_id: int, who: Reviewer, request: Request) -> Done:
    """Hold the post while you look at it: nobody else decides it meanwhile."""
    until = review.claim(store_of(request), post_id=post_id, reviewer=who.name)
    return Done(detail=f"yours until {until:%H:%M:%S} UTC")


@router.post("/posts/{post_id}/release", response_model=Done)
def release(post_id: int, who: Reviewer, request: Request) -> Done:
    review.release(store_of(request), post_id=post_id, reviewer=who.name)
    return Done()


@router.post("/posts/{post_id}/approve", response_model=Done)
def approve(post_id: int, body: Approve, who: Reviewer, request: Request) -> Done:
    """Approve the reply with exactly the picture whose hash you send."""
    return _one(request, who, Decision(post_id=post_id, action="approve", **body.model_dump()))


@router.post("/posts/{post_id}/reject", response_model=Done)
def reject(post_id: int, body: Reason, who: Reviewer, request: Request) -> Done:
    return _one(
        request,
        who,
        Decision(post_id=post_id, action="reject", picture_sha256=None, reason=body.reason),
    )


@router.post("/posts/{post_id}/escalate", response_model=Done)
def escalate(post_id: int, body: Reason, who: Reviewer, request: Request) -> Done:
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


# -- modes, incidents, retraction ------------------------------------------------------------


class StatusOut(BaseModel):
    counts: dict[str, Any]
    at: float


@router.get("/status", response_model=StatusOut)
def status(who: Viewer, request: Request) -> StatusOut:
    """The mode, open incidents and the counters."""
    return StatusOut(counts=counts(store_of(request)).as_json(), at=time.time())


class BucketOut(BaseModel):
    start: datetime
    posts_in: int
    published: int
    waiting_for_review: int
    rejected: int
    flagged: int


@router.get("/timeline", response_model=list[BucketOut])
def timeline_of(who: Viewer, request: Request, minutes: int = 60) -> list[BucketOut]:
    """Posts in per minute over the last `minutes`, by what became of them."""
    buckets = timeline(store_of(request), minutes=max(5, min(minutes, 24 * 60)))
    return [BucketOut(**b.as_json()) for b in buckets]


class IncidentOut(BaseModel):
    id: int
    kind: str
    summary: str
    opened_at: datetime
    closed_at: datetime | None


@router.get("/incidents", response_model=list[IncidentOut])
def incidents(who: Viewer, request: Request) -> list[IncidentOut]:
    """Open and closed incidents, newest first."""
    return [
        IncidentOut(
            id=i.id, kind=i.kind, summary=i.summary, opened_at=i.opened_at, closed_at=i.closed_at
        )
        for i in recent_incidents(store_of(request))
    ]


EVENT_SECONDS = 2.0


@router.get("/events", response_class=StreamingResponse)
async def events(who: Viewer, request: Request) -> StreamingResponse:
    """Server-sent events: `counts` (the status counters) whenever they change, checked every
    two seconds, and a comment every fifteen so that proxies keep the stream open."""
    store = store_of(request)

    async def stream() -> AsyncIterator[str]:
        last, quiet = "", 0.0
        while not await request.is_disconnected():
            now = await run_in_threadpool(counts, store)
            data = json.dumps(now.as_json(), sort_keys=True)
            if data != last:
                last, quiet = data, 0.0
                yield f"event: counts\ndata: {data}\n\n"
            elif quiet >= 15:
                quiet = 0.0
                yield ": still here\n\n"
            await asyncio.sleep(EVENT_SECONDS)
            quiet += EVENT_SECONDS

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/mode", response_model=Done)
def change_mode(body: ModeChange, who: Admin, request: Request) -> Done:
    """autopilot, copilot or paused; paused stops every reply not yet sent."""
    if not body.confirm:
        raise HTTPException(422, "confirm the change: send confirm=true")
    previous = set_mode(store_of(request), body.mode, who.name, body.reason)
    was = previous.value if previous else "unset"
    return Done(detail=f"mode {was} -> {body.mode.value}")


@router.post("/incidents/{incident_id}/close", response_model=Done)
def close(incident_id: int, body: Reason, who: Admin, request: Request) -> Done:
    close_incident(store_of(request), incident_id, who.name, body.reason)
    return Done(detail=f"incident {incident_id} closed")


class RetractResultOut(BaseModel):
    retracted: list[int]
    failed: dict[int, str]


def _selection(body: RetractRequest) -> Selection:
    selection = Selection(
        post_ids=body.post_ids,
        since=as_utc(body.since),
        until=as_utc(body.until),
        author=body.author or None,
        label=body.label or None,
    )
    if selection.empty:
        raise HTTPException(
            422, "say which replies: post ids, a time window, an author or a finding's label"
        )
    return selection


@router.post("/retract", response_model=RetractResultOut)
def retract_replies(body: RetractRequest, who: Admin, request: Request) -> RetractResultOut:
    """Remove published replies from the platform. `expected_count` is what the person saw
    and confirmed: if more or fewer match now, nothing is done."""
    result = retract(
        store_of(request),
        request.app.state.platform(),
        _selection(body),
        actor=who.name,
        reason=body.reason,
        expected_count=body.expected_count,
    )
    return RetractResultOut(retracted=result.retracted, failed=result.failed)


class PublishedOut(BaseModel):
    post_id: int
    author: str
    text: str
    sent_at: datetime | None
    remote_url: str | None
    picture_url: str
    alt_text: str


@router.get("/published", response_model=list[PublishedOut])
def published(
    who: Viewer,
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
    author: str | None = None,
    label: str | None = None,
    before: int | None = None,
    limit: int = 60,
) -> list[PublishedOut]:
    """Published replies, newest first, filtered as a retraction would select them."""
    selection = Selection(
        since=as_utc(since), until=as_utc(until), author=author or None, label=label or None
    )
    replies = published_replies(
        store_of(request), selection, limit=max(1, min(limit, 500)), before=before
    )
    return [
        PublishedOut(
            post_id=r.post_id,
            author=r.author,
            text=r.text,
            sent_at=r.sent_at,
            remote_url=r.remote_url,
            picture_url=f"/api/posts/{r.post_id}/picture.png?sha256={r.picture_sha256}",
            alt_text=r.alt_text,
        )
        for r in replies
    ]


# -- users ---------------------------------------------------------------------------------------


class UserOut(BaseModel):
    name: str
    role: Role


class NewUser(BaseModel):
    name: str = Field(max_length=100)
    role: Role
    password: str = Field(min_length=12, max_length=1000)


class RoleChange(BaseModel):
    role: Role


@router.get("/users", response_model=list[UserOut])
def list_people(who: Admin, request: Request) -> list[UserOut]:
    return [UserOut(name=u.name, role=u.role) for u in list_users(store_of(request))]


@router.post("/users", response_model=UserOut)
def add_person(body: NewUser, who: Admin, request: Request) -> UserOut:
    user = add_user(store_of(request), body.name, body.role, body.password, actor=who.name)
    return UserOut(name=user.name, role=user.role)


@router.post("/users/{name}/role", response_model=Done)
def change_role(name: str, body: RoleChange, who: Admin, request: Request) -> Done:
    set_role(store_of(request), name, body.role, actor=who.name)
    return Done(detail=f"{name} is now {body.role.value}")


@router.post("/users/{name}/remove", response_model=Done)
def remove_person(name: str, who: Admin, request: Request) -> Done:
    remove_user(store_of(request), name, actor=who.name)
    return Done(detail=f"{name} removed")


# -- the audit log -----------------------------------------------------------------------------


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str
    subject: str | None
    payload: str


class AuditOut(BaseModel):
    entries: list[AuditEntryOut]
    chain_ok: bool
    chain_entries: int
    chain_problem: str | None


@router.get("/audit", response_model=AuditOut)
def audit_log(
    who: Viewer,
    request: Request,
    kind: str | None = None,
    actor: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> AuditOut:
    store = store_of(request)
    with store.transaction() as session:
        rows = audit.entries(
            session, kind=kind, actor=actor, before=before, limit=max(1, min(limit, 1000))
        )
        status = audit.verify(session, store.audit_key)
        return AuditOut(
            entries=[
                AuditEntryOut(
                    id=r.id,
                    at=r.at,
                    kind=r.kind,
                    actor=r.actor,
                    subject=r.subject,
                    payload=r.payload,
                )
                for r in rows
            ],
            chain_ok=status.ok,
            chain_entries=status.entries,
            chain_problem=status.problem,
        )
