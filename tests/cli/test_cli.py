"""The command line, as a person or a script uses it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from happybot.cli import app
from tests.pipeline.helpers import line

TAG = "#MakeItHappy"
runner = CliRunner()


def cli(*args: str, ok: bool = True, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result.stdout


def happybot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "happybot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run(*args: str) -> str:
    return cli("run", "--campaign", "now.yaml", "--dry-run", "--out", "out", *args)


def started(workdir: Path) -> None:
    """A campaign's store as its first run leaves it: only `run` makes one."""
    (workdir / "none.jsonl").write_text("")
    run("--source", "replay:none.jsonl")


def test_init_writes_a_campaign_that_loads_and_refuses_to_overwrite(workdir: Path) -> None:
    cli("init")
    assert "hashtag:" in (workdir / "campaign.yaml").read_text()
    result = runner.invoke(app, ["init"])
    assert result.exit_code != 0
    cli("screen", "a fine day", "--campaign", "campaign.yaml")


def test_a_broken_campaign_file_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "campaign.yaml").write_text('hashtag: "#x"\nmode: sideways\n')
    result = happybot("run", "--campaign", "campaign.yaml", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert "campaign.yaml:2: mode:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_screen_json_gives_one_object_per_post_with_verdict_reasons_and_evidence(
    workdir: Path,
) -> None:
    posts = workdir / "posts.jsonl"
    posts.write_text(
        "\n".join(
            [
                line("1", f"my train is late {TAG}"),
                line("2", f"what a sh!t day {TAG}"),
                "{broken",
                line("3", f"hello {TAG}", handle="wh1te_p0wer.example"),
            ]
        )
        + "\n"
    )
    out = cli("screen", "--file", str(posts), "--json")
    rows = [json.loads(x) for x in out.splitlines()]
    assert [(r["id"], r["verdict"]) for r in rows] == [
        ("1", "publish"),
        ("2", "review"),
        ("3", "reject"),
    ]
    assert all(r["reasons"] for r in rows)
    lexicon = [f for f in rows[1]["findings"] if f["screen"] == "lexicon"]
    assert lexicon[0]["evidence"] == "sh!t"


def test_screen_one_text_prints_the_verdict_and_the_evidence(workdir: Path) -> None:
    out = cli("screen", "you sh!t")
    assert "review" in out and "sh!t" in out


def test_screen_reads_the_authors_name_and_handle_too(workdir: Path) -> None:
    out = cli("screen", "my train is late again", "--name", "Deport all Muslims", "--json")
    (row,) = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert row["verdict"] != "publish"
    assert {f["target"] for f in row["findings"]} == {"display_name"}
    out = cli("screen", "my train is late again", "--handle", "spicyfoodfan.example", "--json")
    assert json.loads(out.strip().splitlines()[-1])["verdict"] == "publish"


def test_run_publishes_once_and_a_second_run_replies_to_nothing_again(workdir: Path) -> None:
    posts = workdir / "posts.jsonl"
    posts.write_text(
        line("1", f"rain again {TAG}")
        + "\n"
        + line("2", f"bus late {TAG}", handle="b.example")
        + "\n"
    )
    first = json.loads(run("--source", f"replay:{posts}", "--json"))
    assert first["published"] == 2 and first["received"] == 2
    second = json.loads(run("--source", f"replay:{posts}", "--json"))
    assert second["published"] == 0 and second["received"] == 0
    assert len(list((workdir / "out").glob("*.png"))) == 2
    status = json.loads(cli("status", "--json"))
    assert status["posts"] == {"published": 2} and status["mode"] == "autopilot"


def test_checking_thresholds_on_reviews_needs_some_verdicts(workdir: Path) -> None:
    started(workdir)
    done = happybot("model", "calibrate", "--reviewed", "--campaign", "now.yaml", cwd=workdir)
    assert done.returncode != 0 and "no post has a person's verdict yet" in done.stderr


