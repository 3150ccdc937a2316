"""`happybot model calibrate` and `happybot eval dynabench` as a person runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from happybot.classifiers.onnx import shipped_model
from tests.cli.test_cli import cli

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_calibrate_writes_the_models_thresholds_and_prints_the_campaigns(
    tmp_path: Path,
) -> None:
    if not (DATA / "dynabench").is_dir():
        pytest.skip(f"{DATA} is not here (../shared/data)")
    model = tmp_path / "model"
    shutil.copytree(shipped_model(), model)
    settings = json.loads((model / "model.json").read_text())
    settings["calibration"], settings["thresholds"] = {}, {}
    (model / "model.json").write_text(json.dumps(settings))
    shown = cli("model", "calibrate", "--model", str(model), "--data", str(DATA))
    assert "classifier/hate: {review:" in shown
    written = json.loads((model / "model.json").read_text())
    assert set(written["thresholds"]) >= {"hate", "insult", "self-harm"}
    hate = written["thresholds"]["hate"]
    assert hate["review"] <= hate["balanced"] <= hate["reject"]
    # the shipped model's own calibration is what the build wrote: the same data, the same fit,
    # to within a few thousandths (on 2026-11-29, with onnxruntime 1.32 and the same data, the
    # fit gave 0.158 / 0.867 where the build had written 0.156 / 0.866: the scores' last digits
    # differ between installs)
    shipped = json.loads((shipped_model() / "model.json").read_text())
    for name, value in shipped["thresholds"]["hate"].items():
        assert written["thresholds"]["hate"][name] == pytest.approx(value, abs=0.005), name


def test_eval_dynabench_reports_auc_and_f1(tmp_path: Path) -> None:
    rows = [
        ("immigrants are vermin and should be driven out", "hate"),
        ("all women are stupid and worthless", "hate"),
        ("my neighbour is a refugee and a great cook", "nothate"),
        ("what a lovely day for a walk by the river", "nothate"),
    ]
    (tmp_path / "db_test.csv").write_text(
        "text,label,type\n" + "".join(f"{t},{label},none\n" for t, label in rows)
    )
    shown = json.loads(cli("eval", "dynabench", "--data", str(tmp_path), "--json"))
    assert shown["cases"] == 4
    assert shown["auc"] == 1.0  # the model ranks these plain cases right
    assert {"f1", "macro_f1", "accuracy", "gate_hateful_held"} <= set(shown)
