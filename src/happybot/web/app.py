"""The review dashboard: `create_app` wires the store, the campaign and the platform (for
retractions) into a FastAPI application with the JSON API (schema at /openapi.json) and the
pages.

Served on localhost by default (`happybot serve`). Behind a TLS proxy, serve with
`--secure-cookies`, so that the session cookie is only ever sent over HTTPS.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from happybot.config import Campaign
from happybot.errors import HappybotError, NotFound
from happybot.platforms.base import Platform
from happybot.store.db import Store
from happybot.web import api, metrics, pages
from happybot.web.auth import LoginLimiter
from happybot.web.metrics import registry_for

SESSION_HOURS = 12


def create_app(
    store: Store,
    campaign: Campaign,
    platform: Callable[[], Platform],
    *,
    secret_key: str | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """`platform` opens the campaign's platform when a retraction needs it (not before: the
    dashboard starts even when the network is unreachable). Without a `secret_key` (or
    $HAPPYBOT_SECRET_KEY) sessions are signed with a key made at start: a restart logs people
    out, and nothing secret lies on disk."""
    app = FastAPI(
        title="happybot dashboard",
        summary="Review queue, modes, retraction and the audit of a happybot campaign.",
        version="1",
        # the schema only: Swagger's pages load their script from a CDN, and the dashboard
        # works offline
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.campaign = campaign
    app.state.platform = platform
    app.state.login_limiter = LoginLimiter()
    app.state.metrics = registry_for(store)
    key = secret_key or os.environ.get("HAPPYBOT_SECRET_KEY") or secrets.token_urlsafe(48)
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie="happybot_session",
        max_age=SESSION_HOURS * 3600,
        same_site="strict",
        https_only=secure_cookies,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        # no framing (clickjacking), no inline script from elsewhere, no sniffing
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # every page and answer is private to the person logged in: no cache keeps a copy
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(HappybotError)
    async def happybot_error(request: Request, exc: HappybotError) -> JSONResponse:
        # the one place our errors become HTTP: nothing found is 404, everything else a person
        # asked that the rules or the state refuse is 409
        status = 404 if isinstance(exc, NotFound) else 409
        return JSONResponse({"detail": str(exc)}, status_code=status)

    static = resources.files("happybot.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(metrics.router)
    return app
