"""Soft targets from another fine-tuned model (the teacher) for the small one that ships.

A base-size encoder is too slow and too big to ship (~8 times the work per post, 130 MB in
int8). Fine-tuned on the same rows it reads them about as well as MiniLM-L6 (measured:
training/README.md), but it errs elsewhere, and its probabilities carry a shade the labels do
not: where annotators disagree or a label is a slur's presence, the small model learns "reads
somewhat hateful" instead of a hard 0 or 1. Taught so, it beat both its teacher and itself
untaught on the held-out rows. Each known target becomes `(1 - weight) * label + weight *
teacher`; a target the source does not tell stays masked (the teacher learnt it from the same
masked rows). Only the labels named are taught: sexual content and self-harm are learnt from a
few hundred sentences of our own, too few for a teacher to learn a shade from, and its softer
scores there only dulled them (the self-harm statements of our set sent to a person fell from 7
of 12 to 4).

The teacher is any model directory the runtime loads (`happybot model train --base ... --out`
makes one); its scores are kept in the work folder, so that a resumed run does not score the
rows again. Or it is a small file of its scores on the training rows (`happybot model
teacher-scores` writes one; the repository keeps `training/teacher_scores.tsv.gz`): building the
teacher takes an hour or more on two cores, and `build/` does not outlive a working session,
so a student can be trained from the file alone.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from happybot.classifiers.base import Scores
from happybot.datasets import Row
from happybot.errors import TrainingError
from happybot.labels import LABELS

SCORES_FILE = "teacher-scores.json"
CHUNK = 256
KEPT_SUFFIX = ".tsv.gz"
_DECIMALS = 4


class Teacher(Protocol):
    def scores(self, texts: Sequence[str]) -> list[Scores]: ...


def with_teacher(
    rows: Sequence[Row],
    teacher: Teacher,
    weight: float,
    cache: Path,
    key: str,
    progress: Callable[[int, int], None] | None = None,
    labels: Collection[str] = LABELS,
) -> list[Row]:
    """The rows with their known targets of `labels` drawn `weight` of the way to the
    teacher's scores. `cache` keeps the scores under `key` (the teacher's identity); other keys
    are scored anew."""
    if not 0.0 < weight <= 1.0:
        raise TrainingError(f"the teacher's weight must be in (0, 1], not {weight}")
    check_labels(labels)
    scores = _scores(rows, teacher, cache, key, progress)
    out = []
    for row, said in zip(rows, scores, strict=True):
        targets = tuple(
            (1 - weight) * target + weight * said[label]
            if known and label in said and label in labels
            else target
            for label, target, known in zip(LABELS, row.targets, row.known, strict=True)
        )
        out.append(replace(row, targets=targets))
    return out


def check_labels(labels: Collection[str]) -> None:
    unknown = sorted(set(labels) - set(LABELS))
    if unknown or not labels:
        raise TrainingError(
            f"the teacher can teach some of {', '.join(LABELS)}, not {', '.join(unknown) or 'none'}"
        )


def teacher_key(folder: Path) -> str:
    """What the cached scores belong to: the teacher's weights and its settings (calibration)."""
    digest = hashlib.sha256()
    for name in ("model.onnx", "model.json"):
        path = folder / name
        if not path.is_file():
            raise TrainingError(f"{folder} is not a model directory: {name} is missing")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _scores(
    rows: Sequence[Row],
    teacher: Teacher,
    cache: Path,
    key: str,
    progress: Callable[[int, int], None] | None,
) -> list[Scores]:
    texts = [r.text for r in rows]
    key = hashlib.sha256((key + "\n" + "\n".join(texts)).encode()).hexdigest()
    if cache.is_file():
        kept = json.loads(cache.read_text())
        if kept.get("key") == key:
            return [dict(s) for s in kept["scores"]]
    scores: list[Scores] = []
    for start in range(0, len(texts), CHUNK):
        scores.extend(teacher.scores(texts[start : start + CHUNK]))
        if progress:
            progress(len(scores), len(texts))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.with_suffix(".tmp").write_text(json.dumps({"key": key, "scores": scores}))
    cache.with_suffix(".tmp").replace(cache)
    return scores


def row_key(text: str) -> str:
    """A training row's text as the scores file names it: no text of a data set is copied."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class ScoresFile:
    """A teacher's scores on the training rows, read from the file `write_scores` made. A row
    it does not hold is an error: the rows changed since the file was written."""

    name = "teacher scores"

    def __init__(self, path: Path) -> None:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                header = handle.readline().rstrip("\n").split("\t")
                if header[:1] != ["row"] or not set(header[1:]) <= set(LABELS):
                    raise TrainingError(f"{path} is not a teacher scores file (its header)")
                labels = header[1:]
                self._by_key = {
                    key: dict(zip(labels, map(float, values), strict=True))
                    for key, *values in (line.rstrip("\n").split("\t") for line in handle)
                }
        except (OSError, ValueError, EOFError) as exc:
            raise TrainingError(f"cannot read the teacher's scores in {path}: {exc}") from exc
        self.path = path

    def scores(self, texts: Sequence[str]) -> list[Scores]:
        out: list[Scores] = []
        for text in texts:
            found = self._by_key.get(row_key(text))
            if found is None:
                raise TrainingError(
                    f"{self.path} holds no score for the training row {text[:60]!r}: the rows "
                    "changed since it was written; write it again with `happybot model "
                    "teacher-scores` (needs the teacher: `make teacher`)"
                )
            out.append(dict(found))
        return out


def write_scores(path: Path, texts: Iterable[str], scores: Iterable[Scores]) -> int:
    """Write each distinct row's scores (rounded to four decimals), sorted, gzip without a
    timestamp: the same scores give the same bytes. Returns how many rows were written."""
    rows: dict[str, Scores] = {}
    for text, said in zip(texts, scores, strict=True):
        rows[row_key(text)] = said
    body = io.StringIO()
    body.write("\t".join(["row", *LABELS]) + "\n")
    for key in sorted(rows):
        values = [f"{rows[key].get(label, 0.0):.{_DECIMALS}f}" for label in LABELS]
        body.write("\t".join([key, *values]) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(body.getvalue().encode("utf-8"))
    return len(rows)


def open_teacher(path: Path, threads: int) -> tuple[Teacher, str]:
    """The teacher at `path` (a model directory, or a scores file) and what its scores are
    cached under."""
    if path.is_file() and path.name.endswith(KEPT_SUFFIX):
        return ScoresFile(path), hashlib.sha256(path.read_bytes()).hexdigest()
    from happybot.classifiers.onnx import OnnxClassifier

    return OnnxClassifier(path, threads=threads), teacher_key(path)
