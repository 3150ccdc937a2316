from __future__ import annotations

import json
from pathlib import Path

import pytest

from happybot.errors import SourceError
from happybot.platforms.replay import ReplaySource, parse_line


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_minimal_post_needs_only_id_text_and_handle() -> None:
    trigger, data = parse_line(
        '{"id": "1", "text": "hi #MakeItHappy", "author": {"handle": "@a.example"}}'
    )
    assert trigger.post.author.handle == "a.example"
    assert trigger.post.author.created_at is None  # unknown, never assumed old
    assert trigger.parent is None and data.expected is None


def test_a_reply_carries_its_parent_inline_and_draws_the_parents_words() -> None:
    line = {
        "id": "2",
        "text": "#MakeItHappy",
        "author": {"handle": "b"},
        "reply_to": {
            "id": "1",
            "text": "worst day ever",
            "author": {"handle": "c", "followers": 3},
        },
        "expected": "publish",
        "tags": ["#MakeItHappy"],
        "created_at": "2026-11-01T10:00:00",
    }
    trigger, data = parse_line(json.dumps(line))
    assert trigger.parent is not None and trigger.parent.author.handle == "c"
    assert trigger.post.reply_to_id == "1"
    assert trigger.art_text == "worst day ever"
    assert trigger.post.tags == ("makeithappy",)
    assert trigger.post.created_at is not None and trigger.post.created_at.tzinfo is not None
    assert data.expected == "publish"
    assert "expected" not in trigger.to_json()  # ground truth never travels with the post


def test_malformed_lines_are_reported_with_their_number_and_the_stream_goes_on(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        [
            '{"id": "1", "text": "ok", "author": {"handle": "a"}}',
            "{not json",
            '{"id": "3", "text": "no author"}',
            "",
            '{"id": "5", "text": "ok too", "author": {"handle": "a"}, "expected": "maybe"}',
            '{"id": "6", "text": "fine", "author": {"handle": "a"}}',
        ],
    )
    items = list(ReplaySource(path).listen(None))
    assert [i.cursor for i in items] == ["1", "2", "3", "5", "6"]
    bad = [i.malformed for i in items if i.malformed]
    assert [b.position for b in bad] == ["line 2", "line 3", "line 5"]
    assert "not JSON" in bad[0].error and "author" in bad[1].error and "expected" in bad[2].error
    assert bad[0].raw == "{not json"


def test_listening_resumes_after_the_cursor(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [json.dumps({"id": str(i), "text": "t", "author": {"handle": "a"}}) for i in range(5)],
    )
    items = list(ReplaySource(path).listen("3"))
    assert [i.trigger.post.id for i in items if i.trigger] == ["3", "4"]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        ReplaySource(tmp_path / "nope.jsonl")
