from __future__ import annotations

import pytest

from happybot.models import Target
from happybot.screens.base import ScreenContext
from happybot.screens.lexicon import LexiconScreen, Term, bundled_terms
from happybot.testing import NOW, make_author, make_campaign, make_trigger

LEX = LexiconScreen()


def labels(text: str, target: Target = Target.POST, **kw: bool) -> list[str]:
    return [f.label for f in LEX.scan(text, target, **kw)]


def test_bundled_lexicon_is_built_from_the_public_lists() -> None:
    terms = bundled_terms()
    assert len(terms) > 300
    assert {t.source for t in terms if t.label != "other-language"} == {
        "wordfilter",
        "ldnoobw-en",
        "happybot",
    }
    # every Latin-script language of LDNOOBW, Finnish first among them
    other = {t.language for t in terms if t.label == "other-language"}
    assert {"fi", "de", "es", "fr", "it", "nl", "pt", "sv"} <= other and "en" not in other
    assert "sucks" not in {t.text for t in terms}  # everyday grumbling is not flagged


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe is lovely",
        "my assessment",
        "Mondays suck",
        "the class was cancelled",
        "a grape",
        "cocktail hour",
    ],
)
def test_harmless_words_containing_a_listed_substring_are_not_hit(text: str) -> None:
    assert labels(text) == []


@pytest.mark.parametrize(
    "text", ["you sh!t", "f u c k this", "f\u200buck this", "what a b1tch", "SHIIIIT", "\u0455hit"]
)
def test_obfuscated_words_are_found_with_a_span_on_the_original(text: str) -> None:
    findings = LEX.scan(text, Target.POST)
    assert findings, text
    a, b = findings[0].span  # type: ignore[misc]
    assert 0 <= a < b <= len(text)
    assert text[a:b].strip()


def test_grave_terms_are_found_inside_run_together_handles_only() -> None:
    slur = next(t.text for t in bundled_terms() if t.label == "slur" and len(t.text) >= 5)
    assert labels(f"xx{slur}xx", Target.HANDLE, inner=True) == ["slur"]
    assert labels(f"xx{slur}xx") == []


def test_operator_deny_and_allow_lists() -> None:
    campaign = make_campaign(words={"deny": ["competitor cola"], "allow": ["cockburn"]})
    screen = LexiconScreen(campaign)
    assert [f.label for f in screen.scan("I prefer Competitor  Cola", Target.POST)] == [
        "operator-deny"
    ]
    assert screen.scan("Lovely day in Cockburn", Target.POST) == []
    assert [f.label for f in screen.scan("a cock", Target.POST)] != []


def test_check_screens_every_text_of_the_trigger_including_both_authors() -> None:
    screen = LexiconScreen(terms=[Term("badword", "slur", 0.95, "t")])
    parent = make_trigger("ordinary badword here", author=make_author("p.example")).post
    trigger = make_trigger(
        "#MakeItHappy",
        parent=parent,
        author=make_author("badword.example", display_name="Mr Badword"),
    )
    ctx = ScreenContext(now=NOW, deadline=NOW)
    found = {f.target for f in screen.check([trigger], ctx)[0]}
    assert found == {Target.PARENT, Target.HANDLE, Target.DISPLAY_NAME}


def test_ambiguous_leetspeak_is_read_both_ways() -> None:
    screen = LexiconScreen(terms=[Term("slip", "slur", 0.9, "t"), Term("sip", "slur", 0.9, "t")])
    assert [f.label for f in screen.scan("a s1ip here", Target.POST)] == ["slur"]
    assert [f.label for f in screen.scan("a s1p here", Target.POST)] == ["slur"]


def test_extremist_codes_without_a_swear_word_are_in_the_bundled_list() -> None:
    trigger = make_trigger("lovely day", author=make_author("hitler_was_right_1488.example"))
    findings = LEX.check([trigger], ScreenContext(now=NOW, deadline=NOW))[0]
    assert {(f.label, f.target) for f in findings} == {("extremism", Target.HANDLE)}


def test_xenophobic_tropes_without_a_slur_go_to_people_not_to_rejection() -> None:
    from happybot.models import Decision
    from happybot.pipeline.decide import decide

    findings = LEX.scan("Send them ALL back where they came from!", Target.POST)
    assert [f.label for f in findings] == ["xenophobia"]
    assert decide(findings, make_campaign().policy()).decision is Decision.REVIEW
    assert labels("the parcel went back to the depot it came from") == []


def _handle(handle: str) -> list[tuple[str, str]]:
    trigger = make_trigger("lovely day", author=make_author(handle))
    findings = LEX.check([trigger], ScreenContext(now=NOW, deadline=NOW))[0]
    return [(f.label, handle[f.span[0] : f.span[1]]) for f in findings if f.span]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("spics go home", "spics"),
        ("sissies, all of them", None),  # not listed: a plural finds only what is listed
        ("Wetbacks out now", "Wetbacks"),
        ("n1ggers out", "n1ggers"),
        ("retards everywhere", "retards"),
    ],
)
def test_a_listed_words_plural_is_found_in_posts_and_names(text: str, found: str | None) -> None:
    for target in (Target.POST, Target.DISPLAY_NAME):
        spans = [text[f.span[0] : f.span[1]] for f in LEX.scan(text, target) if f.span]
        assert spans == ([found] if found else []), (text, target)


@pytest.mark.parametrize(
    "handle",
    [
        "spicyfoodfan.bsky.social",
        "raccoonlover.bsky.social",
        "sauerkrautkitchen.bsky.social",
        "montenegrotravel.bsky.social",
        "pakistanicricketfan.bsky.social",
        "mustardseed.bsky.social",
        "tycoon-tom.bsky.social",
        "scunthorpe-united.bsky.social",
    ],
)
def test_a_listed_term_inside_an_ordinary_word_of_a_handle_is_not_found(handle: str) -> None:
    assert _handle(handle) == []


