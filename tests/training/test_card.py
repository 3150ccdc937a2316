"""The model card names the base model it was built from, whatever the base."""

from __future__ import annotations

import json
from pathlib import Path

from happybot.training.card import _base_line


def test_another_base_is_described_from_its_own_config(tmp_path: Path) -> None:
    base = tmp_path / "all-mpnet-base-v2"
    base.mkdir()
    (base / "config.json").write_text(
        json.dumps({"model_type": "mpnet", "num_hidden_layers": 12, "hidden_size": 768})
    )
    line = _base_line(base)
    assert line.startswith("- Base model: `all-mpnet-base-v2` (mpnet; 12 layers, 768 wide)")
    assert "MiniLM" not in line


def test_a_base_without_a_config_still_gets_a_line_that_says_so(tmp_path: Path) -> None:
    assert "(unknown type)" in _base_line(tmp_path)


def test_a_teacher_kept_as_a_scores_file_is_named_as_one(tmp_path: Path) -> None:
    from happybot.training.card import _teacher_lines
    from happybot.training.train import TrainSettings

    kept = tmp_path / "teacher_scores.tsv.gz"
    kept.write_bytes(b"")
    (line,) = _teacher_lines(TrainSettings(base=tmp_path, work=tmp_path, teacher=kept))
    assert "scores kept in `teacher_scores.tsv.gz`" in line and "make teacher-scores" in line
