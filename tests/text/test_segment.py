from __future__ import annotations

import pytest

from happybot.text.segment import at_word_edges, handle_words, inside_ordinary_word, segments


def _words(text: str) -> list[str]:
    return [text[a:b] for a, b in segments(text)]


def test_run_together_words_are_split_with_spans_on_the_text() -> None:
    assert _words("ihatemondays") == ["i", "hate", "mondays"]
    assert _words("scunthorpe united") == ["scunthorpe", "united"]
    assert segments("") == ()


@pytest.mark.parametrize(
    ("text", "term", "inside"),
    [
        ("spicyfoodfan", "spic", True),
        ("raccoonlover", "coon", True),
        ("sauerkraut", "kraut", True),
        ("spicfoodfan", "spic", False),  # no longer word holds it
        ("bigcoonlover", "coon", False),
    ],
)
def test_a_term_inside_a_longer_ordinary_word_is_told_apart(
    text: str, term: str, inside: bool
) -> None:
    start = text.index(term)
    assert inside_ordinary_word(text, start, start + len(term)) is inside


def test_word_edges() -> None:
    text = "whitepowerforever"
    assert at_word_edges(text, 0, 10)  # "whitepower"
    assert not at_word_edges(text, 1, 10)


@pytest.mark.parametrize(
    ("handle", "words"),
    [
        ("ihatejews.bsky.social", "i hate jews"),
        ("@kim_the_baker@mastodon.social", "kim the baker"),
        ("white_power_1488.example", "white power 1488"),
        ("Gas-The-Migrants", "gas the migrants"),
    ],
)
def test_a_handle_reads_as_the_words_of_its_own_part(handle: str, words: str) -> None:
    assert handle_words(handle) == words
