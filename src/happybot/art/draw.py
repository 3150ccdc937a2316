"""Draw text art as a PNG in the campaign's palette. Same input, same bytes."""

from __future__ import annotations

import functools
import io
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import emoji
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

from happybot.art.layout import choose_shape, flow, mask
from happybot.art.shapes import SHAPES
from happybot.errors import RenderError
from happybot.models import Artwork

if TYPE_CHECKING:
    from happybot.config import Campaign

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


@functools.lru_cache(maxsize=4)
def _coverage(path: str | None) -> frozenset[int]:
    """The code points the font has glyphs for. Pillow's bundled fallback: printable ASCII, all
    it can be relied on for."""
    if path is None:
        return frozenset(range(0x20, 0x7F))
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


# Characters that are not drawn but steer the drawing or draw nothing: bidi overrides (which
# would show a row's letters reversed: "gaf" drawn as the word the screens never saw), zero-width
# joiners, controls, unassigned and private-use code points.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def visible(text: str) -> str:
    """`text` with the characters that steer or draw nothing (bidi controls, zero-width ones,
    controls) as spaces; but the zero-width joiner, which makes one emoji of several (a family),
    and hides nothing from the screens (they read through it)."""
    return "".join(
        " " if ch != "\u200d" and unicodedata.category(ch) in _INVISIBLE else ch for ch in text
    )


def drawable(text: str) -> str:
    """The text as the picture draws it. Emoji (no glyph in a text font; the alt text keeps
    them) and invisible characters become spaces, not nothing: "fa🙂g" must not become a word
    the person did not write. Accents the font lacks are left off their letters. Refused, with
    the characters named, when the font has no glyph for some, or they are wide (Chinese,
    Japanese, Korean take two cells of the grid)."""
    path = font_path()
    covered = _coverage(path)
    text = emoji.replace_emoji(unicodedata.normalize("NFC", text), " ")
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _INVISIBLE:
            kept.append(" ")
        elif category in ("Mn", "Me") and ord(ch) not in covered:
            continue  # a mark the font lacks (stacked "zalgo" marks): the letter without it
        else:
            kept.append(ch)
    text = "".join(kept)
    missing = sorted(
        {
            ch
            for ch in text
            if not ch.isspace()
            and (ord(ch) not in covered or unicodedata.east_asian_width(ch) in ("W", "F"))
        }
    )
    if missing:
        shown = ", ".join(repr(ch) for ch in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise RenderError(
            f"cannot draw {shown}{more}: the font {Path(path).name if path else '(built in)'} "
            "has no glyph for them, or they are too wide for the grid of text art: the picture "
            "would show empty boxes in their place"
        )
    return text


@functools.lru_cache(maxsize=16)
def _font(size: int) -> FontT:
    path = font_path()
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)  # Pillow's bundled fallback