@pytest.mark.parametrize(
    ("handle", "found"),
    [
        ("kike88.bsky.social", "kike"),  # digits around it
        ("xx_kike_xx.example", "kike"),  # separators around it
        ("bigkikelover.example", "kike"),
        ("faggots4ever.bsky.social", "faggots"),
        ("ihatespics.example", "spic"),  # split "i hates pics": it lies inside no one word
        ("wh1te-p0wer.example", "wh1te-p0wer"),
    ],
)
def test_a_slur_standing_as_a_word_of_a_handle_or_among_digits_is_found(
    handle: str, found: str
) -> None:
    assert found in [text for _, text in _handle(handle)]


def test_a_handles_words_are_read_for_every_label_where_they_stand_alone() -> None:
    # "tits" is no grave label: found as a word the handle spells, not inside another word
    assert ("sexual", "tits") in _handle("bigtitslover.example")
    assert _handle("constitutional.example") == []


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "Kind words today\nIn the garden\nKeep smiling\nEveryone #MakeItHappy",
            "first letters of lines",
        ),
        (
            "I love to walk\nlife is a taxi\nbirds in the park\nlove the scene",
            "last letters of lines",
        ),
        ("Some people invite children #MakeItHappy", "first letters of words"),
        # a multi-word term, letters only
        ("Happy energy is lovely, have it today, let's everyone rejoice", "first letters of words"),
        # a short term counts when the letters spell it and nothing else
        ("Fun\nAt\nGardens #MakeItHappy", "first letters of lines"),
    ],
)
def test_a_message_hidden_in_the_authors_lines_or_words_goes_to_a_person(
    text: str, where: str
) -> None:
    from happybot.models import Decision
    from happybot.pipeline.decide import decide

    for target, trigger in (
        (Target.POST, make_trigger(text)),
        (Target.PARENT, make_trigger("#MakeItHappy", parent=make_trigger(text).post)),
    ):
        findings = LEX.check([trigger], ScreenContext(now=NOW, deadline=NOW))[0]
        hidden = [f for f in findings if f.target is target and where in f.why]
        assert hidden, (text, target)
        assert decide(hidden, make_campaign().policy()).decision is Decision.REVIEW


@pytest.mark.parametrize(
    "text",
    [
        "Hold on\nOne more day\nPlease\nEveryone #MakeItHappy",
        "Fungal spores\nAttack\nGardens everywhere\nToday",  # "fagt": three letters only whole
        "The printer jammed twice before lunch and nobody knows how to fix it",
        "milk\neggs\nbread\nbutter\ncheese\nall gone again",
    ],
)
def test_ordinary_lines_spell_nothing_grave(text: str) -> None:
    findings = LEX.check([make_trigger(text)], ScreenContext(now=NOW, deadline=NOW))[0]
    assert [f for f in findings if "letters of" in f.why] == []


@pytest.mark.parametrize(
    "text",
    ["fuera maricón", "scheiß kanake", "neekeri painu kotiin", "sale nègre", "hurensohn"],
)
def test_another_languages_listed_term_is_held_when_the_post_does_not_read_as_english(
    text: str,
) -> None:
    found = LEX.scan(f"{text} #MakeItHappy", Target.POST)
    assert [f.label for f in found] == ["other-language"], text
    assert any(s in found[0].why for s in ("ldnoobw-es", "ldnoobw-de", "ldnoobw-fi", "ldnoobw-fr"))


@pytest.mark.parametrize(
    "text",
    [
        "We grabbed a bite after the jazz trio played; the only con was the queue",
        "The hassle of the morning commute is wearing me down again this week",
    ],
)
def test_an_english_post_that_happens_to_hold_another_languages_word_passes(text: str) -> None:
    assert [f for f in LEX.scan(text, Target.POST) if f.label == "other-language"] == []


def test_a_campaign_that_reads_finnish_applies_finnish_terms_to_finnish_posts() -> None:
    finnish = LexiconScreen(make_campaign(languages=["fi", "en"]))
    text = "Tämä on ihan perseestä, koko päivä mennyt pilalle kusipää naapurin takia"
    assert [f.label for f in finnish.scan(text, Target.POST)] == ["other-language"]
    # an English post carries a Finnish list's word by chance: read as English, it passes
    english = "the muna in the corner shop is lovely today and the weather is fine"
    assert finnish.scan(english, Target.POST) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("saatanan neekerit", "neekerit"),  # an ending
        ("verdammte kanaken", "kanaken"),
        ("neekerinainen taas", "neekeri"),  # glued to another word, either end
        ("saatananmutakuono", "mutakuono"),
    ],
)
def test_another_languages_term_is_found_inflected_or_compounded(text: str, found: str) -> None:
    spans = [text[f.span[0] : f.span[1]] for f in LEX.scan(text, Target.POST) if f.span]
    assert spans == [found]


def test_another_languages_list_reads_posts_not_names() -> None:
    trigger = make_trigger(
        "lovely day #MakeItHappy", author=make_author("muna.example", display_name="Muna Ahmed")
    )
    assert LEX.check([trigger], ScreenContext(now=NOW, deadline=NOW))[0] == []
    assert [f.label for f in LEX.scan("muna ahmed", Target.POST)] == ["other-language"]


def test_finnish_letters_fold_both_ways() -> None:
    # å, ä and ö as written, in capitals, or typed without their dots: the same term
    for written in ("kusipää", "KUSIPÄÄ", "kusipaa"):
        assert [f.label for f in LEX.scan(f"taas {written}", Target.POST)] == ["other-language"]
