from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from happybot.text.normalize import normalize


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("H4TE", "hate"),  # leetspeak and case
        ("h a t e", "hate"),  # spaced-out letters
        ("h.a.t.e", "hate"),
        ("ha\u200bte", "hate"),  # zero-width space
        ("\u202ehate", "hate"),  # bidi override
        ("h\u0430te", "hate"),  # Cyrillic a
        ("ｈａｔｅ", "hate"),  # full-width forms (NFKC)
        ("haaaaate", "hate"),  # repeated letters
        ("fück", "fuck"),  # accents
        ("sh!t", "shit"),  # symbol inside a word
    ],
)
def test_obfuscations_fold_to_the_plain_word(text: str, canonical: str) -> None:
    assert normalize(text).text == canonical


def test_numbers_and_punctuation_outside_words_are_kept() -> None:
    assert normalize("Train at 8:15, 2024 was bad!!!").text == "train at 8:15, 2024 was bad!"
    assert normalize("wow!!").text == "wow!!"


def test_emoji_become_their_names() -> None:
    assert "grinning face" in normalize("I 😀 you").text


def test_spans_map_back_to_what_the_person_wrote() -> None:
    original = "you are a f\u200bu\u200bc\u200bk"
    canon = normalize(original)
    start = canon.text.index("fuck")
    a, b = canon.span_in_original(start, start + 4)
    assert original[a:b] == "f\u200bu\u200bc\u200bk"


@given(st.text(max_size=300))
def test_any_text_normalises_and_every_offset_points_into_the_original(text: str) -> None:
    canon = normalize(text)
    assert len(canon.offsets) == len(canon.text)
    assert all(0 <= o < len(text) for o in canon.offsets)
    assert list(canon.offsets) == sorted(canon.offsets)
    if canon.text:
        a, b = canon.span_in_original(0, len(canon.text))
        assert 0 <= a <= b <= len(text)


@given(st.text(max_size=300))
def test_normalising_the_canonical_form_changes_nothing(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@given(st.text(alphabet="ha4te 1!|.@$0-_*\u200b\u0430", max_size=60))
def test_idempotent_on_dense_obfuscation(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


def test_spaced_leetspeak_joins_then_reads_as_letters() -> None:
    assert normalize("h 4 t e").text == "hate"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_the_ascii_fast_path_folds_like_the_general_one(text: str) -> None:
    from happybot.text import normalize as module

    fast = module._fold(text)
    general = module._fold(text + "é")  # any non-ASCII character takes the general path
    assert fast[0] == general[0][:-1] and fast[1] == general[1][:-1]


# emoji sequences (keycaps, ZWJ families, flags, skin tones, tags) mixed with ASCII and accents
_EMOJI_TEXT = st.lists(
    st.sampled_from(
        [
            "1\ufe0f\u20e3",
            "#\u20e3",
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
            "\U0001f1ec\U0001f1e7",
            "\U0001f44d\U0001f3fd",
            "\u2764\ufe0f",
            "\u00a9",
            "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
            "a",
            "1",
            "#",
            " ",
            "\u00e9",
            "\u201c",
            "\u200d",
            "\ufe0f",
            "\u20e3",
            "\U0001f600",
        ]
    ),
    max_size=30,
).map("".join)


@given(_EMOJI_TEXT)
def test_searching_only_non_ascii_runs_finds_the_emoji_a_whole_text_search_finds(
    text: str,
) -> None:
    import emoji

    from happybot.text.normalize import _emoji_at

    whole = {e["match_start"]: (e["emoji"], e["match_end"]) for e in emoji.emoji_list(text)}
    assert _emoji_at(text) == whole


# confusables that stand for two Latin letters ("ӕ" is "ae"): each once stopped the bot for good
@pytest.mark.parametrize(
    "char", ["\u04d4", "\u04d5", "\ua698", "\ua699", "\U00011700", "\U000118e3"]
)
def test_a_confusable_of_several_letters_folds_without_raising(char: str) -> None:
    folded = normalize(f"x{char}y").text
    assert folded.startswith("x") and folded.endswith("y") and len(folded) >= 4


def test_a_right_to_left_override_is_read_in_the_order_it_is_shown() -> None:
    from happybot.text.normalize import readings

    original = "so \u202ekcuf\u202c happy"
    found = readings(original)
    shown = [r for r in found if "fuck" in r.text]
    assert len(shown) == 1
    start = shown[0].text.index("fuck")
    a, b = shown[0].span_in_original(start, start + 4)
    assert original[a:b] == "kcuf"  # evidence points at what the person typed
