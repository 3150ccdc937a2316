"""Soft targets from a teacher: the shipped model plays the teacher (a real model directory)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from happybot.classifiers.base import Scores
from happybot.classifiers.onnx import OnnxClassifier
from happybot.datasets import Row
from happybot.errors import TrainingError
from happybot.training.distil import SCORES_FILE, teacher_key, with_teacher

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "happybot" / "data" / "model"


class Counting:
    """The shipped model, counting the texts it is asked to score."""

    def __init__(self) -> None:
        self.model = OnnxClassifier(SHIPPED)
        self.scored = 0

    def scores(self, texts: Sequence[str]) -> list[Scores]:
        self.scored += len(texts)
        return self.model.scores(texts)


ROWS = [
    Row("they are vermin and should be wiped out", (1.0, 1.0, 0.0, 0.0, 0.0),
        (True, True, False, True, True), "dynabench-dev"),
    Row("what a lovely walk in the park today", (0.0,) * 5, (True,) * 5, "ours"),
]  # fmt: skip


def test_known_targets_move_towards_the_teacher_and_unknown_ones_stay(tmp_path: Path) -> None:
    teacher = Counting()
    said = teacher.model.scores([r.text for r in ROWS])
    out = with_teacher(ROWS, teacher, 0.25, tmp_path / SCORES_FILE, teacher_key(SHIPPED))
    hateful, harmless = out
    assert hateful.targets[0] == pytest.approx(0.75 * 1.0 + 0.25 * said[0]["hate"])
    assert hateful.targets[3] == pytest.approx(0.25 * said[0]["sexual"])
    assert hateful.targets[2] == 0.0  # threat is unknown for this row: still masked, unchanged
    assert harmless.targets[0] == pytest.approx(0.25 * said[1]["hate"])
    assert 0.0 < harmless.targets[0] < hateful.targets[0] < 1.0
    assert [r.text for r in out] == [r.text for r in ROWS] and out[0].known == ROWS[0].known


def test_a_resumed_run_reads_the_kept_scores_and_another_teacher_scores_anew(
    tmp_path: Path,
) -> None:
    cache = tmp_path / SCORES_FILE
    teacher = Counting()
    first = with_teacher(ROWS, teacher, 0.5, cache, "teacher one")
    assert teacher.scored == 2 and cache.is_file()
    assert with_teacher(ROWS, teacher, 0.5, cache, "teacher one") == first
    assert teacher.scored == 2  # nothing scored again
    with_teacher(ROWS, teacher, 0.5, cache, "teacher two")
    assert teacher.scored == 4
    with_teacher(ROWS[:1], teacher, 0.5, cache, "teacher two")  # other rows: scored anew
    assert teacher.scored == 5


def test_a_weight_outside_the_range_or_a_folder_without_a_model_is_refused(
    tmp_path: Path,
) -> None:
    with pytest.raises(TrainingError, match="weight"):
        with_teacher(ROWS, Counting(), 0.0, tmp_path / SCORES_FILE, "k")
    with pytest.raises(TrainingError, match=r"model\.onnx is missing"):
        teacher_key(tmp_path)
    assert teacher_key(SHIPPED) == teacher_key(SHIPPED)


def test_a_teacher_counts_in_the_fingerprint_through_the_targets_only(tmp_path: Path) -> None:
    from happybot.training.train import TrainSettings

    plain = TrainSettings(base=tmp_path, work=tmp_path)
    taught = TrainSettings(base=tmp_path, work=tmp_path, teacher=SHIPPED, teacher_weight=0.3)
    # a checkpoint made before the teacher options existed, or with the teacher elsewhere on
    # disk, still resumes: the same rows are the same training
    assert plain.fingerprint(ROWS) == taught.fingerprint(ROWS)
    soft = with_teacher(ROWS, Counting(), 0.3, tmp_path / SCORES_FILE, "k")
    assert taught.fingerprint(soft) != taught.fingerprint(ROWS)


def test_only_the_labels_named_are_taught(tmp_path: Path) -> None:
    teacher = Counting()
    said = teacher.model.scores([ROWS[0].text])[0]
    out = with_teacher(ROWS, teacher, 0.5, tmp_path / SCORES_FILE, "k", labels=("hate",))
    assert out[0].targets[0] == pytest.approx(0.5 + 0.5 * said["hate"])
    assert out[0].targets[1] == 1.0 and out[0].targets[3] == 0.0  # insult, sexual: as labelled
    assert out[1].targets[1:] == ROWS[1].targets[1:]


def test_a_label_the_model_has_not_is_refused_before_any_row_is_read(tmp_path: Path) -> None:
    from happybot.training.train import TrainSettings

    assert TrainSettings(base=tmp_path, work=tmp_path).teacher_labels == (
        "hate",
        "insult",
        "threat",
    )
    with pytest.raises(TrainingError, match="not racism"):
        TrainSettings(base=tmp_path, work=tmp_path, teacher_labels=("hate", "racism"))
    with pytest.raises(TrainingError, match="not none"):
        with_teacher(ROWS, Counting(), 0.5, tmp_path / SCORES_FILE, "k", labels=())


def test_a_scores_file_teaches_as_the_teacher_did_and_its_bytes_are_reproducible(
    tmp_path: Path,
) -> None:
    from happybot.training.distil import ScoresFile, open_teacher, write_scores

    model = OnnxClassifier(SHIPPED)
    texts = [r.text for r in ROWS]
    kept = tmp_path / "teacher_scores.tsv.gz"
    assert write_scores(kept, texts + texts[:1], model.scores(texts + texts[:1])) == 2
    first = kept.read_bytes()
    write_scores(kept, texts, model.scores(texts))
    assert kept.read_bytes() == first  # no timestamp, sorted rows: the same file

    teacher, key = open_teacher(kept, threads=1)
    assert isinstance(teacher, ScoresFile)
    live = with_teacher(ROWS, model, 0.5, tmp_path / "a.json", "live")
    from_file = with_teacher(ROWS, teacher, 0.5, tmp_path / "b.json", key)
    for a, b in zip(live, from_file, strict=True):
        assert a.targets == pytest.approx(b.targets, abs=1e-4)
    # a directory is a model teacher, keyed by its weights
    assert open_teacher(SHIPPED, threads=1)[1] == teacher_key(SHIPPED)


def test_a_scores_file_without_a_row_or_broken_says_how_to_make_it_again(tmp_path: Path) -> None:
    from happybot.training.distil import ScoresFile, write_scores

    kept = tmp_path / "teacher_scores.tsv.gz"
    write_scores(kept, [ROWS[0].text], [{"hate": 0.9}])
    with pytest.raises(TrainingError, match="model teacher-scores"):
        ScoresFile(kept).scores([ROWS[1].text])
    broken = tmp_path / "broken.tsv.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(TrainingError, match="cannot read the teacher's scores"):
        ScoresFile(broken)
