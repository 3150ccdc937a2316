from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from happybot.art.draw import render_art
from happybot.art.layout import FILLER
from happybot.art.shapes import SHAPES
from happybot.models import Artwork, Decision
from happybot.pipeline.decide import decide
from happybot.pipeline.output_screen import LAYOUT_RISK_CAP, readings, screen_output
from happybot.screens.lexicon import LexiconScreen, Term
from happybot.testing import make_campaign

LEX = LexiconScreen(
    terms=[Term("spud", "slur", 0.95, "test"), Term("doom", "operator-deny", 1.0, "t")]
)


def art(rows: list[str], alt: str = "a heart") -> Artwork:
    return Artwork(png=b"x", alt_text=alt, shape="heart", rows=tuple(rows), width=1, height=1)


def test_an_acrostic_of_first_letters_is_held() -> None:
    rows = ["  seven apples  ", " plums on trees ", "under the sun", "  dates too   "]
    findings = screen_output(art(rows), "hello", LEX)
    assert any("first letters of rows" in f.why and f.label == "slur" for f in findings)
    verdict = decide(findings, make_campaign().policy())
    assert verdict.decision is Decision.REVIEW  # made by the layout: a person looks


def test_a_word_read_down_a_column_is_held() -> None:
    rows = ["ad ", "bo ", "ho ", "em "]
    assert [r.text for r in readings(art(rows)) if r.where == "column 2"] == ["doom"]
    assert any(f.label == "operator-deny" for f in screen_output(art(rows), "hi", LEX))


def test_a_word_the_row_ends_make_is_read_whole_and_held_for_a_person() -> None:
    findings = screen_output(art(["we love sp", "ud a lot"]), "hi", LEX)
    joined = [f for f in findings if "without a break" in f.why]
    assert joined and joined[0].risk == LAYOUT_RISK_CAP  # the layout made it: a person looks


def test_words_at_the_ends_of_rows_are_not_run_together_at_full_risk() -> None:
    findings = screen_output(art(["we grow sp", "ud a lot"]), "hi", LEX)
    assert not [f for f in findings if "reading order" in f.why]


def test_alt_text_and_reply_text_are_read_too() -> None:
    findings = screen_output(art(["hello"], alt="a doom shape"), "hi @spud", LEX)
    assert {f.target.value for f in findings} == {"alt_text", "reply_text"}


def test_an_ordinary_picture_has_nothing_to_hold() -> None:
    artwork = render_art("My train is late again and it is raining, what a Monday", shape="heart")
    assert (
        screen_output(artwork, "@alex here's something happy #MakeItHappy", LexiconScreen()) == []
    )


def test_only_grave_words_count_when_the_layout_made_them() -> None:
    lex = LexiconScreen(terms=[Term("boob", "sexual", 0.6, "t"), Term("spud", "slur", 0.95, "t")])
    sexual = ["bear", "oak", "oat", "bee"]
    assert screen_output(art(sexual), "hi", lex) == []
    assert screen_output(art(["sun", "pea", "urn", "dew"]), "hi", lex) != []


def test_words_the_input_contained_are_left_to_the_input_screens() -> None:
    rows = ["we love spud", "spud spud"]
    assert screen_output(art(rows), "hi", LEX, inputs=["we love spud"]) == []


def test_an_acrostic_anywhere_in_the_first_letters_is_held() -> None:
    rows = ["apple", "tree", "sun", "pea", "urn", "dew"]  # first letters "atspud"
    assert any("first letters of rows" in f.why for f in screen_output(art(rows), "hi", LEX))


def test_filler_dots_do_not_hide_an_acrostic() -> None:
    rows = [f"{FILLER}{FILLER} sun", "pea", f"{FILLER} urn", "dew"]  # "·spud" unless skipped
    assert any("first letters of rows" in f.why for f in screen_output(art(rows), "hi", LEX))


def test_first_letters_of_words_written_into_the_text_are_held() -> None:
    text = "i saw sunny pears under dew today"  # "isspudt", needs no knowledge of the layout
    artwork = render_art(text, shape="cloud")
    found = screen_output(artwork, "hi", LEX, inputs=[text])
    assert any("first letters of words" in f.why for f in found)


# -- crafted against the real layout ----------------------------------------------------------
#
# An attacker who knows the layout writes words whose letters land where they want them. These
# tests do just that for every shape at both sizes: the text is many three-letter words, each
# written "x" + its number in two letters, so that where each word lands can be read back from
# the picture; then the letters that land on the rows' first cells (or down one column) are
# changed to spell a denied word, and the picture is drawn again. Words of one length land in
# the same cells whatever their letters, so the crafted picture carries the crafted word.


