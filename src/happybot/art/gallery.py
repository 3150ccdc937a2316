"""A folder to browse every shape: one PNG per shape and sample text, and an `index.html`."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from happybot.art.draw import render_for_campaign
from happybot.art.shapes import SHAPES

if TYPE_CHECKING:
    from happybot.config import Campaign

SAMPLES = (
    "my train is late again and it is raining on my new shoes",
    "Monday",
    "exam tomorrow and I remember nothing, the coffee machine broke and my phone is on two "
    "percent with the charger at home",
)


SIZES = {"square": (1080, 1080), "landscape": (1200, 675)}


def write_gallery(folder: Path, campaign: Campaign) -> Path:
    """Every shape with every sample text in the campaign's palette, square, and the first
    sample in landscape too, a row per shape; returns the index page."""
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for name, drawing in SHAPES.items():
        cards = []
        for number, text in enumerate(SAMPLES, start=1):
            for size, (width, height) in SIZES.items():
                if size != "square" and number != 1:
                    continue
                picture = render_for_campaign(text, campaign, shape=name, size=(width, height))
                file = f"{name}-{number}-{size}.png"
                (folder / file).write_bytes(picture.png)
                cards.append(
                    f'<figure class="{size}"><a href="{file}"><img src="{file}" '
                    f'width="{width}" height="{height}" alt="{html.escape(picture.alt_text)}" '
                    f'loading="lazy"></a><figcaption>sample {number} · {size}</figcaption></figure>'
                )
        # the landscape picture last: as tall as the squares in a row of four
        cards.append(cards.pop(1))
        sections.append(
            f'<section id="{name}"><h2>{html.escape(drawing.title)}</h2>'
            f'<div class="row">{"".join(cards)}</div></section>'
        )
    index = folder / "index.html"
    index.write_text(
        "<!doctype html>\n<html lang=en><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>happybot shapes · {html.escape(campaign.hashtag)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;background:#f4f4f4;color:#222}"
        "h2{font-size:1.1rem;margin:1.5rem 0 .5rem;text-transform:capitalize}"
        ".row{display:grid;grid-template-columns:1fr 1fr 1fr 1.78fr;gap:1rem;align-items:start}"
        "@media (max-width:900px){.row{grid-template-columns:1fr 1fr}}"
        "figure{margin:0;background:#fff;padding:.4rem;border-radius:8px;"
        "box-shadow:0 1px 3px #0002}img{width:100%;height:auto;display:block}"
        "figcaption{font-size:.85rem;color:#555;padding-top:.3rem}</style>"
        f"<h1>happybot shapes</h1><p>{len(SHAPES)} shapes, {len(SAMPLES)} sample texts each "
        "(square, 1080×1080), and the first in landscape (1200×675). Click a picture for its "
        "full size.</p>\n" + "\n".join(sections) + "\n",
        "utf-8",
    )
    return index
