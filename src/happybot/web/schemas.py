"""The JSON API's shapes: what it answers and what it takes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from happybot.models import Mode
from happybot.operate.users import Role
from happybot.store.schema import MAX_ID

# ids are 64-bit integers in the store: a larger number names no row and is refused (422) like
# any other bad value, never a 500 from the database driver
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
BeforeId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

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
