"""Any ONNX sequence classifier in a model directory, run with onnxruntime and tokenizers only:
the model happybot ships (`happybot/data/model`) or one a user exported.

A directory holds `model.onnx` and `tokenizer.json`, and either our `model.json` (labels, text
length, calibration) or a Hugging Face `config.json` whose `id2label` names the outputs; the
campaign's `classifier.labels` maps those names onto ours (`toxic: hate`), and outputs it does
not map are not used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from happybot.classifiers.base import Scores, model_text
from happybot.errors import ClassifierError
from happybot.labels import LABELS, not_ours

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
SETTINGS_FILE = "model.json"
CARD_FILE = "MODEL_CARD.md"


def shipped_model() -> Path:
    """The directory of the model that ships inside the package."""
    return Path(str(resources.files("happybot.data").joinpath("model")))


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of one output's logit: p = sigmoid(a * logit + b)."""

    a: float = 1.0
    b: float = 0.0

    def __call__(self, logit: float) -> float:
        z = self.a * logit + self.b
        # written so that neither branch overflows
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


@dataclass(frozen=True)
class ModelSettings:
    """What `model.json` says, or what a Hugging Face `config.json` implies."""

    outputs: tuple[str, ...]  # the model's own name of each output, in order
    activation: str = "sigmoid"  # "sigmoid": one probability per output; "softmax": one in all
    max_length: int = 64
    calibration: Mapping[str, Calibration] = field(default_factory=dict)
    thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> ModelSettings:
        ours, theirs = folder / SETTINGS_FILE, folder / "config.json"
        try:
            if ours.is_file():
                raw = json.loads(ours.read_text(encoding="utf-8"))
                return cls(
                    outputs=tuple(raw["labels"]),
                    activation=raw.get("activation", "sigmoid"),
                    max_length=int(raw.get("max_length", 64)),
                    calibration={
                        k: Calibration(float(v["a"]), float(v["b"]))
                        for k, v in (raw.get("calibration") or {}).items()
                    },
                    thresholds=raw.get("thresholds") or {},
                )
            if theirs.is_file():
                raw = json.loads(theirs.read_text(encoding="utf-8"))
                id2label = raw["id2label"]
                multi = raw.get("problem_type") == "multi_label_classification"
                return cls(
                    outputs=tuple(id2label[str(i)] for i in range(len(id2label))),
                    activation="sigmoid" if multi else "softmax",
                    max_length=min(int(raw.get("max_position_embeddings", 512)), 512),
                )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ClassifierError(f"{folder}: cannot read the model's settings: {exc}") from exc
        raise ClassifierError(
            f"{folder} has neither {SETTINGS_FILE} nor config.json: the outputs have no names"
        )


class OnnxClassifier:
    """Scores texts with an ONNX sequence classifier on the CPU. Safe to share between threads:
    onnxruntime runs one session from several at once."""

    name = "onnx"

    def __init__(
        self,
        folder: Path,
        labels: Mapping[str, str] | None = None,
        threads: int = 1,
    ) -> None:
        for needed in (MODEL_FILE, TOKENIZER_FILE):
            if not (folder / needed).is_file():
                raise ClassifierError(
                    f"{folder / needed} is missing: a model directory holds {MODEL_FILE} "
                    f"and {TOKENIZER_FILE} (see the README, 'The classifier')"
                )
        self.folder = folder
        self.settings = ModelSettings.read(folder)
        # our label for each output; ours map to themselves
        mapping = dict(labels or {})
        self._ours = [
            mapping.get(out, out if out in LABELS else None) for out in self.settings.outputs
        ]
        unknown = not_ours(mapping.values())
        if unknown:
            raise ClassifierError(f"classifier.labels maps onto {unknown}; ours are {LABELS}")
        if not any(self._ours):
            raise ClassifierError(
                f"none of {folder}'s outputs {list(self.settings.outputs)} is one of ours "
                f"{list(LABELS)}: map them with classifier.labels"
            )
        self._session, self._tokenizer, self._inputs = _load(
            folder, threads, self.settings.max_length
        )

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label in self._ours if label)

    @property
    def outputs_as_ours(self) -> tuple[str | None, ...]:
        """Our label of each output, None where the campaign maps it to none."""
        return tuple(self._ours)

    def logits(self, texts: Sequence[str]) -> list[list[float]]:
        """The raw outputs per text, in order (calibration is the caller's).

        One text at a time, never padded into a batch: int8 dynamic quantisation scales each
        activation by the range of the whole input tensor, so a text's score would depend on the
        texts beside it (measured: 0.34 or 0.38 for the same text) and a verdict must not."""
        import numpy as np

        out: list[list[float]] = []
        for encoding in self._tokenizer.encode_batch([model_text(t) for t in texts]):
            ids = np.asarray([encoding.ids], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            try:
                logits = self._session.run(["logits"], feed)[0]
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise ClassifierError(f"{self.folder}: the model failed: {exc}") from exc
            out.append([float(v) for v in logits[0]])
        return out

    def scores(self, texts: Sequence[str]) -> list[Scores]:
        return [self.probabilities(row) for row in self.logits(texts)]

    def probabilities(self, logits: Sequence[float]) -> dict[str, float]:
        if self.settings.activation == "softmax":
            top = max(logits)
            exps = [math.exp(v - top) for v in logits]
            probs = [e / sum(exps) for e in exps]
        else:
            probs = [
                self.settings.calibration.get(name or "", Calibration())(v)
                for name, v in zip(self._ours, logits, strict=True)
            ]
        scores: dict[str, float] = {}
        for label, p in zip(self._ours, probs, strict=True):
            if label:
                scores[label] = max(scores.get(label, 0.0), p)
        return scores


@lru_cache(maxsize=4)
def _load(folder: Path, threads: int, max_length: int) -> tuple[Any, Any, frozenset[str]]:
    """One session per model directory and thread count in a process: every campaign and
    screen built in it shares it (loading takes a fifth of a second and ~100 MB)."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise ClassifierError(f"the classifier needs {exc.name}: pip install happybot") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        session = onnxruntime.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    except Exception as exc:  # a truncated or foreign file
        raise ClassifierError(f"{folder}: cannot load the model: {exc}") from exc
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    names = frozenset(i.name for i in session.get_inputs())
    if not {"input_ids", "attention_mask"} <= names:
        raise ClassifierError(
            f"{folder / MODEL_FILE} takes {sorted(names)}; a sequence classifier takes "
            "input_ids and attention_mask"
        )
    outputs = [o.name for o in session.get_outputs()]
    if outputs[0] != "logits":
        raise ClassifierError(f"{folder / MODEL_FILE}'s first output is {outputs[0]}, not logits")
    return session, tokenizer, names
