"""`happybot art`: draw text art in the terminal and as a PNG, or write a gallery of shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.text import Text

from happybot.art.draw import render_for_campaign
from happybot.art.gallery import write_gallery
from happybot.art.shapes import SHAPES
from happybot.cli import CampaignOpt, app, campaign_from, err, out
from happybot.errors import HappybotError

SIZES = {"square": (1080, 1080), "landscape": (1200, 675)}


@app.command("art")
def art_cmd(
    text: Annotated[str | None, typer.Argument(help="The words to draw.")] = None,
    shape: Annotated[
        str | None, typer.Option(help=f"One of: {', '.join(SHAPES)} (default: from the text).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--out", help="Write the PNG here.")] = None,
    size: Annotated[
        Literal["square", "landscape"], typer.Option(help="1080×1080 or 1200×675.")
    ] = "square",
    gallery: Annotated[
        Path | None,
        typer.Option(help="Write every shape with sample texts and an index.html to this folder."),
    ] = None,
    campaign_path: CampaignOpt = None,
) -> None:
    """Draw TEXT as text art in the campaign's palette: in the terminal, and as a PNG with
    --out. A preview for people: nothing is screened or published."""
    campaign = campaign_from(campaign_path)
    if gallery is not None:
        index = write_gallery(gallery, campaign)
        out.print(f"gallery: {index.resolve()}")
        return
    if text is None:
        raise HappybotError("give the words to draw, or --gallery DIR")
    if shape is not None and shape not in SHAPES:
        raise HappybotError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    width, height = SIZES[size]
    palette = campaign.art.palette
    picture = render_for_campaign(text, campaign, shape=shape, seed=text, size=(width, height))
    rows = [row.rstrip() for row in picture.rows]
    while rows and not rows[-1]:
        rows.pop()
    for r, row in enumerate(rows):
        # the picture's colour bands; Rich drops colour where the terminal has none
        ink = palette.ink[r * len(palette.ink) // max(1, len(picture.rows))]
        out.print(Text(row, style=ink), highlight=False, soft_wrap=True)
    err.print(picture.alt_text, highlight=False)
    if output is not None:
        try:
            output.write_bytes(picture.png)
        except OSError as exc:
            raise HappybotError(f"cannot write {output}: {exc.strerror or exc}") from None
        err.print(f"wrote {output} ({width}×{height}, sha256 {picture.sha256[:12]})")
