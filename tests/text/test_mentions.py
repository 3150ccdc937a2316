"""Which mentions only say whom a post is for: not drawn, not held as a stranger's name."""

from __future__ import annotations

import pytest

from happybot.models import BotAccount
from happybot.text.mentions import addressing_spans, without_addressing

BOT = BotAccount("did:plc:brand", "brand.example")


@pytest.mark.parametrize(
    ("text", "drawn"),
    [
        ("@brand.example my train is late #MakeItHappy", "my train is late #MakeItHappy"),
        ("@brand.example @sam.example: rain again", "rain again"),
        ("rain again #MakeItHappy @brand.example", "rain again #MakeItHappy"),
        ("#MakeItHappy @brand.example", "#MakeItHappy"),
        # inside the words, a mention is content: a name the picture would carry
        ("my boss @jo.example is awful #MakeItHappy", "my boss @jo.example is awful #MakeItHappy"),
        ("tell @sam.example #MakeItHappy", "tell @sam.example #MakeItHappy"),
    ],
)
def test_addressing_mentions_are_left_out(text: str, drawn: str) -> None:
    assert without_addressing(text) == drawn


def test_the_bots_own_handle_is_never_a_strangers_name() -> None:
    text = "rain again @brand.example #MakeItHappy"
    assert addressing_spans(text) == []
    assert addressing_spans(text, BOT.is_me) == [(11, 25)]
    assert without_addressing(text, BOT.is_me) == "rain again #MakeItHappy"


def test_a_post_of_twenty_thousand_tags_and_mentions_is_read_in_one_pass() -> None:
    # a backtracking pattern took a minute over this; the token walk reads it at once
    text = "x " + "@ab.example #c " * 20_000
    spans = addressing_spans(text)
    assert len(spans) == 19_999  # every mention after the closing run's first tag
    assert without_addressing("#c " * 20_000 + "x") == ("#c " * 20_000 + "x").strip()
