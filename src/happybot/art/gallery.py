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


def write_gallery(folder: Path, campaign: Campaign) -> Path:
    """Every shape with every sample text in the campaign's palette; returns the index page."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for name, drawing in SHAPES.items():
        for number, text in enumerate(SAMPLES, start=1):
            picture = render_for_campaign(text, campaign, shape=name)
            file = f"{name}-{number}.png"
            (folder / file).write_bytes(picture.png)
            cards.append(
                f'<figure><img src="{file}" alt="{html.escape(picture.alt_text)}" loading="lazy">'
                f"<figcaption>{html.escape(drawing.title)} · sample {number}</figcaption></figure>"
            )
    index = folder / "index.html"
    index.write_text(
        "<!doctype html>\n<html lang=en><meta charset=utf-8>"
        f"<title>happybot shapes · {html.escape(campaign.hashtag)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;background:#fafafa}"
        "main{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}"
        "figure{margin:0;background:#fff;padding:.5rem;border-radius:8px;"
        "box-shadow:0 1px 3px #0002}img{width:100%;height:auto;display:block}"
        "figcaption{font-size:.9rem;color:#555;padding-top:.4rem}</style>"
        f"<h1>happybot shapes</h1><p>{len(SHAPES)} shapes, {len(SAMPLES)} sample texts each, "
        f"{campaign.art.width}×{campaign.art.height}.</p><main>\n"
        + "\n".join(cards)
        + "\n</main>\n",
        "utf-8",
    )
    return index
