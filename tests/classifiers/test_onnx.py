"""The ONNX backend with the model that ships in the package, and with a directory laid out as
a user's own export (Hugging Face config.json, other label names)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from happybot.classifiers.base import model_text
from happybot.classifiers.onnx import (
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxClassifier,
    shipped_model,
)
from happybot.errors import ClassifierError
from happybot.labels import LABELS


@pytest.fixture(scope="module")
def shipped() -> OnnxClassifier:
    return OnnxClassifier(shipped_model())


def test_the_shipped_model_is_small_and_calibrated(shipped: OnnxClassifier) -> None:
    folder = shipped_model()
    assert sum(f.stat().st_size for f in folder.iterdir()) < 30e6
    assert shipped.labels == LABELS
    assert set(shipped.settings.calibration) >= {"hate", "insult"}
    hate = shipped.settings.thresholds["hate"]
    assert 0 < hate["review"] <= hate["balanced"] <= hate["reject"] <= 1


def test_the_shipped_model_tells_hate_from_its_look_alikes(shipped: OnnxClassifier) -> None:
    hateful = [
        "Immigrants are vermin and should be thrown out of this country",
        "I will never trust a muslim, they are all terrorists",
        "women are too stupid to be allowed to vote",
    ]
    harmless = [
        "My train is late again and it is raining, classic",
        "I love my Muslim neighbours, they brought us soup when I was ill",
        "Saying immigrants are vermin is disgusting and wrong",
    ]
    hate = [s["hate"] for s in shipped.scores(hateful + harmless)]
    assert min(hate[:3]) > max(hate[3:])
    assert all(0.0 <= p <= 1.0 for p in hate)


def test_scores_keep_the_order_of_the_texts_whatever_their_lengths(
    shipped: OnnxClassifier,
) -> None:
    texts = ["short", "a much longer sentence " * 8, "", "medium length text here", "ok"]
    together = shipped.scores(texts)
    alone = [shipped.scores([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        for label in LABELS:
            assert a[label] == pytest.approx(b[label], abs=1e-4)


def test_disguises_are_undone_before_the_model_reads(shipped: OnnxClassifier) -> None:
    plain, disguised = shipped.scores(
        ["all immigrants are vermin", "all 1mm1gr4nts are v e r m i n 🐀"]
    )
    assert model_text("h4te 😭") == "hate loudly crying face"
    assert disguised["hate"] > 0.5 and plain["hate"] > 0.5


def _user_export(tmp_path: Path, id2label: dict[str, str], multi: bool = True) -> Path:
    folder = tmp_path / "theirs"
    folder.mkdir()
    shutil.copyfile(shipped_model() / MODEL_FILE, folder / MODEL_FILE)
    shutil.copyfile(shipped_model() / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    config = {"id2label": id2label, "max_position_embeddings": 512}
    if multi:
        config["problem_type"] = "multi_label_classification"
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_users_export_is_mapped_onto_our_labels(tmp_path: Path, shipped: OnnxClassifier) -> None:
    names = {"0": "toxic", "1": "insult", "2": "threat", "3": "obscene", "4": "self_harm"}
    folder = _user_export(tmp_path, names)
    theirs = OnnxClassifier(folder, {"toxic": "hate", "obscene": "sexual"})
    assert theirs.labels == ("hate", "insult", "threat", "sexual")
    text = "immigrants are vermin"
    (got,) = theirs.scores([text])
    (logits,) = shipped.logits([text])
    assert set(got) == {"hate", "insult", "threat", "sexual"}  # self_harm: not mapped, not used
    assert got["hate"] == pytest.approx(1 / (1 + math.exp(-logits[0])), abs=1e-6)


def test_a_softmax_export_gives_probabilities_that_sum_to_one(tmp_path: Path) -> None:
    names = {str(i): name for i, name in enumerate(["ok", "hate", "insult", "threat", "x"])}
    folder = _user_export(tmp_path, names, multi=False)
    (got,) = OnnxClassifier(folder).scores(["some words"])
    assert set(got) == {"hate", "insult", "threat"}
    assert sum(got.values()) < 1.0


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("no model", "model.onnx is missing"),
        ("truncated", "cannot load"),
        ("no names", "neither model.json nor config.json"),
        ("not ours", "map them with classifier.labels"),
    ],
)
def test_a_broken_model_directory_is_a_clear_error(
    tmp_path: Path, breakage: str, message: str
) -> None:
    folder = _user_export(tmp_path, {"0": "spam", "1": "ham"})
    labels: dict[str, str] | None = None
    if breakage == "no model":
        (folder / MODEL_FILE).unlink()
    elif breakage == "truncated":
        (folder / MODEL_FILE).write_bytes((folder / MODEL_FILE).read_bytes()[:5000])
        labels = {"spam": "hate"}
    elif breakage == "no names":
        (folder / "config.json").unlink()
    with pytest.raises(ClassifierError, match=message):
        OnnxClassifier(folder, labels)


def test_a_mapping_onto_labels_we_do_not_have_is_refused(tmp_path: Path) -> None:
    folder = _user_export(tmp_path, {"0": "toxic", "1": "ok"})
    with pytest.raises(ClassifierError, match="maps onto"):
        OnnxClassifier(folder, {"toxic": "rude"})
