from __future__ import annotations

from happybot.text.acrostic import (
    FIRST_OF_LINES,
    FIRST_OF_WORDS,
    LAST_OF_LINES,
    author_lines,
    hidden_readings,
)


def _read(text: str) -> dict[str, str]:
    return {h.where: h.letters for h in hidden_readings(author_lines(text))}


def test_first_and_last_letters_of_the_authors_lines_and_first_letters_of_words() -> None:
    got = _read("Hold on\nOne more day\nPlease\nEveryone #MakeItHappy @brand")
    assert got[FIRST_OF_LINES] == "hope"
    assert got[LAST_OF_LINES] == "nyee"
    assert got[FIRST_OF_WORDS] == "hoomdpe"  # the hashtag and the mention are no words


def test_letters_are_read_after_normalisation_and_emoji_are_no_letters() -> None:
    got = _read("🙂 N1ce day\n1sn't it\nGreat")
    assert got[FIRST_OF_LINES] == "nig"
    assert got[FIRST_OF_WORDS] == "ndiig"  # "isn't" is one word to a reader


def test_two_lines_or_words_spell_nothing() -> None:
    assert _read("one line\nand another") == {FIRST_OF_WORDS: "olaa"}
    assert _read("hi there") == {}
    assert author_lines("#MakeItHappy\n\n  \nhttps://x.example/a\nrain") == ["rain"]
