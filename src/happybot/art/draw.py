"""Draw text art as a PNG in the campaign's palette. Same input, same bytes."""

from __future__ import annotations

import functools
import io
import subprocess
from pathlib import Path

import emoji
from PIL import Image, ImageDraw, ImageFont

from happybot.art.layout import choose_shape, flow, mask
from happybot.art.shapes import SHAPES
from happybot.models import Artwork

FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/System/Library/Fonts/Menlo.ttc",
)
_CHAR_ASPECT = 0.6  # width / height of a monospaced cell
_COLUMNS = 48


@functools.lru_cache(maxsize=1)
def font_path() -> str | None:
    """A monospaced font on this machine: fontconfig's pick, else well-known paths."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "monospace"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        if found and Path(found).exists() and found.endswith((".ttf", ".otf", ".ttc")):
            return found
    except (OSError, subprocess.SubprocessError):
        pass
    return next((p for p in _FONT_CANDIDATES if Path(p).exists()), None)


@functools.lru_cache(maxsize=16)
def _font(size: int) -> FontT:
    path = font_path()
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)  # Pillow's bundled fallback


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return (value >> 16 & 255, value >> 8 & 255, value & 255)


def render_art(
    text: str,
    *,
    shape: str | None = None,
    shapes: tuple[str, ...] = ("heart",),
    seed: str = "",
    width: int = 1080,
    height: int = 1080,
    background: str = "#FFF8E7",
    ink: tuple[str, ...] = ("#FF6B6B",),
    footer_colour: str = "#5A5A5A",
    footer: str = "",
) -> Artwork:
    """The words drawn into a happy shape, with alt text that says what it shows."""
    chosen = shape or choose_shape(text, shapes, seed)
    footer_h = max(48, height // 14)
    margin = width // 20
    art_w, art_h = width - 2 * margin, height - 2 * margin - footer_h
    side = min(art_w, art_h)  # the shape is drawn in a square, centred
    font = _font(max(8, int(side / (_COLUMNS * _CHAR_ASPECT))))
    # a monospaced font: one call per row lands every character in its cell
    cell_w = font.getlength("M")
    cell_h = cell_w / _CHAR_ASPECT
    cols, rows = int(side // cell_w), max(8, int(side // cell_h))
    # emoji have no glyph in a text font: they would print as empty boxes (the alt text keeps them)
    grid = flow(emoji.replace_emoji(text, ""), mask(chosen, cols, rows))

    image = Image.new("RGB", (width, height), _rgb(background))
    draw = ImageDraw.Draw(image)
    left = (width - cols * cell_w) / 2
    top = margin + (art_h - rows * cell_h) / 2
    colours = [_rgb(c) for c in ink]
    for r, row in enumerate(grid):
        if row.strip():
            colour = colours[r * len(colours) // max(1, len(grid))]
            draw.text((left, top + r * cell_h), row, font=font, fill=colour)
    if footer:
        footer_font = _font(max(10, footer_h // 3))
        draw.text(
            (width / 2, height - margin / 2 - footer_h / 2),
            footer,
            font=footer_font,
            fill=_rgb(footer_colour),
            anchor="mm",
        )
    buffer = io.BytesIO()
    # a few inks and their anti-aliased edges fit a 64-colour palette: a third of the bytes
    # and half the encoding time of full colour, and just as crisp
    image.quantize(64, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    words = " ".join(text.split())
    title = SHAPES[chosen].title
    article = "An" if title[0] in "aeiou" else "A"
    alt = f"{article} {title} drawn in coloured text, made from the words: “{words}”."
    if footer:
        alt += f" Footer: {footer}."
    return Artwork(
        png=buffer.getvalue(),
        alt_text=alt,
        shape=chosen,
        rows=tuple(grid),
        width=width,
        height=height,
    )
