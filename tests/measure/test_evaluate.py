from __future__ import annotations

import json
from pathlib import Path

import pytest

from happybot.errors import SourceError
from happybot.measure.evaluate import gate_holds, read_hatecheck, score
from happybot.testing import toy_campaign
from tests.cli.test_cli import cli

# the HateCheck file's columns, with cases of our own (HateCheck itself is for evaluation only)
CSV = """,functionality,case_id,test_case,label_gold,target_ident
0,slur_h,1,you are a spudface ,hateful,potatoes
1,implicit_h,2,people like that should not be allowed near my street,hateful,potatoes
2,counter_nh,3,calling anyone a spudface is vile and I reported it,non-hateful,potatoes
3,neutral_nh,4,what a lovely day for a walk,non-hateful,
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "test_suite_cases.csv").write_text(CSV)
    return tmp_path


def test_the_gate_is_scored_on_hateful_and_non_hateful_cases(suite: Path) -> None:
    # the word lists alone: the classifier's reading is measured on the real suites
    campaign = toy_campaign(words={"deny": ["spudface"], "allow": []})
    cases = read_hatecheck(suite)
    held = gate_holds([c.text for c in cases], campaign)
    assert held == [True, False, True, False]
    report = score(cases, held)
    assert (report.accuracy, report.hateful_accuracy, report.non_hateful_accuracy) == (
        0.5,
        0.5,
        0.5,
    )
    assert report.as_json()["per_functionality"]["counter_nh"] == {"cases": 1, "accuracy": 0.0}


def test_happybot_eval_hatecheck_prints_one_json_object(suite: Path) -> None:
    shown = json.loads(cli("eval", "hatecheck", "--data", str(suite), "--json"))
    assert shown["cases"] == 4 and set(shown) >= {
        "accuracy",
        "hateful_accuracy",
        "non_hateful_accuracy",
        "per_functionality",
    }


def test_a_missing_suite_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"test_suite_cases\.csv"):
        read_hatecheck(tmp_path)


def test_our_sensitive_set_and_the_grumbles_are_read_as_cases(tmp_path: Path) -> None:
    from happybot.measure.evaluate import grumble_cases, read_sensitive

    path = tmp_path / "sensitive.tsv"
    path.write_text("text\tlabel\tkind\nsome words\tself-harm\tx\nother words\tnone\ty\n")
    cases = read_sensitive(path)
    assert [(c.hateful, c.functionality) for c in cases] == [(True, "self-harm"), (False, "none")]
    grumbles = grumble_cases(50, "#Tag", seed=1)
    assert len(grumbles) == 50 and all(c.text.endswith(" #Tag") for c in grumbles)
    assert not any(c.hateful for c in grumbles)
    assert grumbles == grumble_cases(50, "#Tag", seed=1)


def test_separation_measures_auc_and_f1() -> None:
    from happybot.measure.evaluate import separation

    found = separation([True, True, False, False], [0.9, 0.4, 0.5, 0.1], threshold=0.45)
    assert found.auc == pytest.approx(0.75)
    assert found.accuracy == pytest.approx(0.5)
    assert found.f1 == pytest.approx(0.5)


def test_eval_at_balanced_uses_the_models_threshold(suite: Path) -> None:
    shown = json.loads(cli("eval", "hatecheck", "--data", str(suite), "--at", "balanced",
                           "--json"))  # fmt: skip
    assert shown["at"] == "balanced" and 0 < shown["threshold"] < 1
    forced = json.loads(cli("eval", "hatecheck", "--data", str(suite), "--at", "balanced",
                            "--threshold", "0.0", "--json"))  # fmt: skip
    assert forced["hateful_accuracy"] == 1.0 and forced["non_hateful_accuracy"] == 0.0


def test_eval_grumbles_prints_the_published_share() -> None:
    shown = json.loads(cli("eval", "grumbles", "--count", "40", "--json"))
    assert shown["cases"] == 40 and 0.0 <= shown["published"] <= 1.0


def test_one_table_tells_harm_held_harmless_published_and_the_load_on_people(
    suite: Path,
) -> None:
    from happybot.measure.evaluate import Case, load_of
    from happybot.models import Decision

    cases = [
        Case("a", True, "x"),
        Case("b", True, "x"),
        Case("c", False, "y"),
        Case("d", False, "y"),
    ]
    decisions = [Decision.REJECT, Decision.PUBLISH, Decision.REVIEW, Decision.PUBLISH]
    load = load_of("set", cases, decisions).as_json()
    assert load == {
        "set": "set",
        "cases": 4,
        "harmful": 2,
        "harmful_held": 0.5,
        "harmless": 2,
        "harmless_published": 0.5,
        "to_people_per_1000": 250.0,
    }
    # the command: HateCheck from the folder given, the sets not there left out and said
    data = suite / "data"
    (data / "hatecheck").mkdir(parents=True)
    (data / "hatecheck" / "test_suite_cases.csv").write_text(CSV)
    out = cli("eval", "summary", "--data", str(data), "--grumbles", "5", "--json")
    sets = {s["set"]: s for s in json.loads(out.strip().splitlines()[-1])["sets"]}
    assert {"HateCheck", "our sensitive set", "our harm set", "grumbles"} <= set(sets)
    assert sets["our crafted set"]["cases"] == 62
    assert "Dynabench test" not in sets and "SimpleSafetyTests" not in sets
    assert sets["HateCheck"]["cases"] == 4 and sets["grumbles"]["harmful"] == 0


def test_our_harm_set_reads_as_cases_that_must_be_held_or_published() -> None:
    from happybot.measure.evaluate import read_sensitive

    cases = read_sensitive(Path(__file__).resolve().parents[2] / "training" / "harm_eval.tsv")
    kinds = {
        c.functionality: sum(1 for d in cases if d.functionality == c.functionality) for c in cases
    }
    assert kinds == {"self-harm": 20, "threat": 20, "none": 25}
    assert all(c.hateful == (c.functionality != "none") for c in cases)


def test_hatecheck_is_grouped_by_what_a_brand_expects() -> None:
    from happybot.measure.evaluate import Case, hatecheck_groups

    cases = [
        Case("a", True, "slur_h"),
        Case("b", True, "threat_dir_h"),
        Case("c", False, "ident_pos_nh"),
        Case("d", False, "ident_neutral_nh"),
        Case("e", False, "negate_neg_nh"),
        Case("f", False, "counter_quote_nh"),
        Case("g", False, "slur_reclaimed_nh"),
    ]
    groups = hatecheck_groups(cases, [True, False, True, False, False, True, True])
    got = {g.name.split(":")[0]: (g.cases, g.held) for g in groups}
    assert got == {
        "hate": (2, 1),
        "identity mentions": (2, 1),
        "negated hate": (1, 0),
        "abuse of no protected group, profanity, reclaimed slurs, counter-speech": (2, 2),
    }
    assert groups[1].as_json()["published"] == 0.5
