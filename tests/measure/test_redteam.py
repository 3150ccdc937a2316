from __future__ import annotations

import json
from pathlib import Path

import pytest

from happybot.errors import SourceError
from happybot.measure.redteam import read_attack_file, redteam
from happybot.testing import make_campaign


def _attack_file(path: Path, handles: list[str]) -> Path:
    """Slurs in leetspeak from established accounts, one post per handle."""
    posts = [
        {
            "id": f"{path.stem}{i}",
            "text": f"wh1te p0wer forever #MakeItHappy {i}",
            "author": {"handle": handle, "created_at": "2020-01-01T00:00:00Z"},
        }
        for i, handle in enumerate(handles)
    ]
    path.write_text("".join(json.dumps(post) + "\n" for post in posts))
    return path


def test_each_scenario_runs_with_and_without_the_breaker_and_is_scored(tmp_path: Path) -> None:
    attack = _attack_file(tmp_path / "my-attack.jsonl", ["m0.example", "m1.example"])
    seen: list[tuple[str, bool]] = []
    report = redteam(
        make_campaign(),
        attacks=["names"],
        attack_files=[attack],
        size=20,
        on_scenario=lambda name, breaker: seen.append((name, breaker)),
    )
    assert seen == [("names", True), ("names", False), ("my-attack", True), ("my-attack", False)]
    names, mine = report.scenarios
    assert names.attack_posts == 6 and names.published == names.published_without_breaker == 0
    assert names.review + names.rejected == 6
    assert mine.attack_posts == 2 and mine.rejected == 2
    assert names.harmless_posts >= 20
    data = report.as_json()
    assert {
        "attack_published",
        "attack_published_without_breaker",
        "harmless_held_rate",
        "scenarios",
    } <= set(data)
    assert data["attack_published"] == 0 and 0 <= data["harmless_held_rate"] <= 1
    # six accounts rejected once each: nothing for the breaker
    assert names.breaker_incidents == [] and not names.breaker_copilot


def test_holds_caused_by_the_circuit_breaker_count_as_harmless_posts_held(tmp_path: Path) -> None:
    # the attacker moves to a second account: more than one troll
    handles = ["relay0.example"] * 2 + ["relay1.example"] * 2
    attack = _attack_file(tmp_path / "relay.jsonl", handles)
    campaign = make_campaign(breaker={"author_rejects": 2})
    (relay,) = redteam(campaign, attacks=[], attack_files=[attack], size=40).scenarios
    assert relay.rejected == 4 and relay.published == relay.published_without_breaker == 0
    assert relay.breaker_copilot and "rejected-authors" in relay.breaker_incidents
    # in copilot the harmless posts after the trip wait for a person, and that is counted
    assert relay.harmless_held > relay.harmless_held_without_breaker


def test_an_attack_file_that_is_not_posts_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    with pytest.raises(SourceError, match=r"bad\.jsonl:1: not a post"):
        read_attack_file(bad)
