"""Security defects of the dashboard found by a local probe (issue 22), each reproduced here."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from happybot.operate import users
from happybot.operate.users import Role
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.schema import AuditRow
from happybot.web.auth import LoginLimiter
from tests.web.helpers import PASSWORD, Dashboard, dashboard

ELSEWHERE = [
    "/%09/other.host/",
    "/%0a/other.host/",
    "/%0d/other.host/",
    "//other.host/",
    "/%5Cother.host/",
    "https://other.host/",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_login_never_sends_a_person_to_another_site(
    store: Store, tmp_path: Path, target: str
) -> None:
    page = dashboard(store, tmp_path).client().get(f"/login?next={target}")
    assert page.status_code == 200
    assert 'data-next="/"' in page.text and "other.host" not in page.text


def test_login_keeps_a_path_of_this_site(store: Store, tmp_path: Path) -> None:
    page = dashboard(store, tmp_path).client().get("/login?next=/queue")
    assert 'data-next="/queue"' in page.text


def test_a_cookie_saved_before_logout_no_longer_works(store: Store, tmp_path: Path) -> None:
    board = dashboard(store, tmp_path)
    browser = board.client(Role.REVIEWER)
    saved = dict(browser.cookies)
    assert browser.post("/api/logout").status_code == 200
    thief = board.client()
    thief.cookies.update(saved)
    assert thief.get("/api/queue").status_code == 401


def test_private_answers_are_never_cached_and_errors_carry_the_headers(
    store: Store, tmp_path: Path
) -> None:
    board = dashboard(store, tmp_path)
    admin = board.client(Role.ADMIN)
    for answer in (
        admin.get("/api/queue"),
        admin.get("/queue"),
        admin.get("/api/posts/999"),  # 404
        admin.get(f"/api/posts/{2**63}"),  # past 64 bits: refused, not a 500
        admin.get(f"/api/audit?before={2**70}"),
    ):
        assert answer.status_code < 500, answer.text
        assert answer.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def _login(board: Dashboard, address: str, name: str, password: str) -> int:
    browser = TestClient(board.app, client=(address, 50000))
    return browser.post("/api/login", json={"name": name, "password": password}).status_code


def test_a_strangers_guesses_do_not_lock_the_admin_out_of_their_own_desk(
    store: Store, tmp_path: Path
) -> None:
    board = dashboard(store, tmp_path)
    for _ in range(5):
        assert _login(board, "203.0.113.9", "admin", "a wrong password!") == 401
    assert _login(board, "203.0.113.9", "admin", PASSWORD) == 429  # the stranger waits
    assert _login(board, "192.0.2.10", "admin", PASSWORD) == 200  # the admin does not
    kinds = [e.kind for e in _audit(store)]
    assert kinds.count("login-failed") == 5 and "login-locked" in kinds and "login" in kinds


def test_each_failure_past_the_limit_doubles_the_wait() -> None:
    now = [0.0]
    limiter = LoginLimiter(attempts=2, window=60, clock=lambda: now[0], max_wait=1000)
    for _ in range(2):
        limiter.failed("k")
    assert limiter.retry_after("k") == 60
    now[0] = 61
    limiter.failed("k")
    assert limiter.retry_after("k") == 120
    now[0] = 200
    limiter.failed("k")
    assert limiter.retry_after("k") == 240
    limiter.succeeded("k")
    assert limiter.retry_after("k") == 0


def test_forwarded_for_is_believed_only_from_a_named_proxy(store: Store, tmp_path: Path) -> None:
    import httpx

    from happybot.web.server import BackgroundServer

    board = dashboard(store, tmp_path)
    with BackgroundServer(board.app) as url:
        codes = [
            httpx.post(
                f"{url}/api/login",
                json={"name": f"nobody{i}", "password": "a wrong password!"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(6)
        ]
    # every guess came from 127.0.0.1, whatever the header said: the sixth waits
    assert codes == [401] * 5 + [429]


def test_an_event_stream_ends_when_its_user_is_removed(store: Store, tmp_path: Path) -> None:
    board = dashboard(store, tmp_path)
    viewer = board.client(Role.VIEWER)
    seen = []
    began = time.monotonic()
    with viewer.stream("GET", "/api/events") as stream:
        for line in stream.iter_lines():
            seen.append(line)
            if line.startswith("event: counts"):
                users.remove_user(store, "viewer", actor="admin")
            # a stream that outlives its user sends a keep-alive every 15 s: fail, not hang
            assert time.monotonic() - began < 12, "the stream went on after its user was removed"
    assert any(line.startswith("event: counts") for line in seen)  # and then it ended


def _audit(store: Store) -> list[AuditRow]:
    with store.transaction() as session:
        return audit.entries(session, limit=1000)
