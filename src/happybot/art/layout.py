"""Flow words, in reading order, into the cells of a shape."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence

from happybot.art.shapes import SHAPES

# A grumble about the weather gets a sun, a lonely one a heart, and so on.
_MOOD = [
    (re.compile(r"\b(rain\w*|wet|grey|gray|cloud\w*|cold|storm\w*|drizzle|snow\w*)\b"), "sun"),
    (re.compile(r"\b(lonely|alone|miss\w*|sad|heart\w*|love\w*|nobody)\b"), "heart"),
    (re.compile(r"\b(birthday|party|celebrat\w*|deflat\w*|balloon\w*)\b"), "balloon"),
    (re.compile(r"\b(exam\w*|test\w*|grade\w*|fail\w*|study\w*|work\w*|boss)\b"), "star"),
    (re.compile(r"\b(monday\w*|tired|sleep\w*|alarm|morning)\b"), "smiley"),
    (re.compile(r"\b(garden\w*|spring|allerg\w*|pollen|flower\w*)\b"), "flower"),
    (re.compile(r"\b(hot|heat\w*|summer|sweat\w*|melt\w*|sunburn\w*)\b"), "ice-cream"),
    (re.compile(r"\b(cats?|kitten\w*|meow\w*)\b"), "cat"),
    (re.compile(r"\b(dogs?|pupp\w*|walkies|vet)\b"), "dog"),
    (re.compile(r"\b(hungry|diet|lunch|dinner|cake\w*|bak\w*|breakfast|coffee)\b"), "cupcake"),
    (re.compile(r"\b(music|song\w*|noise|noisy|neighbours?|drill\w*|concert)\b"), "music-note"),
    (re.compile(r"\b(gift\w*|present\w*|parcel\w*|deliver\w*|package\w*)\b"), "gift"),
    (re.compile(r"\b(flight\w*|fly\w*|plane\w*|airport|holiday\w*)\b"), "bird"),
    (re.compile(r"\b(traffic|commute\w*|city|smog|office)\b"), "tree"),
    (re.compile(r"\b(wind\w*|umbrella\w*|fog\w*|overcast)\b"), "rainbow"),
    (re.compile(r"\b(stress\w*|worr\w*|anxious|headache|dull|bored)\b"), "cloud"),
]
SEPARATOR = " ~ "


def choose_shape(text: str, allowed: Sequence[str], seed: str) -> str:
    """The shape for a text: from its mood when one matches, else a reproducible pick."""
    lowered = text.lower()
    for pattern, shape in _MOOD:
        if shape in allowed and pattern.search(lowered):
            return shape
    digest = hashlib.sha256(seed.encode()).digest()
    return allowed[digest[0] % len(allowed)]


@functools.lru_cache(maxsize=256)
def mask(shape: str, cols: int, rows: int) -> tuple[tuple[bool, ...], ...]:
    """Which cells of a cols × rows grid the shape covers (the same few sizes, again and
    again: cached)."""
    inside = SHAPES[shape].inside
    return tuple(
        tuple(inside((c + 0.5) / cols * 2 - 1, (r + 0.5) / rows * 2 - 1) for c in range(cols))
        for r in range(rows)
    )


def fit_text(text: str, capacity: int) -> str:
    """One line of the words; trimmed at a word boundary when longer than the shape holds."""
    words = " ".join(text.split())
    if len(words) <= capacity:
        return words
    cut = words[: capacity - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut + "…"


FILLER = "·"  # fills the end of a run that the next word does not fit


def flow(text: str, cells: Sequence[Sequence[bool]]) -> list[str]:
    """Rows of characters: the words fill the shape's runs of cells in reading order, repeating
    when short. A word that does not fit what is left of a run goes to a later one and the gap
    is filled with dots, so that the silhouette stays whole and words stay whole; only a word
    longer than every run of the shape is split. Cells outside the shape are spaces."""
    capacity = sum(sum(row) for row in cells)
    line = fit_text(text, capacity)
    grid = [[" "] * len(row) for row in cells]
    tokens = [*line.split(), SEPARATOR.strip()]
    if not line:
        return ["".join(row) for row in grid]
    runs = [_runs(row) for row in cells]
    longest = max((end - start for row in runs for start, end in row), default=0)
    index, done = 0, 0  # the token being placed, and how much of it is placed already
    last_partial: list[tuple[int, int]] = []  # cells of a word cut by the end of the shape
    for r, row_runs in enumerate(runs):
        for start, end in row_runs:
            c = start
            while c < end:
                token = tokens[index % len(tokens)][done:]
                room = end - c
                if len(token) <= room:
                    grid[r][c : c + len(token)] = token
                    last_partial = []
                    c += len(token)
                    index, done = index + 1, 0
                    if c < end:
                        grid[r][c] = " " if c + 1 < end else FILLER
                        c += 1
                elif done == 0 and len(token) <= longest:
                    grid[r][c:end] = FILLER * room  # a later run holds it whole
                    c = end
                else:
                    grid[r][c:end] = token[:room]  # longer than the run: it has to be split
                    last_partial = [*last_partial, *((r, k) for k in range(c, end))]
                    done += room
                    c = end
    # never end on a fragment of a word: it would read as a word the input did not contain
    for r, c in last_partial:
        grid[r][c] = FILLER
    return ["".join(row) for row in grid]


def _runs(row: Sequence[bool]) -> list[tuple[int, int]]:
    """[start, end) of each run of cells inside the shape."""
    runs, start = [], None
    for c, inside in enumerate([*row, False]):
        if inside and start is None:
            start = c
        elif not inside and start is not None:
            runs.append((start, c))
            start = None
    return runs
