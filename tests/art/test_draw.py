from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from happybot.art.draw import render_art
from happybot.art.layout import FILLER, choose_shape, fit_text, flow, mask
from happybot.art.shapes import SHAPES
from happybot.errors import RenderError


def test_same_input_same_bytes_and_a_real_png_of_the_asked_size() -> None:
    a = render_art("my train is late", shape="heart", hashtag="#MakeItHappy")
    b = render_art("my train is late", shape="heart", hashtag="#MakeItHappy")
    assert a.png == b.png and a.sha256 == b.sha256
    image = Image.open(io.BytesIO(a.png))
    assert image.format == "PNG" and image.size == (1080, 1080)
    assert render_art("x", shape="sun", width=1200, height=675).width == 1200


def test_alt_text_says_what_the_picture_shows_and_holds_the_words() -> None:
    art = render_art("rain  again\non my day off", shape="sun", hashtag="#MakeItHappy")
    assert art.alt_text.startswith("A sun drawn")
    assert "rain again on my day off" in art.alt_text and "#MakeItHappy" in art.alt_text
    # the networks ask automated accounts to say so, the picture's description too
    assert art.alt_text.endswith("Drawn automatically by the campaign's bot.")


def test_the_words_fill_the_shape_in_reading_order() -> None:
    rows = flow("abc def", mask("heart", 20, 10))
    letters = "".join(rows).replace(" ", "").replace(FILLER, "")
    assert letters.startswith("abcdef~abcdef")


def test_words_stay_whole_and_the_silhouette_stays_filled() -> None:
    text = "my train is late again and it is raining on my new shoes"
    for name in SHAPES:
        cells = mask(name, 48, 28)
        rows = flow(text, cells)
        # no word of the picture that the person did not write: words are never cut
        assert set(" ".join(rows).replace(FILLER, " ").split()) <= {*text.split(), "~"}, name
        # every cell of the shape holds a character, so the shape reads as a shape
        holes = sum(
            inside and row[c] == " " and 0 < c < len(row) - 1 and row[c + 1] != " "
            for cells_row, row in zip(cells, rows, strict=True)
            for c, inside in enumerate(cells_row)
        )
        assert holes <= sum(map(sum, cells)) // 4, name


def test_long_texts_are_cut_at_a_word_boundary() -> None:
    assert fit_text("one two three four", 12) == "one two…"


def test_every_shape_has_cells_to_fill() -> None:
    for name in SHAPES:
        assert sum(map(sum, mask(name, 48, 28))) > 200, name


def test_shape_follows_the_mood_else_a_reproducible_choice() -> None:
    shapes = ("heart", "sun", "star")
    assert choose_shape("rain all day", shapes, "k") == "sun"
    assert choose_shape("so lonely tonight", shapes, "k") == "heart"
    assert choose_shape("meh", shapes, "k1") == choose_shape("meh", shapes, "k1")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=5000),
    st.sampled_from(sorted(SHAPES)),
    st.sampled_from([(1080, 1080), (1200, 675)]),
)
def test_any_unicode_text_renders_in_any_shape_at_both_sizes(
    text: str, shape: str, size: tuple[int, int]
) -> None:
    try:
        art = render_art(text, shape=shape, width=size[0], height=size[1], hashtag="#MakeItHappy")
    except RenderError as refused:
        # refused only for characters it cannot draw, and it says which
        assert "cannot draw" in str(refused)
        assert any(repr(ch) in str(refused) for ch in set(unicodedata.normalize("NFC", text)))
        return
    assert Image.open(io.BytesIO(art.png)).size == size
    # the picture shows only what the text holds, whole words, dots and the separator
    shown = set(" ".join(art.rows).replace(FILLER, " ").split()) - {"~", "…"}
    written = _unmarked(unicodedata.normalize("NFC", text))
    assert all(_unmarked(word.rstrip("…")) in written for word in shown)


def _unmarked(text: str) -> str:
    """Without combining marks (a mark the font lacks is left off its letter)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Me"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "مرحبا القطار متأخر مرة أخرى",  # right to left
        "z\u0351\u0352a\u0353\u0354l\u0355g\u0356o" * 40,  # stacked combining marks
        "\u202edesrever\u202c and \u200bhidden",  # bidi override, zero-width space
        "late " * 1000,  # 5,000 characters
        "👨‍👩‍👧🇬🇧1️⃣",  # nothing but emoji
    ],
)
def test_hard_texts_render_at_both_sizes(text: str) -> None:
    for width, height in ((1080, 1080), (1200, 675)):
        art = render_art(text, shape="cat", width=width, height=height, hashtag="#MakeItHappy")
        assert Image.open(io.BytesIO(art.png)).size == (width, height)
        assert all(len(row) == len(art.rows[0]) for row in art.rows)


def test_emoji_are_not_drawn_as_empty_boxes_but_stay_in_the_alt_text() -> None:
    art = render_art("rain again 😩", shape="sun")
    assert "😩" not in "".join(art.rows) and "rain" in "".join(art.rows)
    assert "😩" in art.alt_text


def _inked(png: bytes, box: tuple[int, int, int, int]) -> bool:
    """Whether any pixel in the box differs from the background (the top-left corner)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    plain = Image.new("RGB", image.size, image.getpixel((0, 0)))
    return ImageChops.difference(image, plain).crop(box).getbbox() is not None


def test_a_landscape_picture_uses_its_width_for_the_hashtag_and_brand_line() -> None:
    art = render_art(
        "rain again", shape="heart", width=1200, height=675, hashtag="#MakeItHappy", brand_line="Hi"
    )
    assert _inked(art.png, (720, 0, 1200, 675))  # the panel beside the shape
    assert not _inked(art.png, (0, 640, 1200, 675))  # no footer line under it
    assert "Beside it: #MakeItHappy · Hi." in art.alt_text
    bare = render_art("rain again", shape="heart", width=1200, height=675)
    assert not _inked(bare.png, (720, 0, 1200, 675))


def test_a_square_picture_has_its_footer_under_the_shape() -> None:
    art = render_art("rain again", shape="heart", hashtag="#MakeItHappy")
    assert _inked(art.png, (0, 960, 1080, 1080))
    assert "Footer: #MakeItHappy." in art.alt_text


def test_taking_an_emoji_out_never_joins_the_letters_around_it() -> None:
    art = render_art("fa🙂g and sp🌧ud", shape="cloud")
    shown = set(" ".join(art.rows).replace(FILLER, " ").split())
    assert {"fa", "g", "sp", "ud"} <= shown and not {"fag", "spud"} & shown


def test_text_the_font_cannot_draw_is_refused_with_the_characters_named() -> None:
    with pytest.raises(RenderError, match="cannot draw '東', '車'"):
        render_art("東車", shape="heart")


def test_a_bidi_override_cannot_show_letters_the_screens_did_not_read() -> None:
    # U+202E would make the row display "gaf" reversed; it is drawn as a space instead
    art = render_art("\u202egaf is what I typed", shape="cloud")
    assert "\u202e" not in "".join(art.rows) and "gaf" in " ".join(art.rows)


def test_stacked_marks_the_font_lacks_are_left_off_their_letters() -> None:
    art = render_art("z\u0351a\u0353l\u0355g\u0356o", shape="heart")
    assert "zalgo" in " ".join(art.rows)
