"""Draw happybot's silhouettes as small text drawings (`#` inside, `.` outside) into
`src/happybot/art/drawings/`. The drawings are the source of truth: edit a file by hand to touch
a shape up, or add one; this script only made the first versions, from circles, ellipses and
polygons of our own.

    python scripts/draw_shapes.py [--size 36]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

Inside = Callable[[float, float], bool]
OUT = Path(__file__).resolve().parent.parent / "src" / "happybot" / "art" / "drawings"


def circle(cx: float, cy: float, r: float) -> Inside:
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def ellipse(cx: float, cy: float, rx: float, ry: float) -> Inside:
    return lambda x, y: ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def rect(x0: float, y0: float, x1: float, y1: float) -> Inside:
    return lambda x, y: x0 <= x <= x1 and y0 <= y <= y1


def polygon(*points: tuple[float, float]) -> Inside:
    def inside(x: float, y: float) -> bool:
        hit = False
        for (ax, ay), (bx, by) in zip(points, points[1:] + points[:1], strict=True):
            if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
                hit = not hit
        return hit

    return inside


def tilted(cx: float, cy: float, rx: float, ry: float, angle: float) -> Inside:
    """An ellipse turned by `angle` radians."""
    cos, sin = math.cos(angle), math.sin(angle)

    def inside(x: float, y: float) -> bool:
        u, v = (x - cx) * cos + (y - cy) * sin, -(x - cx) * sin + (y - cy) * cos
        return (u / rx) ** 2 + (v / ry) ** 2 <= 1

    return inside


def union(*parts: Inside) -> Inside:
    return lambda x, y: any(p(x, y) for p in parts)


def minus(shape: Inside, *holes: Inside) -> Inside:
    return lambda x, y: shape(x, y) and not any(h(x, y) for h in holes)


def heart(x: float, y: float) -> bool:
    x, y = x * 1.25, -(y * 1.25) + 0.25
    return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0


def sun(x: float, y: float) -> bool:
    r, theta = math.hypot(x, y), math.atan2(y, x)
    # eight thick rays with a gap around the disc: thin rays only hold fragments of words
    return r < 0.5 or (0.64 < r < 0.98 and math.cos(8 * theta) > -0.1)


def star(x: float, y: float) -> bool:
    r, theta = math.hypot(x, y), math.atan2(y, x) + math.pi / 2
    sector = (theta % (2 * math.pi / 5)) / (2 * math.pi / 5)
    return r < 0.4 + 0.58 * abs(1 - 2 * sector) ** 1.6


def flower(x: float, y: float) -> bool:
    # five round petals, one pointing up so that the flower stands straight; a stem and a leaf
    cx, cy = 0.0, -0.38
    angles = [math.radians(-90 + 72 * k) for k in range(5)]
    petals = any(circle(cx + 0.4 * math.cos(a), cy + 0.4 * math.sin(a), 0.21)(x, y) for a in angles)
    stem = abs(x - 0.03 * math.sin(y * 4)) < 0.07 and 0.2 < y < 0.98
    leaf = tilted(0.3, 0.62, 0.3, 0.12, -0.5)(x, y)
    return petals or circle(cx, cy, 0.24)(x, y) or stem or leaf


def rainbow(x: float, y: float) -> bool:
    r = math.hypot(x, y - 0.45)
    return y <= 0.45 and 0.45 < r < 0.98


SHAPES: dict[str, Inside] = {
    "heart": heart,
    "sun": sun,
    "smiley": minus(
        circle(0, 0, 0.97),
        circle(-0.35, -0.3, 0.13),
        circle(0.35, -0.3, 0.13),
        lambda x, y: 0.45 < math.hypot(x, y + 0.05) < 0.62 and y > 0.15,
    ),
    "flower": flower,
    "balloon": union(
        ellipse(0, -0.2, 0.62, 0.74),
        polygon((-0.1, 0.62), (0.1, 0.62), (0, 0.52)),
        lambda x, y: 0.6 <= y <= 1.0 and abs(x - 0.07 * math.sin(y * 12)) < 0.04,
    ),
    "star": star,
    "rainbow": rainbow,
    "cupcake": union(
        polygon((-0.62, 0.1), (0.62, 0.1), (0.45, 0.95), (-0.45, 0.95)),  # wrapper
        ellipse(0, 0.02, 0.72, 0.22),
        ellipse(0, -0.22, 0.58, 0.24),
        ellipse(0, -0.45, 0.38, 0.2),
        circle(0, -0.72, 0.13),  # cherry
    ),
    "cat": minus(
        union(
            ellipse(0, 0.1, 0.78, 0.66),  # head
            polygon((-0.78, -0.05), (-0.72, -0.95), (-0.2, -0.5)),  # ears
            polygon((0.78, -0.05), (0.72, -0.95), (0.2, -0.5)),
        ),
        ellipse(-0.32, 0.0, 0.13, 0.1),  # eyes
        ellipse(0.32, 0.0, 0.13, 0.1),
        polygon((-0.1, 0.28), (0.1, 0.28), (0, 0.38)),  # nose
    ),
    "dog": minus(
        union(
            ellipse(0, -0.05, 0.52, 0.62),  # head
            ellipse(0, 0.45, 0.34, 0.3),  # muzzle
            # long floppy ears, joined at the top of the head and a gap away from its sides,
            # so that they read as ears and not as a wider head
            minus(
                union(
                    tilted(-0.64, -0.05, 0.27, 0.62, 0.3),
                    tilted(0.64, -0.05, 0.27, 0.62, -0.3),
                ),
                lambda x, y: y > -0.42 and ((x / 0.62) ** 2 + ((y + 0.05) / 0.72) ** 2 <= 1),
            ),
        ),
        circle(-0.22, -0.15, 0.09),  # eyes
        circle(0.22, -0.15, 0.09),
        ellipse(0, 0.3, 0.14, 0.08),  # nose
    ),
    "bird": minus(
        union(
            circle(-0.1, 0.2, 0.6),  # a round little bird
            circle(0.38, -0.4, 0.34),  # head
            polygon((0.66, -0.5), (0.98, -0.36), (0.66, -0.26)),  # beak
            polygon((-0.55, -0.05), (-0.98, -0.45), (-0.9, 0.05), (-0.62, 0.25)),  # tail
            rect(-0.22, 0.72, -0.1, 0.98),  # legs
            rect(0.08, 0.72, 0.2, 0.98),
        ),
        circle(0.46, -0.46, 0.07),  # eye
    ),
    "tree": union(
        circle(0, -0.45, 0.45),
        circle(-0.42, -0.1, 0.38),
        circle(0.42, -0.1, 0.38),
        circle(0, 0.05, 0.4),
        rect(-0.14, 0.3, 0.14, 0.98),  # trunk
    ),
    "cloud": union(
        circle(-0.45, 0.15, 0.4),
        circle(0.05, -0.15, 0.5),
        circle(0.5, 0.15, 0.4),
        rect(-0.45, 0.15, 0.5, 0.55),
    ),
    "ice-cream": union(
        polygon((-0.45, -0.05), (0.45, -0.05), (0, 0.98)),  # cone
        circle(-0.22, -0.2, 0.3),
        circle(0.22, -0.2, 0.3),
        circle(0, -0.55, 0.32),
    ),
    "gift": minus(
        union(
            rect(-0.75, -0.22, 0.75, 0.95),  # box
            rect(-0.85, -0.45, 0.85, -0.28),  # lid, a gap above the box
            ellipse(-0.3, -0.64, 0.3, 0.17),  # bow
            ellipse(0.3, -0.64, 0.3, 0.17),
        ),
        # the ribbon down the middle, left as a gap: a plain box would read as a box
        rect(-0.07, -0.45, 0.07, 0.95),
    ),
    "music-note": union(
        ellipse(-0.42, 0.62, 0.44, 0.32),  # note head
        rect(-0.2, -0.92, 0.04, 0.6),  # stem
        polygon((-0.2, -0.92), (0.7, -0.5), (0.7, -0.12), (-0.2, -0.5)),  # flag
    ),
}


def draw(inside: Inside, size: int) -> str:
    rows = []
    for r in range(size):
        y = (r + 0.5) / size * 2 - 1
        rows.append(
            "".join("#" if inside((c + 0.5) / size * 2 - 1, y) else "." for c in range(size))
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=36)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, inside in SHAPES.items():
        (OUT / f"{name.replace(' ', '-')}.txt").write_text(draw(inside, args.size))
    print(f"wrote {len(SHAPES)} drawings to {OUT}")


if __name__ == "__main__":
    main()
