"""The campaign as a whole: status, timeline, incidents, the live event stream, modes and
retraction."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from happybot.operate.incidents import acknowledge, close_incident, recent_incidents
from happybot.operate.modes import set_mode
from happybot.operate.retract import Selection, published_replies, retract
from happybot.operate.stats import counts, timeline
from happybot.store.db import as_utc
from happybot.web.auth import Admin, Reviewer, Viewer, still_signed_in, store_of
from happybot.web.schemas import (
    BeforeId,
    Done,
    ModeChange,
    PathId,
    Reason,
    RetractRequest,
)

router = APIRouter()


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
            # the stream outlives no one: a user removed, logged out or re-roled since it began
            # (their generation moved on) gets no more events
            if not await run_in_threadpool(still_signed_in, request):
                return
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


@router.post("/incidents/{incident_id}/acknowledge", response_model=Done)
def acknowledge_incident(
    incident_id: PathId, body: Reason, who: Reviewer, request: Request
) -> Done:
    """A person is on it (the campaign is not paused for silence)."""
    acknowledge(store_of(request), incident_id, who.name, body.reason)
    return Done(detail=f"incident {incident_id} acknowledged")


@router.post("/incidents/{incident_id}/close", response_model=Done)
def close(incident_id: PathId, body: Reason, who: Admin, request: Request) -> Done:
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
    before: BeforeId = None,
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
