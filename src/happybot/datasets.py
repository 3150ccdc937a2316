"""The public data sets in `../shared/data/` (see its README for what each is and its licence)
and our own counter-examples, read into one shape: a text and what it is.

Labels: `hate` 1 or 0; `offensive` 1 when the set says "offensive but not hate" (Davidson,
HateXplain), 0 when it says neither, None when the set does not tell; `threat`, `sexual` and
`self_harm` likewise, where a set tells (Dynabench dev's types, our own sentences, the gate's word
lists). HateCheck is not read here: it is for evaluation only (`happybot eval hatecheck`).
"""

from __future__ import annotations

import ast
import csv
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from happybot.errors import SourceError


@dataclass(frozen=True)
class Example:
    text: str
    hate: int
    offensive: int | None
    source: str
    threat: int | None = None
    sexual: int | None = None
    self_harm: int | None = None


def _csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    if not path.is_file():
        raise SourceError(f"{path} does not exist: see ../shared/data/README.md")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def dynabench(folder: Path, split: str) -> list[Example]:
    """`dev` or `test` of Dynabench (Vidgen et al.): hate / nothate, and the type of hate, of
    which "threatening" is our threat (where the annotators gave no type, we cannot tell)."""
    return [
        Example(
            row["text"],
            int(row["label"] == "hate"),
            None,
            f"dynabench-{split}",
            threat=_threat(row["label"], row.get("type", "")),
        )
        for row in _csv(folder / f"db_{split}.csv")
    ]


def _threat(label: str, kind: str) -> int | None:
    if label != "hate":
        return 0
    if kind in ("", "notgiven"):
        return None
    return int(kind == "threatening")


def dynabench_train(folder: Path, exclude: Iterable[str]) -> list[Example]:
    """The 32k train split, without the texts that also occur in dev or test: kept, they would
    make the test figures lie. Compared with case, spaces and punctuation set aside: 2,530 rows
    of the published files go (2,202 match exactly)."""
    texts_path, labels_path = folder / "Train.csv", folder / "Train_label.csv"
    for path in (texts_path, labels_path):
        if not path.is_file():
            raise SourceError(f"{path} does not exist: see ../shared/data/README.md")
    with texts_path.open(encoding="utf-8", newline="") as handle:
        texts = [row[0] if row else "" for row in csv.reader(handle)]
    labels = labels_path.read_text(encoding="utf-8").split()
    if len(texts) != len(labels):
        raise SourceError(f"{texts_path}: {len(texts)} texts but {len(labels)} labels")
    seen = {text_key(t) for t in exclude}
    return [
        Example(text, int(label), None, "dynabench-train")
        for text, label in zip(texts, labels, strict=True)
        if text.strip() and text_key(text) not in seen
    ]


def davidson(folder: Path) -> list[Example]:
    """Davidson et al.: class 0 hate, 1 offensive (not hate), 2 neither."""
    return [
        Example(row["tweet"], int(row["class"] == "0"), int(row["class"] == "1"), "davidson")
        for row in _csv(folder / "labeled_data.csv")
    ]


def hatexplain(folder: Path) -> list[Example]:
    """HateXplain's validation and test posts, by the majority of its three annotators (labels
    encoded as 0 hatespeech, 1 normal, 2 offensive); posts without a majority are left out."""
    out = []
    for name in ("df_val_processed.csv", "df_test_processed.csv"):
        for row in _csv(folder / name):
            votes = Counter(ast.literal_eval(row["annotators"])["label"]).most_common()
            if len(votes) > 1 and votes[0][1] == votes[1][1]:
                continue
            label = votes[0][0]
            out.append(
                Example(row["unmasked_sentence"], int(label == 0), int(label == 2), "hatexplain")
            )
    return out


def toxigen(folder: Path) -> list[Example]:
    """ToxiGen's prompt statements: `hate_*` files implicit hate, `neutral_*` not; each line is
    a prompt of several statements ("- ..."), repeated across lines: each statement once."""
    files = sorted(folder.glob("*_1k.txt"))
    if not files:
        raise SourceError(f"{folder} holds no ToxiGen prompt files")
    seen: set[str] = set()
    out = []
    for path in files:
        hate = int(path.name.startswith("hate_"))
        for line in path.read_text(encoding="utf-8").splitlines():
            for statement in line.replace("\\n", "\n").split("\n"):
                text = statement.strip().removeprefix("-").strip()
                if text and text_key(text) not in seen:
                    seen.add(text_key(text))
                    out.append(Example(text, hate, None, "toxigen"))
    return out


def counter_examples(path: Path) -> list[Example]:
    """Ours (`training/counter_examples.tsv`): harmless sentences every model held back."""
    return [
        Example(
            row["text"],
            int(row["label"] == "hate"),
            0,
            "counter-examples",
            threat=0,
            sexual=0,
            self_harm=0,
        )
        for row in _csv(path, delimiter="\t")
    ]


def sensitive_examples(path: Path) -> list[Example]:
    """Ours (`training/sensitive_examples.tsv`): self-harm, sexual content, threats, and their
    look-alikes. None of them is hate; a threat is harassment."""
    return [
        Example(
            row["text"],
            0,
            int(row["threat"]),
            "sensitive-examples",
            threat=int(row["threat"]),
            sexual=int(row["sexual"]),
            self_harm=int(row["self_harm"]),
        )
        for row in _csv(path, delimiter="\t")
    ]


def everyday_examples(path: Path) -> list[Example]:
    """Ours (`training/everyday_examples.tsv`): harmless everyday posts, none of any label."""
    return [
        Example(row["text"], 0, 0, "everyday-examples", threat=0, sexual=0, self_harm=0)
        for row in _csv(path, delimiter="\t")
    ]


_LEXICON_FRAMES = ("{}", "so... {}", "{} tonight")


def lexicon_examples(path: Path) -> list[Example]:
    """The gate's self-harm and sexual terms (`lexicon.tsv`), each in a few short frames: the
    word lists' knowledge, given to the model so that it also sees them misspelt or in context."""
    out = []
    for row in _csv(path, delimiter="\t"):
        label = row["label"]
        if label not in ("sexual", "self-harm") or float(row["risk"]) < 0.6:
            continue
        for frame in _LEXICON_FRAMES:
            out.append(
                Example(
                    frame.format(row["# term"]),
                    0,
                    None,
                    "lexicon",
                    sexual=int(label == "sexual"),
                    self_harm=int(label == "self-harm"),
                )
            )
    return out


def text_key(text: str) -> str:
    """The same text, whatever its case, spacing and punctuation."""
    return re.sub(r"[\W_]+", "", text.lower())


# a labelled text as training and calibration read it, from any of the sets above
@dataclass(frozen=True)
class Row:
    text: str
    targets: tuple[float, ...]  # in LABELS order; 0 where unknown
    known: tuple[bool, ...]  # which targets the source tells
    source: str