def _levels(inks: int) -> int:
    """Shades of each ink, from background to full: 16, fewer when many inks share the 256
    entries of the palette."""
    return max(2, min(16, 256 // inks))


@functools.lru_cache(maxsize=64)
def _palette(
    background: tuple[int, int, int], inks: tuple[tuple[int, int, int], ...], levels: int
) -> list[int]:
    palette: list[int] = []
    for colour in inks:
        for step in range(levels):
            t = step / (levels - 1)
            palette += [round(b + (c - b) * t) for b, c in zip(background, colour, strict=True)]
    return palette + [0] * (768 - len(palette))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return (value >> 16 & 255, value >> 8 & 255, value & 255)


@dataclass(frozen=True)
class _Frame:
    """Where things go on the canvas: the shape's square, and the campaign's words (a footer
    line under a square picture; a panel beside the shape in a wide one)."""

    shape_box: tuple[float, float, float]  # left, top, side
    words_box: tuple[float, float, float, float]  # left, top, right, bottom
    side_panel: bool


def _frame(width: int, height: int) -> _Frame:
    if width >= height * 1.4:
        margin = height // 16
        # landscape (1200×675): the shape as tall as the picture allows, the hashtag and brand
        # line beside it, so that the width is used and not left as empty margins
        side = height - 2 * margin
        panel = margin + side + margin * 1.5  # a clear gap between the shape and the hashtag
        return _Frame(
            (margin, margin, side), (panel, margin, width - margin, height - margin), True
        )
    margin = width // 20
    footer_h = max(48, height // 14)
    art_w, art_h = width - 2 * margin, height - 2 * margin - footer_h
    side = min(art_w, art_h)
    box = ((width - side) / 2, margin + (art_h - side) / 2, side)
    return _Frame(box, (margin, height - margin - footer_h, width - margin, height - margin), False)


def _wrap(text: str, font: FontT, width: float) -> list[str]:
    """Lines of whole words that fit `width` (a word longer than the line stands alone)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


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
    hashtag: str = "",
    brand_line: str = "",
) -> Artwork:
    """The words drawn into a happy shape, with alt text that says what it shows."""
    chosen = shape or choose_shape(text, shapes, seed)
    frame = _frame(width, height)
    box_left, box_top, side = frame.shape_box
    font = _font(max(8, int(side / (_COLUMNS * _CHAR_ASPECT))))
    # a monospaced font: one call per row lands every character in its cell
    cell_w = font.getlength("M")
    cell_h = cell_w / _CHAR_ASPECT
    cols, rows = int(side // cell_w), max(8, int(side // cell_h))
    drawn = drawable(text)
    grid = flow(drawn, mask(chosen, cols, rows))

    # Drawn as coverage (how much ink each pixel holds) and, apart, which ink: the PNG is then
    # one byte a pixel, ink * levels + coverage, over a palette of each ink blended into the
    # background. Crisp anti-aliased edges without quantising a full-colour image.
    inks = [*ink, footer_colour]
    coverage = Image.new("L", (width, height), 0)
    which = Image.new("L", (width, height), 0)
    draw, band = ImageDraw.Draw(coverage), ImageDraw.Draw(which)
    left = box_left + (side - cols * cell_w) / 2
    top = box_top + (side - rows * cell_h) / 2
    levels = _levels(len(inks))
    for r, row in enumerate(grid):
        if row.strip():
            draw.text((left, top + r * cell_h), row, font=font, fill=255)
    # bands of rows in one ink; drawn bottom up, each reaching a quarter row below its last
    # row, so that descenders keep their row's ink (the top of a row's box is blank leading)
    colour_of = [r * len(ink) // max(1, len(grid)) for r in range(len(grid))]
    right = box_left + side if frame.side_panel else width
    for colour in reversed(range(len(ink))):
        rows_in = [r for r, c in enumerate(colour_of) if c == colour]
        if rows_in:
            y0, y1 = top + rows_in[0] * cell_h, top + (rows_in[-1] + 1.25) * cell_h
            band.rectangle((0, int(y0), int(right), int(y1)), fill=colour * levels)
    footer = " · ".join(part for part in (hashtag, brand_line) if part)
    if frame.side_panel:
        _draw_panel(draw, band, frame.words_box, hashtag, brand_line, (0, len(ink)), levels)
    elif footer:
        x0, y0, x1, y1 = frame.words_box
        footer_font = _font(max(10, int(y1 - y0) // 3))
        at = ((x0 + x1) / 2, (y0 + y1) / 2)
        draw.text(at, footer, font=footer_font, fill=255, anchor="mm")
        band.rectangle(
            draw.textbbox(at, footer, font=footer_font, anchor="mm"), fill=len(ink) * levels
        )
    level = coverage.point([v * levels // 256 for v in range(256)])
    indexed = Image.frombytes("P", (width, height), ImageChops.add(which, level).tobytes())
    indexed.putpalette(_palette(_rgb(background), tuple(_rgb(c) for c in inks), levels))
    buffer = io.BytesIO()
    # zlib level 3: a third of the time of the default 6 for a quarter more bytes (~50 KB)
    indexed.save(buffer, format="PNG", compress_level=3)
    # the words as drawn, emoji kept for those who hear the alt text: never a bidi control or
    # an invisible character, which would show its words in another order than the screens
    # read them
    words = " ".join(visible(text).split())
    title = SHAPES[chosen].title
    article = "An" if title[0] in "aeiou" else "A"
    alt = f"{article} {title} drawn in coloured text, made from the words: “{words}”."
    if footer:
        alt += f" {'Beside it' if frame.side_panel else 'Footer'}: {footer}."
    alt += " Drawn automatically by the campaign's bot."
    return Artwork(
        png=buffer.getvalue(),
        alt_text=alt,
        shape=chosen,
        rows=tuple(grid),
        width=width,
        height=height,
    )


def _draw_panel(
    draw: ImageDraw.ImageDraw,
    band: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    hashtag: str,
    brand_line: str,
    inks: tuple[int, int],
    levels: int,
) -> None:
    """The hashtag large and the brand line under it, left-aligned and centred in height."""
    x0, y0, x1, y1 = box
    width = x1 - x0
    size = max(12, int((y1 - y0) / 9))
    # a long hashtag gets a smaller size rather than a break in the middle of it
    while size > 12 and _font(size).getlength(hashtag) > width * 0.95:
        size -= 2
    small = max(10, int(size * 0.55))
    blocks = [(line, size, inks[0]) for line in ([hashtag] if hashtag else [])]
    blocks += [(line, small, inks[1]) for line in _wrap(brand_line, _font(small), width)]
    heights = [points * 1.35 for _, points, _ in blocks]
    y = y0 + (y1 - y0 - sum(heights)) / 2
    for (line, points, ink), h in zip(blocks, heights, strict=True):
        draw.text((x0, y), line, font=_font(points), fill=255)
        band.rectangle(draw.textbbox((x0, y), line, font=_font(points)), fill=ink * levels)
        y += h


def render_for_campaign(
    text: str,
    campaign: Campaign,
    *,
    shape: str | None = None,
    seed: str = "",
    size: tuple[int, int] | None = None,
) -> Artwork:
    """The picture in the campaign's shapes, palette and footer (hashtag and brand line)."""
    art = campaign.art
    width, height = size or (art.width, art.height)
    return render_art(
        text,
        shape=shape,
        shapes=tuple(art.shapes),
        seed=seed,
        width=width,
        height=height,
        background=art.palette.background,
        ink=tuple(art.palette.ink),
        footer_colour=art.palette.footer,
        hashtag=campaign.hashtag,
        brand_line=campaign.brand_line or "",
    )
