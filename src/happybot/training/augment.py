"""Misspelt copies of training rows: people who want hate published drop, swap or double a
letter of the word a filter would catch ("muslms", "jwes"), or run two words together. The
gate's normalisation undoes look-alike letters and spaced-out words, but no rule can restore a
missing letter; the model has to read through it. Both classes get copies, so that a typo
never means hate by itself.

`happybot model train --misspelt-share S` adds them; measured at 0.15, the model read through
typos better and everything else worse, so the shipped recipe has none (training/README.md).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

from happybot.datasets import Row

SOURCE = "misspelt-copies"
_WORD = re.compile(r"[A-Za-z]{4,}")


def misspell(text: str, rng: random.Random) -> str:
    """The text with one or two of its longer words misspelt (a letter dropped, two swapped or
    one doubled), or two words run together when it has no word of four letters or more."""
    words = list(_WORD.finditer(text))
    if not words:
        return _join_two(text, rng)
    chosen = rng.sample(words, min(len(words), rng.choice((1, 1, 2))))
    out = text
    for match in sorted(chosen, key=lambda m: m.start(), reverse=True):
        out = out[: match.start()] + _misspell_word(match.group(), rng) + out[match.end() :]
    return out


def _misspell_word(word: str, rng: random.Random) -> str:
    # the first letter stays: readers (and the tokenizer's word pieces) lean on it most
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "drop", "swap", "double"))
    if kind == "swap" and word[at] != word[at + 1]:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1 :]  # dropped (also where a swap would change nothing)


def _join_two(text: str, rng: random.Random) -> str:
    spaces = [m.start() for m in re.finditer(r"(?<=\w) (?=\w)", text)]
    if not spaces:
        return text
    at = rng.choice(spaces)
    return text[:at] + text[at + 1 :]


def with_misspelt_copies(rows: Sequence[Row], seed: int, share: float) -> list[Row]:
    """The rows, then a misspelt copy of a seeded share of them (a copy that came out the same
    as its row is left out), with the same targets, under one source of their own."""
    rng = random.Random(f"misspell-{seed}")
    copies = []
    for row in rows:
        if rng.random() >= share:
            continue
        text = misspell(row.text, rng)
        if text != row.text:
            copies.append(replace(row, text=text, source=SOURCE))
    return [*rows, *copies]
