"""The rules of a person's action hold on every path: the CLI calls the same functions as the
dashboard, so an escalated post, your own admin role and a retraction's confirmed count are
refused alike; and the dashboard maps our errors to HTTP in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from happybot.cli import app
from happybot.errors import Conflict, NotFound
from happybot.operate import review, users
from happybot.operate.retract import Selection, retract
from happybot.operate.users import Role
from happybot.store.db import Store
from tests.web.helpers import PASSWORD, dashboard

runner = CliRunner()


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'hb.db'}"
    monkeypatch.setenv("HAPPYBOT_DB", url)
    monkeypatch.setenv("HAPPYBOT_AUDIT_KEY", "rules-key")
    store = Store.open(url, b"rules-key")
    dashboard(store, tmp_path)  # a run with held posts and a user of each role
    return store


def test_a_reviewer_at_the_cli_cannot_decide_an_escalated_post(cli_store: Store) -> None:
    post_id = review.queue(cli_store)[0].post_id
    review.escalate(cli_store, post_id=post_id, reviewer="reviewer", reason="a dog whistle?")
    refused = runner.invoke(app, ["review", "reject", str(post_id), "--by", "reviewer"])
    assert isinstance(refused.exception, Conflict)
    assert "an admin decides it" in str(refused.exception)
    done = runner.invoke(app, ["review", "reject", str(post_id), "--by", "admin"])
    assert done.exit_code == 0, done.output


def test_nobody_takes_away_their_own_admin_role_or_removes_themselves(cli_store: Store) -> None:
    with pytest.raises(Conflict, match="your own admin role"):
        users.set_role(cli_store, "admin", Role.VIEWER, actor="admin")
    with pytest.raises(Conflict, match="remove yourself"):
        users.remove_user(cli_store, "admin", actor="admin")
    users.set_role(cli_store, "reviewer", Role.VIEWER, actor="admin")
    assert users.role_of(cli_store, "reviewer") is Role.VIEWER


def test_a_retraction_does_nothing_when_the_count_changed_since_it_was_confirmed(
    cli_store: Store, tmp_path: Path
) -> None:
    from tests.pipeline.helpers import CrashingPlatform, ListSource

    platform = CrashingPlatform(ListSource([]), tmp_path / "out")
    everything = Selection(author=None, since=datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(Conflict, match="replies match now, not 1"):
        retract(cli_store, platform, everything, actor="admin", reason="x", expected_count=1)
    done = retract(cli_store, platform, everything, actor="admin", reason="x", expected_count=3)
    assert len(done.retracted) == 3


def test_errors_become_http_in_one_place(store: Store, tmp_path: Path) -> None:
    board = dashboard(store, tmp_path)
    admin = board.client(Role.ADMIN)
    assert admin.post("/api/incidents/999/close", json={"reason": "x"}).status_code == 404
    assert admin.post("/api/users/nobody/role", json={"role": "viewer"}).status_code == 404
    assert admin.post("/api/posts/999/reject", json={"reason": "x"}).status_code == 404
    mine = admin.post("/api/users/admin/role", json={"role": "viewer"})
    assert mine.status_code == 409 and "your own admin role" in mine.json()["detail"]
    added = admin.post("/api/users", json={"name": "admin", "role": "viewer", "password": PASSWORD})
    assert added.status_code == 409
    with pytest.raises(NotFound):
        review.get_item(store, 999)
