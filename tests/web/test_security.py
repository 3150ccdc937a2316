"""Security defects of the dashboard found by a local probe (issue 22), each reproduced here."""

from __future__ import annotations

from pathlib import Path

import pytest

from happybot.operate.users import Role
from happybot.store.db import Store
from tests.web.helpers import dashboard

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
