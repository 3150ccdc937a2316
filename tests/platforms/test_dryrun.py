from __future__ import annotations

import json
from pathlib import Path

import pytest

from happybot.errors import PlatformRejected
from happybot.models import Artwork, Published, Reply
from happybot.platforms.dryrun import DryRunPlatform
from happybot.platforms.simulate import Simulator


def reply(key: str = "k1") -> Reply:
    art = Artwork(
        png=b"\x89PNG fake", alt_text="a heart", shape="heart", rows=(), width=1, height=1
    )
    return Reply(key, "sim:1", "1", "alex.example", "@alex.example hi #MakeItHappy", art)


def test_a_reply_writes_the_picture_and_what_would_be_posted(tmp_path: Path) -> None:
    platform = DryRunPlatform(Simulator("ordinary"), tmp_path)
    published = platform.reply(reply())
    assert (tmp_path / "k1.png").read_bytes() == b"\x89PNG fake"
    record = json.loads((tmp_path / "k1.json").read_text())
    assert record["to_handle"] == "alex.example" and record["alt_text"] == "a heart"
    assert published.ref == "k1"


def test_replying_twice_with_one_key_writes_once(tmp_path: Path) -> None:
    platform = DryRunPlatform(Simulator("ordinary"), tmp_path)
    first, second = platform.reply(reply()), platform.reply(reply())
    assert first == second and platform.writes == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k1.json", "k1.png"]


def test_delete_marks_the_reply_retracted(tmp_path: Path) -> None:
    platform = DryRunPlatform(Simulator("ordinary"), tmp_path)
    platform.delete(platform.reply(reply()))
    assert "retracted_at" in json.loads((tmp_path / "k1.json").read_text())
    with pytest.raises(PlatformRejected):
        platform.delete(Published("nope"))
