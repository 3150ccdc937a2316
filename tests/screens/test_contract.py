"""Every registered screen, built-in or plug-in, honours the Screen contract."""

from __future__ import annotations

import pytest

from happybot.models import Target
from happybot.screens.base import ScreenContext, load_screens, registered_screens
from happybot.testing import NOW, make_author, make_campaign, make_post, make_trigger

CAMPAIGN = make_campaign()
TEXTS = [
    "",
    "a" * 5000,
    "بعض النص العربي مع #MakeItHappy",  # right-to-left
    "שלום \u202e עולם",
    "z\u0351\u0352\u0353a\u0301\u0302lgo",  # combining marks
    "👨‍👩‍👧‍👦🏳️‍🌈" * 50,
    "sh!t " * 300,
]


def test_the_built_in_screens_are_registered_like_plug_ins() -> None:
    assert {"lexicon", "behaviour"} <= set(registered_screens())


@pytest.mark.parametrize("name", sorted(registered_screens()))
def test_screen_returns_one_list_per_trigger_with_spans_inside_their_text(name: str) -> None:
    (screen,) = load_screens(CAMPAIGN, [name])
    parent = make_post(TEXTS[2], author=make_author("p.example"))
    batch = [make_trigger(text, author=make_author(display_name=text[:50])) for text in TEXTS]
    batch.append(make_trigger("#MakeItHappy", parent=parent))
    results = screen.check(batch, ScreenContext(now=NOW, deadline=NOW))
    assert len(results) == len(batch)
    for trigger, findings in zip(batch, results, strict=True):
        for f in findings:
            assert 0.0 <= f.risk <= 1.0
            assert f.screen == name and f.why
            if f.span is not None:
                text = trigger.text_of(f.target)
                assert text is not None and f.target is not Target.ACCOUNT
                assert 0 <= f.span[0] <= f.span[1] <= len(text)
