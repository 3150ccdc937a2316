from __future__ import annotations

import pytest

from happybot.text.content import content_words


@pytest.mark.parametrize(
    "text",
    ["#MakeItHappy", "#makeithappy please!", "@brand.example #MakeItHappy 🙂🎉", "this one pls",
     "https://example.com #MakeItHappy", "  "],
)  # fmt: skip
def test_a_request_with_no_content_has_no_content_words(text: str) -> None:
    assert content_words(text, "makeithappy") == ()


def test_content_keeps_the_words_and_other_hashtags() -> None:
    assert content_words("#MakeItHappy my train is late #Mondays", "makeithappy") == (
        "my",
        "train",
        "is",
        "late",
        "mondays",
    )
    assert content_words("#MakeItHappy idiots", "makeithappy") == ("idiots",)
