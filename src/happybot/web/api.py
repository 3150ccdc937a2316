"""The JSON API: everything the pages do, for scripts too (its OpenAPI schema at
/openapi.json). Thin over the functions the CLI calls: review, modes, retract, incidents."""

from __future__ import annotations

from fastapi import APIRouter

from happybot.web.routes import (
    audit,
    operations,
    optouts,
    people,
    queue,
    session,
    statements,
)

router = APIRouter(prefix="/api")
for section in (session, queue, operations, people, optouts, statements, audit):
    router.include_router(section.router)
