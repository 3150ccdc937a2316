from __future__ import annotations

import pytest

from happybot.art.draw import render_art
from happybot.art.layout import choose_shape
from happybot.art.shapes import SHAPES, Drawing

WANTED = [
    "heart",
    "sun",
    "smiley",
    "flower",
    "balloon",
    "star",
    "rainbow",
    "cupcake",
    "cat",
    "dog",
    "bird",
    "tree",
    "cloud",
    "ice-cream",
    "gift",
    "music-note",
]


def test_the_sixteen_shapes_are_drawings_in_the_package() -> None:
    assert set(WANTED) <= set(SHAPES)
    for name, drawing in SHAPES.items():
        cells = "".join(drawing.rows)
        # a silhouette: neither a speck nor a filled square
        assert 0.2 < cells.count("#") / len(cells) < 0.85, name
    # no two the same
    assert len({d.rows for d in SHAPES.values()}) == len(SHAPES)


def test_a_drawing_is_sampled_at_the_nearest_cell() -> None:
    corner = Drawing("corner", ("#.", ".."))
    assert corner.inside(-0.9, -0.9) and not corner.inside(0.9, -0.9)
    assert not corner.inside(-0.9, 0.9)
    assert corner.inside(-1.0, -1.0) and not corner.inside(1.0, 1.0)  # edges stay in range


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("so hot on the bus, melting", "ice-cream"),
        ("the neighbours are drilling again", "music-note"),
        ("my parcel never arrived", "gift"),
        ("my flight is delayed", "bird"),
        ("skipped lunch again", "cupcake"),
        ("the cat knocked my coffee over", "cat"),
    ],
)
def test_everyday_grumbles_get_a_shape_that_answers_them(text: str, shape: str) -> None:
    assert choose_shape(text, tuple(WANTED), "seed") == shape


def test_alt_text_names_the_shape_in_plain_words() -> None:
    art = render_art("so hot today", shape="ice-cream", width=300, height=300)
    assert art.alt_text.startswith("An ice cream drawn")


def test_a_campaign_file_knows_every_drawing_without_importing_the_art_package() -> None:
    from happybot.config import shape_names

    assert shape_names() == set(SHAPES)
