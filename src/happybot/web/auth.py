"""Who is asking, and may they: sessions for people, tokens for scripts, CSRF, roles, and a
limit on login attempts.

A person logs in once and holds a signed session cookie (HttpOnly, SameSite=Strict, Secure
when served over HTTPS) that names their user, the user's generation (a change of password or
role ends old sessions) and a CSRF token. Every request that changes something and comes with
the cookie must carry that token in the `X-CSRF-Token` header: a page of another site can make
the browser send the cookie, never read the token. A script sends `Authorization: Bearer TOKEN`
instead, and needs no CSRF token (nothing sends a bearer token by itself).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from happybot.config import Campaign
from happybot.operate.users import Role, User, current_user, user_for_token
from happybot.store.db import Store

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Principal:
    user: User
    via: str  # "session" or "token"

    @property
    def name(self) -> str:
        return self.user.name


def store_of(request: Request) -> Store:
    store = request.app.state.store
    assert isinstance(store, Store)
    return store


def campaign_of(request: Request) -> Campaign:
    campaign = request.app.state.campaign
    assert isinstance(campaign, Campaign)
    return campaign


def start_session(request: Request, user: User) -> str:
    """Log the user in on this browser; returns the CSRF token the pages send back."""
    request.session.clear()
    csrf = secrets.token_urlsafe(32)
    request.session.update({"uid": user.id, "gen": user.generation, "csrf": csrf})
    return csrf


def session_principal(request: Request) -> Principal | None:
    uid, gen = request.session.get("uid"), request.session.get("gen")
    if not isinstance(uid, int) or not isinstance(gen, int):
        return None
    user = current_user(store_of(request), uid, gen)
    if user is None:
        request.session.clear()  # removed, or the password or role changed since
        return None
    return Principal(user, "session")


def _principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = user_for_token(store_of(request), header[7:].strip())
        if user is None:
            raise HTTPException(401, "the API token is wrong or revoked")
        return Principal(user, "token")
    found = session_principal(request)
    if found is None:
        raise HTTPException(401, "log in first (or send an API token)")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(sent, expected):
            raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
    return found


def still_signed_in(request: Request) -> bool:
    """Whether the request's session or token still names a current user (for a stream that
    began earlier)."""
    try:
        _principal(request)
    except HTTPException:
        return False
    return True


def require(role: Role) -> Callable[[Request], Principal]:
    """A dependency: the caller, if their role allows `role`; 401 or 403 otherwise."""

    def dependency(request: Request) -> Principal:
        found = _principal(request)
        if not found.user.role.allows(role):
            raise HTTPException(403, f"this needs the {role.value} role; you are {found.user.role}")
        return found

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]


class LoginLimiter:
    """Failed logins, counted per key (the routes use the address, and the name at that
    address): after `attempts` failures within `window` seconds a key waits `window`, and each
    further failure doubles the wait, up to `max_wait`. A name is counted per address, so that
    a stranger's guesses cannot lock the admin out of their own desk."""

    def __init__(
        self,
        attempts: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_wait: float = 3600.0,
    ) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self.max_wait = max(max_wait, window)
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.max_wait:
            times.popleft()
        # until a key is locked out, only the failures of the last `window` count
        while times and len(times) < self.attempts and now - times[0] > self.window:
            times.popleft()
        return times

    def _wait(self, times: deque[float]) -> float:
        if len(times) < self.attempts:
            return 0.0
        wait = min(self.max_wait, self.window * 2.0 ** (len(times) - self.attempts))
        return max(0.0, wait - (self.clock() - times[-1]))

    def retry_after(self, *keys: str) -> float:
        """Seconds to wait before another attempt; 0 when allowed."""
        return max((self._wait(self._recent(k)) for k in keys), default=0.0)

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._recent(key).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
