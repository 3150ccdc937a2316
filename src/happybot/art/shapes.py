"""Happy silhouettes, each a small drawing in the package: `drawings/NAME.txt`, a grid of `#`
(inside) and `.` (outside). A designer touches a shape up or adds one by editing a text file;
`scripts/draw_shapes.py` made the first versions from circles and polygons of our own."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from happybot.errors import ConfigError


@dataclass(frozen=True)
class Drawing:
    name: str
    rows: tuple[str, ...]

    @property
    def title(self) -> str:
        """How the alt text names it: "ice cream", "music note"."""
        return self.name.replace("-", " ")

    def inside(self, x: float, y: float) -> bool:
        """Whether a point of the square [-1, 1]² (y pointing down) falls on the shape: the
        nearest cell of the drawing decides."""
        r = min(len(self.rows) - 1, max(0, int((y + 1) / 2 * len(self.rows))))
        row = self.rows[r]
        c = min(len(row) - 1, max(0, int((x + 1) / 2 * len(row))))
        return row[c] == "#"


def _load() -> dict[str, Drawing]:
    drawings = {}
    folder = resources.files("happybot.art").joinpath("drawings")
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not item.name.endswith(".txt"):
            continue
        name = item.name.removesuffix(".txt")
        rows = tuple(line.strip() for line in item.read_text("utf-8").splitlines() if line.strip())
        if not rows or len({len(r) for r in rows}) != 1 or set("".join(rows)) - {"#", "."}:
            # a damaged package, not a user's mistake: say which file
            raise ConfigError(f"shape drawing {item.name} is not a rectangle of '#' and '.'")
        drawings[name] = Drawing(name, rows)
    return drawings


SHAPES: dict[str, Drawing] = _load()
