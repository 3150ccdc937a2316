from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from happybot.errors import SourceError
from happybot.platforms.simulate import ATTACKS, Simulator, forbidden_lines

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def texts(scenario: str, seed: int) -> list[str]:
    return [
        i.trigger.post.text
        for i in Simulator(scenario, seed=seed, now=NOW).listen(None)
        if i.trigger
    ]


def test_same_seed_same_traffic_other_seed_other_traffic() -> None:
    assert texts("campaign", 3) == texts("campaign", 3)
    assert texts("campaign", 3) != texts("campaign", 4)


def test_the_campaign_mixes_ordinary_traffic_with_every_attack_and_ground_truth() -> None:
    items = list(Simulator("campaign", seed=1, now=NOW).listen(None))
    assert all(i.trigger and i.expected in ("publish", "hold") for i in items)
    scenarios = Counter(i.scenario for i in items)
    assert scenarios["ordinary"] > 100 and scenarios["positive"] and scenarios["reply-to-other"]
    attacks = {
        "hijack", "offensive-name", "coordinated", "obfuscated", "sensitive", "hidden",
        "inflected", "foreign",
    }  # fmt: skip
    assert attacks <= set(scenarios)
    held = {i.scenario for i in items if i.expected == "hold"}
    assert held == attacks
    assert len({i.trigger.post.author.handle for i in items if i.scenario == "ordinary"}) > 50


def test_the_hijack_is_a_fresh_account_replying_to_its_own_lines() -> None:
    items = list(Simulator("hijack", seed=1, now=NOW).listen(None))
    assert len(items) == len(forbidden_lines())
    for item in items:
        trigger = item.trigger
        assert (
            trigger
            and trigger.parent
            and trigger.parent.author.handle == trigger.post.author.handle
        )
        assert trigger.post.author.created_at and (NOW - trigger.post.author.created_at).days == 0
    assert [i.trigger.art_text for i in items if i.trigger] == forbidden_lines()


def test_every_attack_scenario_can_run_alone_and_unknown_ones_are_refused() -> None:
    for name in ATTACKS:
        assert list(Simulator(name, seed=0, now=NOW).listen(None))
    with pytest.raises(SourceError, match="unknown scenario"):
        Simulator("everything")


def test_a_campaign_that_reads_finnish_gets_finnish_grumbles_declared_so() -> None:
    english = list(Simulator("ordinary", seed=2, now=NOW, size=300).listen(None))
    finnish = list(
        Simulator("ordinary", seed=2, now=NOW, size=300, languages=("fi", "en")).listen(None)
    )
    assert all(i.trigger.post.langs == ("en",) for i in english if i.trigger)
    fi = [i.trigger for i in finnish if i.trigger and i.trigger.post.langs == ("fi",)]
    assert 20 < len(fi) < 70 and all(i.expected == "publish" for i in finnish if i.trigger in fi)
    assert any(c in t.post.text for t in fi for c in "äö")
