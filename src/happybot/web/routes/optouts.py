"""People who get no reply: listed for everyone who may read, added by reviewers, exported."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from happybot.operate import optouts
from happybot.web.auth import Reviewer, Viewer, campaign_of, store_of
from happybot.web.schemas import Done

router = APIRouter()


class OptOutOut(BaseModel):
    platform: str
    account: str
    handle: str
    how: str
    ref: str | None
    at: datetime | None
    by: str


class NewOptOut(BaseModel):
    handle: str = Field(min_length=1, max_length=300)
    platform: str | None = Field(default=None, max_length=50)
    note: str = Field(default="", max_length=400)


@router.get("/opt-outs", response_model=list[OptOutOut])
def list_opt_outs(who: Viewer, request: Request) -> list[OptOutOut]:
    found = optouts.everyone(store_of(request), campaign_of(request))
    return [OptOutOut(**o.as_json()) for o in found]  # type: ignore[arg-type]


@router.get("/opt-outs.csv")
def export_opt_outs(who: Viewer, request: Request) -> Response:
    text = optouts.as_csv(optouts.everyone(store_of(request), campaign_of(request)))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="opt-outs.csv"'},
    )


@router.post("/opt-outs", response_model=Done)
def add_opt_out(body: NewOptOut, who: Reviewer, request: Request) -> Done:
    campaign = campaign_of(request)
    network = body.platform or campaign.network_name()
    handle = body.handle.strip().lstrip("@")
    new = optouts.add(store_of(request), network, handle, who.name, body.note)
    return Done(detail=f"@{handle} on {network}: " + ("opted out" if new else "had opted out"))
