"""Every request that changes something is refused without a session or token, with the wrong
role, and (with a session) without the CSRF token: shown by walking the OpenAPI schema, so that
a new route without a decision about its role fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from happybot.operate import review, users
from happybot.operate.users import Role
from happybot.store.db import Store
from happybot.web.auth import LoginLimiter
from tests.web.helpers import PASSWORD, Dashboard, dashboard

# the role each changing route needs; /api/login is the way in and needs none
NEEDS = {
    ("post", "/api/logout"): Role.VIEWER,
    ("post", "/api/posts/{post_id}/claim"): Role.REVIEWER,
    ("post", "/api/posts/{post_id}/release"): Role.REVIEWER,
    ("post", "/api/posts/{post_id}/approve"): Role.REVIEWER,
    ("post", "/api/posts/{post_id}/reject"): Role.REVIEWER,
    ("post", "/api/posts/{post_id}/escalate"): Role.REVIEWER,
    ("post", "/api/queue/decide"): Role.REVIEWER,
    ("post", "/api/mode"): Role.ADMIN,
    ("post", "/api/incidents/{incident_id}/close"): Role.ADMIN,
    ("post", "/api/incidents/{incident_id}/acknowledge"): Role.REVIEWER,
    ("post", "/api/retract"): Role.ADMIN,
    ("post", "/api/users"): Role.ADMIN,
    ("post", "/api/users/{name}/role"): Role.ADMIN,
    ("post", "/api/users/{name}/remove"): Role.ADMIN,
    ("post", "/api/opt-outs"): Role.REVIEWER,
    ("post", "/api/statements/approve"): Role.ADMIN,
    ("post", "/api/incidents/{incident_id}/statement"): Role.ADMIN,
    ("post", "/api/incidents/{incident_id}/statement/retract"): Role.ADMIN,
}
OPEN = {("post", "/api/login")}


def _body(path: str, post_id: int, sha: str) -> dict[str, Any]:
    return {
        "/api/posts/{post_id}/approve": {"picture_sha256": sha, "reason": "fine"},
        "/api/posts/{post_id}/escalate": {"reason": "an admin should look"},
        "/api/queue/decide": {"decisions": [{"post_id": post_id, "action": "reject"}]},
        "/api/mode": {"mode": "copilot", "confirm": True, "reason": "test"},
        "/api/retract": {"post_ids": [1], "reason": "test", "expected_count": 1},
        "/api/users": {"name": "newcomer", "role": "viewer", "password": "x" * 12},
        "/api/users/{name}/role": {"role": "viewer"},
        "/api/opt-outs": {"handle": "someone.example", "note": "test"},
        "/api/statements/approve": {"network": "*", "language": "en", "sha256": "0" * 12},
        "/api/incidents/{incident_id}/statement": {"language": "en", "confirm": True},
        "/api/incidents/{incident_id}/statement/retract": {"reason": "test", "confirm": True},
    }.get(path, {"reason": "test"})


def _changing_routes(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    return [
        (method, path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method not in ("get", "head", "options")
    ]


@pytest.fixture
def board(store: Store, tmp_path: Path) -> Dashboard:
    return dashboard(store, tmp_path)


def _call(client: TestClient, method: str, path: str, board: Dashboard) -> int:
    waiting = review.queue(board.store, limit=1)
    # once the queue is empty (the admin decided it all), a post id that is no longer waiting
    post_id, sha = (waiting[0].post_id, waiting[0].picture_sha256 or "") if waiting else (1, "")
    url = path.replace("{post_id}", str(post_id)).replace("{incident_id}", "1")
    url = url.replace("{name}", "viewer")
    body = _body(path, post_id, sha)
    return client.request(method.upper(), url, json=body).status_code


def test_every_changing_route_has_a_role_decided(board: Dashboard) -> None:
    assert set(_changing_routes(board.client())) == set(NEEDS) | OPEN


def test_every_changing_route_is_refused_without_a_session_or_token(board: Dashboard) -> None:
    anonymous = board.client()
    for method, path in _changing_routes(anonymous):
        if (method, path) not in OPEN:
            assert _call(anonymous, method, path, board) == 401, path
    wrong_token = board.client()
    wrong_token.headers["Authorization"] = "Bearer hb_not-a-token"
    for method, path in NEEDS:
        assert _call(wrong_token, method, path, board) == 401, path


def test_every_changing_route_is_refused_with_the_wrong_role(board: Dashboard) -> None:
    for role in Role:
        client = board.client(role)
        for (method, path), needed in NEEDS.items():
            if not role.allows(needed):
                assert _call(client, method, path, board) == 403, (role, path)


def test_every_changing_route_is_refused_without_the_csrf_token(board: Dashboard) -> None:
    admin = board.client(Role.ADMIN)
    token = admin.headers.pop("X-CSRF-Token")
    for method, path in NEEDS:
        assert _call(admin, method, path, board) == 403, path
    admin.headers["X-CSRF-Token"] = token[:-1] + ("A" if token[-1] != "A" else "B")
    for method, path in NEEDS:
        assert _call(admin, method, path, board) == 403, path


def test_the_right_role_gets_through(board: Dashboard) -> None:
    admin = board.client(Role.ADMIN)
    # logging out last: it ends the session the others need
    for method, path in sorted(NEEDS, key=lambda route: route[1] == "/api/logout"):
        assert _call(admin, method, path, board) not in (401, 403), path


def test_reading_needs_a_session_or_token_too(board: Dashboard) -> None:
    anonymous = board.client()
    schema = anonymous.get("/openapi.json").json()
    reads = [path for path, ops in schema["paths"].items() if "get" in ops]
    assert "/api/queue" in reads and "/api/audit" in reads
    for path in reads:
        url = path.replace("{post_id}", "1")
        assert anonymous.get(url).status_code == 401, path
    assert anonymous.get("/metrics").status_code == 401
    assert anonymous.get("/queue", follow_redirects=False).headers["location"] == (
        "/login?next=/queue"
    )


def test_a_script_uses_a_token_and_needs_no_csrf(board: Dashboard) -> None:
    token = users.create_token(board.store, "reviewer", "script", actor="test")
    script = board.client()
    script.headers["Authorization"] = f"Bearer {token}"
    (item, *_) = review.queue(board.store)
    answer = script.post(f"/api/posts/{item.post_id}/reject", json={"reason": "by script"})
    assert answer.status_code == 200, answer.text


def test_logins_are_rate_limited_per_name(board: Dashboard) -> None:
    client = board.client()
    for _ in range(5):
        wrong = client.post("/api/login", json={"name": "admin", "password": "wrong password x"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong name or password"
    limited = client.post("/api/login", json={"name": "admin", "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_the_limiter_forgets_old_failures() -> None:
    now = [0.0]
    limiter = LoginLimiter(attempts=2, window=60, clock=lambda: now[0])
    limiter.failed("ip:x")
    limiter.failed("ip:x")
    assert limiter.retry_after("ip:x") == 60
    now[0] = 61
    assert limiter.retry_after("ip:x") == 0


def test_a_session_ends_when_the_role_changes(board: Dashboard) -> None:
    reviewer = board.client(Role.REVIEWER)
    assert reviewer.get("/api/me").json()["role"] == "reviewer"
    users.set_role(board.store, "reviewer", Role.VIEWER, actor="admin")
    assert reviewer.get("/api/me").status_code == 401


def test_the_session_cookie_is_http_only_and_same_site_strict(board: Dashboard) -> None:
    answer = board.client().post("/api/login", json={"name": "viewer", "password": PASSWORD})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_the_login_page_never_sends_people_to_another_site(board: Dashboard, target: str) -> None:
    page = board.client().get("/login", params={"next": target}).text
    assert 'data-next="/"' in page
