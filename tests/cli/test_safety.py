"""The command line with a wrong folder, a wrong key, a hostile post or a broken set-up: one
clear line, never a traceback, never a store made by accident, never escape codes from a post
in a reviewer's terminal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from happybot.cli import app
from happybot.config import starter_campaign_text
from happybot.errors import HappybotError
from tests.cli.test_cli import happybot
from tests.pipeline.helpers import line

runner = CliRunner()
TAG = "#MakeItHappy"


@pytest.fixture
def campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A campaign in its own folder with the starter's relative store, run from elsewhere."""
    monkeypatch.delenv("HAPPYBOT_DB", raising=False)
    monkeypatch.delenv("HAPPYBOT_AUDIT_KEY", raising=False)
    monkeypatch.delenv("HAPPYBOT_ALERT_WEBHOOK", raising=False)
    folder = tmp_path / "campaign"
    folder.mkdir()
    text = starter_campaign_text().replace("publish_delay_seconds: 120", "publish_delay_seconds: 0")
    (folder / "campaign.yaml").write_text(text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return folder / "campaign.yaml"


def invoke(*args: str) -> tuple[int, str]:
    """Exit code and output as `happybot` gives them: its main() prints a HappybotError as one
    line and exits 2; anything else escaping a command is a bug."""
    result = runner.invoke(app, list(args))
    if isinstance(result.exception, HappybotError):
        return 2, result.output + str(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def started(campaign: Path, *lines: str) -> None:
    posts = campaign.parent / "posts.jsonl"
    posts.write_text("\n".join(lines) + "\n")
    code, out = invoke(
        "run", "-c", str(campaign), "--dry-run", "--source", f"replay:{posts}", "--out", "out"
    )
    assert code == 0, out


def test_the_store_lies_beside_the_campaign_whatever_folder_a_command_starts_in(
    campaign: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started(campaign)
    assert (campaign.parent / "happybot.db").is_file()
    assert not (tmp_path / "elsewhere" / "happybot.db").exists()
    invoke("mode", "paused", "-c", str(campaign), "--by", "ops")
    monkeypatch.chdir(tmp_path)  # another folder again: the same store, still paused
    code, out = invoke("status", "-c", str(campaign), "--json")
    assert code == 0 and json.loads(out)["mode"] == "paused"


@pytest.mark.parametrize(
    "command",
    [("status",), ("audit", "verify"), ("review", "list"), ("mode",), ("mode", "copilot")],
)
def test_only_run_makes_a_store(campaign: Path, command: tuple[str, ...]) -> None:
    code, out = invoke(*command, "-c", str(campaign))
    assert code == 2 and "there is no store at" in out
    assert sorted(p.name for p in campaign.parent.iterdir()) == ["campaign.yaml"]


def test_a_store_moved_without_its_key_says_so_and_gets_no_new_key(campaign: Path) -> None:
    started(campaign)
    key = campaign.parent / "happybot.db.key"
    key.rename(campaign.parent / "elsewhere.key")
    code, out = invoke("audit", "verify", "-c", str(campaign))
    assert code == 2 and "audit key" in out and "is missing" in out and not key.exists()
    key.write_text("00" * 32)  # someone makes a new one by hand
    code, out = invoke("audit", "verify", "-c", str(campaign))
    assert code == 2 and "wrong audit key" in " ".join(out.split())


def test_a_chain_cut_short_is_found_by_the_noted_head(campaign: Path) -> None:
    started(campaign, line("a", f"my train is late again {TAG}"))
    code, out = invoke("audit", "verify", "-c", str(campaign), "--json")
    noted = json.loads(out)["head"]
    assert code == 0 and (campaign.parent / "happybot.db.head").read_text().strip() == noted
    db = sqlite3.connect(campaign.parent / "happybot.db")
    (last,) = db.execute("SELECT max(id) FROM audit_log").fetchone()
    (prev,) = db.execute("SELECT hash FROM audit_log WHERE id = ?", (last - 2,)).fetchone()
    db.execute("DELETE FROM audit_log WHERE id > ?", (last - 2,))
    db.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", (last - 2, prev))
    db.commit()
    db.close()
    code, out = invoke("audit", "verify", "-c", str(campaign))
    assert code == 1 and "cut short" in out
    (campaign.parent / "happybot.db.head").unlink()  # the anchor file gone too
    code, out = invoke("audit", "verify", "-c", str(campaign))
    assert code == 0  # the chain that is left verifies…
    code, out = invoke("audit", "verify", "-c", str(campaign), "--expect", noted[:16])
    assert code == 1 and "no longer holds" in " ".join(out.split())  # …but not the noted head


def test_review_output_shows_escape_codes_from_posts_as_text(campaign: Path) -> None:
    hostile = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202ekcuf\u202c late train"
    started(campaign, line("evil", f"{hostile} {TAG}", handle="esc.example", age_days=0))
    for command in (("review", "list"), ("review", "show", "1")):
        code, out = invoke(*command, "-c", str(campaign))
        assert code == 0, out
        assert not any(c in out for c in "\x1b\x07\x9b\u202e\u202c")
    assert "\\x1b]0;pwned" in out


def test_review_show_writes_the_picture_into_a_folder(campaign: Path, tmp_path: Path) -> None:
    started(campaign, line("held", f"my train is late {TAG}", handle="new.example", age_days=0))
    folder = tmp_path / "pictures"
    folder.mkdir()
    code, _ = invoke("review", "show", "1", "-c", str(campaign), "--picture", str(folder))
    assert code == 0 and len(list(folder.glob("post-1-*.png"))) == 1


def test_a_huge_id_is_no_post(campaign: Path) -> None:
    started(campaign)
    code, out = invoke("review", "show", str(10**30), "-c", str(campaign))
    assert code == 2 and "there is no post" in out


def test_an_unwritable_out_folder_is_one_line(campaign: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    posts = tmp_path / "p.jsonl"
    posts.write_text(line("a", f"late {TAG}") + "\n")
    result = happybot(
        "run", "-c", str(campaign), "--dry-run", "--source", f"replay:{posts}",
        "--out", str(tmp_path / "a-file" / "out"), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2 and "cannot write replies to" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_webhook_url_where_its_variable_belongs_is_refused(campaign: Path) -> None:
    text = campaign.read_text() + "\nalerts:\n  webhook_url_env: https://hooks.example/T0/B0\n"
    campaign.write_text(text)
    code, out = invoke("doctor", "-c", str(campaign))
    assert code == 2 and "not the URL" in " ".join(out.split())


def test_alerts_that_are_off_are_said_at_start_in_status_and_by_doctor(campaign: Path) -> None:
    result = runner.invoke(
        app, ["run", "-c", str(campaign), "--dry-run", "--source", "simulate:ordinary",
              "--limit", "1", "--out", "out"],
    )  # fmt: skip
    assert result.exit_code == 0 and "alerts are off" in " ".join(result.output.split())
    code, out = invoke("status", "-c", str(campaign), "--json")
    assert json.loads(out)["alerts"] == {
        "on": False,
        "off_because": "$HAPPYBOT_ALERT_WEBHOOK is not set",
        "undelivered_incidents": [],
    }
    code, out = invoke("doctor", "-c", str(campaign), "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1 and not checks["alerts"]["ok"] and checks["store"]["ok"]
    assert checks["classifier"]["ok"] and checks["network"]["ok"]


def test_doctor_says_alerts_answer_when_the_webhook_is_there(
    campaign: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pipeline.test_runner import _webhook

    _, stop = _webhook(monkeypatch)
    try:
        started(campaign)
        code, out = invoke("doctor", "-c", str(campaign), "--json")
    finally:
        stop()
    assert code == 0 and json.loads(out)["ok"]


def test_a_store_connection_dropped_mid_transaction_is_one_line(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import contextlib
    import sys
    from collections.abc import Iterator

    from sqlalchemy import text

    from happybot.cli import main
    from happybot.store.db import Store

    Store.open(pg_url, b"k").close()
    monkeypatch.setenv("HAPPYBOT_AUDIT_KEY", "k")
    real = Store.transaction

    @contextlib.contextmanager
    def dropping(self: Store) -> Iterator[object]:
        with real(self) as session:
            # the server ends this very connection, as a restart or a network cut would
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            yield session

    monkeypatch.setattr(Store, "transaction", dropping)
    monkeypatch.setattr(sys, "argv", ["happybot", "status", "--db", pg_url])
    with pytest.raises(SystemExit) as exit_:
        main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "the store failed" in err and "Traceback" not in err