def test_review_mode_retract_and_audit_from_the_command_line(workdir: Path) -> None:
    posts = workdir / "posts.jsonl"
    posts.write_text(
        "\n".join(
            [
                line("1", f"what a sh!t day {TAG}"),
                line("2", f"sh!tty weather {TAG}", handle="b.example"),
            ]
        )
        + "\n"
    )
    run("--source", f"replay:{posts}")
    queue = [json.loads(x) for x in cli("review", "list", "--json").splitlines()]
    assert [q["post_id"] for q in queue] == [1, 2]
    shown = cli("review", "show", "1", "--picture", "p.png")
    assert (
        queue[0]["picture_sha256"] in shown and (workdir / "p.png").read_bytes()[:4] == b"\x89PNG"
    )
    cli("review", "approve", "1", "--hash", queue[0]["picture_sha256"][:12], "--by", "rita")
    cli("review", "reject", "2", "--by", "rita", "--reason", "no")
    # the people's verdicts, against the classifier's thresholds: too few to suggest any
    checked = cli("model", "calibrate", "--reviewed", "--campaign", "now.yaml")
    assert "1 approved, 1 rejected" in checked and "No thresholds suggested" in checked
    assert "Every decided post was one the gate held" in checked  # autopilot: only held ones
    report = json.loads(cli("model", "calibrate", "--reviewed", "--campaign", "now.yaml", "--json"))
    assert report["verdicts"] == {"approved": 1, "rejected": 1} and report["only_held_seen"]
    hate = next(c for c in report["labels"] if c["label"] == "hate")
    assert (hate["harmful"], hate["harmless"], hate["suggested_review"]) == (1, 1, None)
    cli("mode", "paused", "--by", "alice", "--reason", "lunch")
    assert json.loads(cli("mode", "--json"))["mode"] == "paused"
    run("--source", f"replay:{posts}")
    assert list((workdir / "out").glob("*.png")) == []  # paused: the approved reply waits
    cli("mode", "autopilot", "--by", "alice")
    run("--source", f"replay:{posts}")
    assert len(list((workdir / "out").glob("*.png"))) == 1
    assert "retracted 1" in cli("retract", "--all", "--yes", "--out", "out", "--by", "alice")
    assert json.loads(cli("audit", "verify", "--json"))["ok"] is True


def test_audit_verify_names_a_tampered_entry(workdir: Path) -> None:
    started(workdir)
    cli("mode", "copilot", "--by", "alice")
    cli("mode", "paused", "--by", "alice")
    db = sqlite3.connect(workdir / "hb.db")
    db.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
    db.commit()
    db.close()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "broken at entry 3" in result.stdout


def test_demo_json_last_line_is_the_scored_summary(workdir: Path) -> None:
    out = cli("demo", "--json", "--size", "40", "--out", "demo")
    summary = json.loads(out.strip().splitlines()[-1])
    assert {
        "posts",
        "published",
        "review",
        "rejected",
        "harmful_published",
        "harmless_held",
    } <= set(summary)
    counted = ("published", "review", "rejected", "queued", "skipped")
    assert summary["posts"] == sum(summary[k] for k in counted)
    assert summary["rejected"] >= 10  # at least the hijack's lines
    assert len(list((workdir / "demo" / "replies").glob("*.png"))) == summary["published"]
    # a second demo replaces its own folder but never someone else's
    cli("demo", "--json", "--size", "40", "--out", "demo")
    (workdir / "mine").mkdir()
    assert runner.invoke(app, ["demo", "--out", "mine"]).exit_code != 0


def test_screen_file_with_a_corpus_sees_a_passage_fed_across_posts(workdir: Path) -> None:
    from happybot.platforms.simulate import forbidden_lines

    book = workdir / "book.txt"
    book.write_text("\n".join(forbidden_lines()) + "\n")
    posts = workdir / "posts.jsonl"
    pieces = ["Do not pity", "them, for they", "have never pitied us"]
    posts.write_text(
        "\n".join(
            line(str(i), f"{p} {TAG}", handle="splitter.example") for i, p in enumerate(pieces)
        )
        + "\n"
    )
    out = cli(
        "screen", "--file", str(posts), "--corpus", str(book), "--campaign", "now.yaml", "--json"
    )
    rows = [json.loads(x) for x in out.splitlines()]
    assert rows[0]["verdict"] == "publish"
    assert any("never-amplify-split" in r for r in rows[2]["reasons"])
    assert rows[2]["verdict"] == "reject"
    # without the corpus the same stream passes
    shown = cli("screen", "--file", str(posts), "--campaign", "now.yaml", "--json")
    plain = [json.loads(x) for x in shown.splitlines()]
    assert plain[2]["verdict"] == "publish"


def test_incidents_can_be_listed_and_closed(workdir: Path) -> None:
    from happybot.config import audit_key
    from happybot.operate.incidents import open_incident
    from happybot.store.db import Store

    url = f"sqlite:///{workdir / 'hb.db'}"
    store = Store.open(url, audit_key(url))
    open_incident(store, "author-rejects", "@troll had 5 posts rejected", "circuit-breaker")
    store.close()
    (listed,) = [json.loads(x) for x in cli("incidents", "list", "--json").splitlines()]
    assert listed["kind"] == "author-rejects"
    assert "closed" in cli("incidents", "close", str(listed["id"]), "--by", "alice")
    assert cli("incidents", "list", "--json") == ""
    assert json.loads(cli("audit", "verify", "--json"))["ok"] is True
