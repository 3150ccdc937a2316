from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from happybot.art.gallery import SAMPLES
from happybot.art.shapes import SHAPES
from tests.cli.test_cli import cli, happybot


def test_art_prints_the_picture_in_the_terminal_and_writes_the_png(tmp_path: Path) -> None:
    png = tmp_path / "rain.png"
    shown = cli(
        "art", "rain all day long", "--shape", "heart", "--out", str(png), "--size", "landscape"
    )
    assert "rain" in shown and "all day" in shown
    image = Image.open(io.BytesIO(png.read_bytes()))
    assert image.format == "PNG" and image.size == (1200, 675)


def test_art_refuses_an_unknown_shape_with_a_clear_message(tmp_path: Path) -> None:
    done = happybot("art", "hello", "--shape", "dragon", cwd=tmp_path)
    assert done.returncode == 2 and "unknown shape 'dragon'" in done.stderr
    nowhere = happybot("art", "hello", "--out", str(tmp_path / "no" / "such.png"), cwd=tmp_path)
    assert nowhere.returncode == 2 and "cannot write" in nowhere.stderr


def test_the_gallery_has_every_shape_with_sample_texts_and_an_index(tmp_path: Path) -> None:
    cli("art", "--gallery", str(tmp_path / "gallery"))
    pngs = sorted((tmp_path / "gallery").glob("*.png"))
    assert len(pngs) == len(SHAPES) * (len(SAMPLES) + 1)  # and the first sample in landscape
    landscape = Image.open(tmp_path / "gallery" / "heart-1-landscape.png")
    assert landscape.size == (1200, 675)
    index = (tmp_path / "gallery" / "index.html").read_text()
    assert all(f'src="{p.name}"' in index for p in pngs)
    assert "An ice cream drawn" in index  # alt text for screen readers
