from __future__ import annotations

from happybot.art.draw import render_art
from happybot.models import Artwork, Decision
from happybot.pipeline.decide import decide, policy_from_campaign
from happybot.pipeline.output_screen import readings, screen_output
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
    verdict = decide(findings, policy_from_campaign(make_campaign()))
    assert verdict.decision is Decision.REVIEW  # made by the layout: a person looks


def test_a_word_read_down_a_column_is_held() -> None:
    rows = ["ad ", "bo ", "ho ", "em "]
    assert [r.text for r in readings(art(rows)) if r.where == "column 2"] == ["doom"]
    assert any(f.label == "operator-deny" for f in screen_output(art(rows), "hi", LEX))


def test_a_word_split_across_rows_is_read_whole_at_full_risk() -> None:
    findings = screen_output(art(["we love sp", "ud a lot"]), "hi", LEX)
    whole = [f for f in findings if "reading order" in f.why]
    assert whole and whole[0].risk == 0.95


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


def test_a_short_word_deep_in_the_first_letters_is_chance_not_an_acrostic() -> None:
    rows = ["apple", "tree", "sun", "pea", "urn", "dew"]  # first letters "atspud"
    assert screen_output(art(rows), "hi", LEX) == []
    longer = LexiconScreen(terms=[Term("tspud", "slur", 0.95, "t")])
    assert screen_output(art(rows), "hi", longer) != []
