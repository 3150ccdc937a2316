"""The output screen: read what would be published, the way the public would.

Text art can spell what its input did not: first letters of rows (an acrostic), columns read
top to bottom, words joined across a line break. This stage reads the picture's rows, columns
and first letters, the alt text and the reply text, and can hold a reply even after a person
approved it. Words its inputs already contained are the input screens' to judge, and are not
judged twice.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

from happybot.art.layout import FILLER
from happybot.models import Artwork, Finding, Target
from happybot.screens.lexicon import GRAVE, LexiconScreen
from happybot.text.acrostic import (
    FIRST_OF_LINES,
    FIRST_OF_WORDS,
    LAST_OF_LINES,
    Hidden,
    hidden_readings,
)

SCREEN = "output"


# Words the layout made (columns, first letters, fragments cut at an edge) appear by chance in
# ordinary text: only grave ones count, and they go to a person, never to automatic rejection.
LAYOUT_RISK_CAP = 0.6
LAYOUT_MIN_LEN = 4  # three-letter words turn up by chance in any column


@dataclass(frozen=True)
class Reading:
    where: str
    text: str
    layout: bool  # made by the layout (cut at an edge, read down, first letters)
    inner: bool  # no word boundaries to rely on (acrostics): search inside words
    # the drawing decides these letters (another layout shows others); not so the first letters
    # of the words, which the person chose
    drawn: bool = True
    letters: bool = False  # letters picked one from each row or word (`text.acrostic`)


def readings(artwork: Artwork) -> list[Reading]:
    """Every way the picture can be read."""
    rows = list(artwork.rows)
    width = max((len(r) for r in rows), default=0)
    padded = [r.ljust(width) for r in rows]
    filled = [r.strip() for r in rows if r.strip()]
    # the words as the reader follows them, and the rows run together: a word too long for any
    # run of the shape is split over two, and the end of one row and the start of the next can
    # read as one word that neither is (made by the layout, so judged as the layout's)
    out = [
        Reading("the words in reading order", " ".join(filled), layout=False, inner=False),
        Reading("rows read on without a break", "".join(filled), layout=True, inner=False),
    ]
    # a row cut at the shape's edge can show a fragment that is a word of its own
    out += [Reading(f"row {i + 1}", row, layout=True, inner=False) for i, row in enumerate(filled)]
    for c in range(width):
        runs = _column_words("".join(r[c] for r in padded))
        if runs:
            out.append(Reading(f"column {c + 1}", "\n".join(runs), layout=True, inner=False))
    # the eye reads an acrostic from letters: the dots that fill the end of a run do not count;
    # read as the input screen reads the author's own lines (text.acrostic)
    for hidden in hidden_readings(filled):
        where = _ROWS.get(hidden.where, hidden.where)
        drawn = hidden.where != FIRST_OF_WORDS
        out.append(
            Reading(where, hidden.letters, layout=True, inner=True, drawn=drawn, letters=True)
        )
    return out


# a picture's lines are its rows
_ROWS = {FIRST_OF_LINES: "first letters of rows", LAST_OF_LINES: "last letters of rows"}


_PUNCTUATION = string.punctuation + "~…" + FILLER


def _column_words(column: str) -> list[str]:
    """The words a column shows, read top to bottom: a run of characters between blank or
    filler cells, punctuation at its ends set aside. A run with punctuation inside ("tard~ara",
    a letter of each of the words stacked in a dense shape) does not read as a word to the eye."""
    words = []
    for run in column.replace(FILLER, " ").split():
        word = run.strip(_PUNCTUATION)
        if len(word) >= LAYOUT_MIN_LEN and word.isalnum():
            words.append(word)
    return words


def screen_output(
    artwork: Artwork, reply: str, lexicon: LexiconScreen, inputs: Sequence[str] = ()
) -> list[Finding]:
    """Findings for words the published reply shows that its inputs (the words drawn, the
    handles and names, all judged by the input screens) did not contain."""
    return screen_output_parts(artwork, reply, lexicon, inputs)[0]


def screen_output_parts(
    artwork: Artwork, reply: str, lexicon: LexiconScreen, inputs: Sequence[str] = ()
) -> tuple[list[Finding], bool]:
    """`screen_output`'s findings, and whether every one of them was read where the layout
    made the letters (rows, columns, edges, first letters): another drawing may not show them."""
    known = lexicon.terms_in(inputs)
    findings: list[Finding] = []
    layout_only = True
    for reading in readings(artwork):
        if reading.letters:
            found = lexicon.hidden(Hidden(reading.where, reading.text), Target.PICTURE, known)
        else:
            found = lexicon.scan(
                reading.text,
                Target.PICTURE,
                inner=reading.inner,
                min_len=LAYOUT_MIN_LEN if reading.layout else 1,
                skip=known,
                labels=GRAVE if reading.layout else None,
            )
        # Held wherever it stands: an acrostic put in the middle is as deliberate as one at the
        # start. Chance matches are rare (1 of 1,500 simulated posts, 5 of 1,201 harmless
        # Dynabench texts: bench/bench_art.py) and go to a person, not to rejection.
        for f in found:
            layout_only = layout_only and reading.layout and reading.drawn
            risk = min(f.risk, LAYOUT_RISK_CAP) if reading.layout else f.risk
            findings.append(
                Finding(SCREEN, f.label, risk, Target.PICTURE, None, f"{reading.where}: {f.why}")
            )
    for target, text in ((Target.ALT_TEXT, artwork.alt_text), (Target.REPLY_TEXT, reply)):
        for f in lexicon.scan(text, target, skip=known):
            layout_only = False
            findings.append(Finding(SCREEN, f.label, f.risk, target, f.span, f.why))
    return findings, layout_only and bool(findings)
