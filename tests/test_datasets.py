"""The readers of the public data sets, on tiny files in each set's own format."""

from __future__ import annotations

from pathlib import Path

import pytest

from happybot import datasets
from happybot.errors import SourceError


def test_dynabench_train_loses_what_dev_and_test_hold(tmp_path: Path) -> None:
    (tmp_path / "Train.csv").write_text('"Cats are, frankly, wonderful"\nsomething else\n\n')
    (tmp_path / "Train_label.csv").write_text("0\n1\n0\n")
    kept = datasets.dynabench_train(tmp_path, exclude=["cats are frankly WONDERFUL!"])
    assert [(e.text, e.hate) for e in kept] == [("something else", 1)]
    (tmp_path / "Train_label.csv").write_text("0\n")
    with pytest.raises(SourceError, match="3 texts but 1 labels"):
        datasets.dynabench_train(tmp_path, exclude=[])


def test_davidson_offensive_is_not_hate(tmp_path: Path) -> None:
    (tmp_path / "labeled_data.csv").write_text(
        ",count,hate_speech,offensive_language,neither,class,tweet\n"
        "0,3,3,0,0,0,a hateful tweet\n1,3,0,3,0,1,a rude tweet\n2,3,0,0,3,2,a fine tweet\n"
    )
    got = [(e.hate, e.offensive) for e in datasets.davidson(tmp_path)]
    assert got == [(1, 0), (0, 1), (0, 0)]


def test_hatexplain_takes_the_majority_and_skips_ties(tmp_path: Path) -> None:
    header = "id,annotators,rationales,post_tokens,masked_tokens,unmasked_sentence\n"
    rows = [
        "1,\"{'label': [0, 0, 1]}\",[],[],[],hate by two of three",
        "2,\"{'label': [2, 2, 1]}\",[],[],[],offensive by two",
        "3,\"{'label': [0, 1, 2]}\",[],[],[],no majority",
    ]
    (tmp_path / "df_val_processed.csv").write_text(header + "\n".join(rows) + "\n")
    (tmp_path / "df_test_processed.csv").write_text(header)
    got = [(e.text, e.hate, e.offensive) for e in datasets.hatexplain(tmp_path)]
    assert got == [("hate by two of three", 1, 0), ("offensive by two", 0, 1)]


def test_toxigen_statements_are_split_and_kept_once(tmp_path: Path) -> None:
    (tmp_path / "hate_x_1k.txt").write_text(
        "- they are vermin\\n- they ruin it\\n-\n- they ruin it\\n-\n"
    )
    (tmp_path / "neutral_x_1k.txt").write_text("- they cook well\\n-\n")
    got = sorted((e.text, e.hate) for e in datasets.toxigen(tmp_path))
    assert got == [("they are vermin", 1), ("they cook well", 0), ("they ruin it", 1)]


def test_our_counter_examples_are_read_as_not_hate() -> None:
    ours = datasets.counter_examples(
        Path(__file__).parents[1] / "training" / "counter_examples.tsv"
    )
    assert len(ours) == 360 and {e.hate for e in ours} == {0}
