"""Logging in and out, and who is asking."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from happybot.errors import AuthError
from happybot.operate.users import authenticate, end_sessions, record_login
from happybot.web.auth import Viewer, start_session, store_of
from happybot.web.schemas import (
    Done,
    Login,
    Me,
)

router = APIRouter()


# -- session -----------------------------------------------------------------------------------


@router.post("/login", response_model=Me)
def login(body: Login, request: Request) -> Me:
    limiter, store = request.app.state.login_limiter, store_of(request)
    # the socket's peer, or what a proxy named with --trusted-proxy says (server.py): never a
    # header any client can send
    address = request.client.host if request.client else "unknown"
    name = body.name.lower()
    keys = (f"ip:{address}", f"name:{name}@{address}")
    wait = limiter.retry_after(*keys)
    if wait > 0:
        record_login(store, "login-locked", body.name, address, wait=round(wait))
        raise HTTPException(
            429, "too many failed logins: wait and try again", {"Retry-After": str(int(wait) + 1)}
        )
    try:
        user = authenticate(store, body.name, body.password)
    except AuthError as exc:
        limiter.failed(*keys)
        record_login(store, "login-failed", body.name, address)
        raise HTTPException(401, str(exc)) from None
    limiter.succeeded(*keys)
    record_login(store, "login", user.name, address)
    csrf = start_session(request, user)
    return Me(name=user.name, role=user.role, csrf=csrf)


@router.post("/logout", response_model=Done)
def logout(who: Viewer, request: Request) -> Done:
    # the session lives in a signed cookie: clearing it here does not stop a copy saved before
    # logout, so the user's sessions are ended on the server (all of them, on every browser)
    end_sessions(store_of(request), who.name, actor=who.name)
    request.session.clear()
    return Done(detail=f"{who.name} logged out")


@router.get("/me", response_model=Me)
def me(who: Viewer, request: Request) -> Me:
    csrf = request.session.get("csrf") if who.via == "session" else None
    return Me(name=who.name, role=who.user.role, csrf=csrf)