def _word(index: int, length: int = 3) -> str:
    return "x" + chr(97 + index // 26) + chr(97 + index % 26) + "q" * (length - 3)


def _words(length: int = 3) -> list[str]:
    # more words than the shape holds, so that none repeats (the text is cut, not repeated)
    return [_word(i, length) for i in range(1200 // (length + 1))]


def _draw(words: list[str], shape: str, size: tuple[int, int]) -> Artwork:
    return render_art(" ".join(words), shape=shape, width=size[0], height=size[1])


def _cells(rows: Sequence[str], length: int = 3) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, column) → (word number, letter in the word), from the coded words."""
    where = {}
    for r, row in enumerate(rows):
        for match in re.finditer(rf"\b[a-z]{{{length}}}\b", row):
            number = (ord(match[0][1]) - 97) * 26 + ord(match[0][2]) - 97
            for offset in range(length):
                where[(r, match.start() + offset)] = (number, offset)
    return where


def _crafted(places: list[tuple[int, int]], target: str, words: list[str]) -> list[str]:
    out = list(words)
    for (number, offset), letter in zip(places, target, strict=True):
        out[number] = out[number][:offset] + letter + out[number][offset + 1 :]
    return out


SIZES = [(1080, 1080), (1200, 675)]
WORDS = _words()


def _row_acrostic(shape: str, size: tuple[int, int]) -> tuple[Artwork, Artwork]:
    """The plain drawing of WORDS, and one whose words are changed so that four rows in the
    middle start with the letters of "spud": an acrostic crafted against the real layout."""
    plain = _draw(WORDS, shape, size)
    cells = _cells(plain.rows)
    # the word under each row's first letter (rows that start with a dot or "…" have none)
    starts = [
        cells.get((r, len(row) - len(row.lstrip(" " + FILLER))))
        for r, row in enumerate(plain.rows)
        if row.strip(" " + FILLER)
    ]
    # four rows in a row that a word starts; in the middle of the first letters, not at the start
    usable = next(
        starts[i : i + 4]
        for i in range(2, len(starts) - 3)
        if all(s is not None and s[1] == 0 for s in starts[i : i + 4])
    )
    assert len(usable) == 4, shape
    return plain, _draw(_crafted(usable, "spud", WORDS), shape, size)


@pytest.mark.parametrize("size", SIZES, ids=["square", "landscape"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_an_acrostic_crafted_for_the_layout_is_held_in_every_shape(
    shape: str, size: tuple[int, int]
) -> None:
    _, crafted = _row_acrostic(shape, size)
    found = screen_output(crafted, "hi", LEX, inputs=[" ".join(WORDS)])
    assert any("first letters of rows" in f.why and f.label == "slur" for f in found), shape
    assert decide(found, make_campaign().policy()).decision is Decision.REVIEW


@pytest.mark.parametrize("size", SIZES, ids=["square", "landscape"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_word_crafted_down_a_column_is_held_in_every_shape(
    shape: str, size: tuple[int, int]
) -> None:
    # four letters down a column with no letter just above or below: a word the eye picks out
    # (inside a longer column of letters it does not stand out, and is not held). The attacker
    # tries word lengths until the gaps between words line up where they need them.
    for length in (3, 4, 5, 6):
        words = _words(length)
        cells = _cells(_draw(words, shape, size).rows, length)
        spot = next(
            (
                [cells[(r + k, c)] for k in range(4)]
                for (r, c) in sorted(cells)
                if all((r + k, c) in cells for k in range(4))
                and (r - 1, c) not in cells
                and (r + 4, c) not in cells
            ),
            None,
        )
        if spot is not None:
            break
    assert spot is not None, shape
    crafted = _draw(_crafted(spot, "doom", words), shape, size)
    found = screen_output(crafted, "hi", LEX, inputs=[" ".join(words)])
    assert any(f.why.startswith("column") and f.label == "operator-deny" for f in found), shape


def test_a_word_only_the_layout_made_is_drawn_again_and_an_authored_one_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from happybot.pipeline import render as render_module
    from happybot.testing import make_trigger

    shape, size = "heart", SIZES[0]
    plain, crafted = _row_acrostic(shape, size)
    calls: list[int] = []

    def drawing(
        trigger: object, campaign: object, attempt: int = 0, bot: object = None
    ) -> tuple[object, str]:
        calls.append(attempt)
        return (crafted if attempt == 0 else plain), "hi"

    monkeypatch.setattr(render_module, "render", drawing)
    trigger = make_trigger(" ".join(WORDS))
    art, _, found = render_module.render_screened(trigger, make_campaign(), LEX)
    assert art is plain and found == [] and calls == [0, 1]  # the layout's fault: redrawn

    # first letters of the person's own words: no drawing changes them, one drawing is enough
    calls.clear()
    authored = _draw(["silly", "pumpkins", "ugly", "dolls"], shape, size)

    def same(
        trigger: object, campaign: object, attempt: int = 0, bot: object = None
    ) -> tuple[object, str]:
        calls.append(attempt)
        return authored, "hi"

    monkeypatch.setattr(render_module, "render", same)
    art, _, found = render_module.render_screened(make_trigger("x"), make_campaign(), LEX)
    assert art is authored and calls == [0]
    assert any("first letters of words" in f.why for f in found)
