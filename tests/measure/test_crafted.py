from __future__ import annotations

import json
from pathlib import Path

import pytest

from happybot.errors import SourceError
from happybot.measure.crafted import Expect, crafted_decisions, crafted_results, read_crafted
from happybot.models import Decision
from happybot.testing import toy_campaign
from tests.cli.test_cli import cli

SET = """
cases:
  - {item: names, expect: held, text: "#MakeItHappy rain", display_name: "spudface fan club"}
  - {item: names, expect: published, text: "#MakeItHappy rain", handle: "potato.example"}
  - {item: names, expect: held, text: "#MakeItHappy", parent: {text: "rain", handle: "x.example",
     display_name: "spudface"}}
  - {item: speech, expect: to-people, text: "a spudface wrote that; we reported it"}
"""


@pytest.fixture
def crafted_set(tmp_path: Path) -> Path:
    path = tmp_path / "crafted.yaml"
    path.write_text(SET)
    return path


def test_each_case_is_a_whole_trigger_judged_by_the_names_it_carries(crafted_set: Path) -> None:
    cases = read_crafted(crafted_set)
    assert cases[0].trigger.post.author.display_name == "spudface fan club"
    assert cases[2].trigger.parent is not None
    assert cases[2].trigger.parent.author.display_name == "spudface"
    campaign = toy_campaign(words={"deny": ["spudface"], "allow": []})
    decisions = crafted_decisions(cases, campaign)
    assert decisions[:3] == [Decision.REJECT, Decision.PUBLISH, Decision.REJECT]
    results = {r.item: r for r in crafted_results(cases, decisions)}
    assert results["names"].expected == {"held": (2, 2), "published": (1, 1)}
    # the deny list rejects it: reaching a person was expected, so it is counted as unseen
    assert results["speech"].expected == {"to-people": (1, 0)}
    assert results["speech"].rejected_unseen == 1


def test_expectations_read_review_and_reject_apart() -> None:
    assert Expect.TO_PEOPLE.met_by(Decision.REVIEW)
    assert not Expect.TO_PEOPLE.met_by(Decision.REJECT)
    assert Expect.HELD.met_by(Decision.REJECT) and Expect.HELD.met_by(Decision.REVIEW)
    assert not Expect.PUBLISHED.met_by(Decision.REVIEW)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("cases: [{item: x, expect: maybe, text: hi}]", "expect must be one of"),
        ("cases: [{item: x, expect: held}]", "a mapping with a 'text'"),
        ("cases: [{item: x, expect: held, text: hi, parent: hello}]", "a parent is a mapping"),
        ("other: 1", "no list under 'cases'"),
        ("cases: [", "not valid YAML"),
    ],
)
def test_a_broken_set_says_where(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(body)
    with pytest.raises(SourceError, match=message):
        read_crafted(path)


def test_the_shipped_set_reads_and_the_command_reports_every_item() -> None:
    shipped = Path(__file__).resolve().parents[2] / "training" / "crafted_eval.yaml"
    cases = read_crafted(shipped)
    assert {c.item for c in cases} == {"names", "hidden", "counter-speech", "languages"}
    report = json.loads(cli("eval", "crafted", "--json").splitlines()[-1])
    items = {r["item"]: r for r in report["items"]}
    assert set(items) == {"names", "hidden", "counter-speech", "languages"}
    expects = {e.value for e in Expect}
    counted = sum(v["cases"] for r in items.values() for k, v in r.items() if k in expects)
    assert counted == len(cases)
