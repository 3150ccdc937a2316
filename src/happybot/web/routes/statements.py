"""Holding statements: read by everyone, approved by admins, posted from an incident by an
admin after a confirmation."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from happybot.operate import statements
from happybot.web.auth import Admin, Viewer, campaign_of, store_of
from happybot.web.schemas import Done, PathId

router = APIRouter()


class StatementOut(BaseModel):
    network: str
    language: str
    text: str
    sha256: str
    approved_by: str | None


class Approval(BaseModel):
    network: str = Field(max_length=50)
    language: str = Field(max_length=3)
    sha256: str = Field(min_length=12, max_length=64)


class Order(BaseModel):
    language: str = Field("en", max_length=3)
    confirm: bool = Field(False, description="must be true: the brand speaks in public")


@router.get("/statements", response_model=list[StatementOut])
def list_statements(who: Viewer, request: Request) -> list[StatementOut]:
    found = statements.prepared(store_of(request), campaign_of(request))
    return [StatementOut(**asdict(p)) for p in found]


@router.post("/statements/approve", response_model=Done)
def approve_statement(body: Approval, who: Admin, request: Request) -> Done:
    done = statements.approve(
        store_of(request), campaign_of(request), body.network, body.language, body.sha256, who.name
    )
    return Done(detail=f"{done.network}/{done.language} approved")


@router.post("/incidents/{incident_id}/statement", response_model=Done)
def post_statement(incident_id: PathId, body: Order, who: Admin, request: Request) -> Done:
    if not body.confirm:
        raise HTTPException(422, "confirm: the statement is posted from the brand's account")
    published = statements.post_statement(
        store_of(request),
        campaign_of(request),
        request.app.state.platform(),
        incident_id,
        who.name,
        body.language,
    )
    return Done(detail=f"statement posted: {published.url or published.ref}")


class Deletion(BaseModel):
    reason: str = Field("", max_length=2000)
    confirm: bool = Field(False, description="must be true: the post is deleted in public")


@router.post("/incidents/{incident_id}/statement/retract", response_model=Done)
def retract_statement(incident_id: PathId, body: Deletion, who: Admin, request: Request) -> Done:
    if not body.confirm:
        raise HTTPException(422, "confirm: the statement is deleted from the brand's account")
    gone = statements.retract_statement(
        store_of(request), request.app.state.platform(), incident_id, who.name, body.reason
    )
    return Done(detail=f"{gone} statement{'s' if gone != 1 else ''} retracted")
