"""Happy silhouettes, each a small drawing: a function that says whether a point of the unit
square [-1, 1]² (y pointing down) is inside the shape."""

from __future__ import annotations

import math
from collections.abc import Callable

Shape = Callable[[float, float], bool]


def _heart(x: float, y: float) -> bool:
    x, y = x * 1.25, -(y * 1.25) + 0.25
    return (x * x + y * y - 1) ** 3 - x * x * y**3 <= 0


def _sun(x: float, y: float) -> bool:
    r = math.hypot(x, y)
    theta = math.atan2(y, x)
    return r < 0.55 or (0.68 < r < 0.98 and math.cos(8 * theta) > 0.55)


def _smiley(x: float, y: float) -> bool:
    if math.hypot(x, y) > 0.97:
        return False
    eye = min(math.hypot(x + 0.35, y + 0.3), math.hypot(x - 0.35, y + 0.3)) < 0.13
    mouth = 0.45 < math.hypot(x, y + 0.05) < 0.62 and y > 0.15
    return not (eye or mouth)


def _flower(x: float, y: float) -> bool:
    r = math.hypot(x, y)
    theta = math.atan2(y, x)
    return r < 0.25 or r < 0.35 + 0.62 * abs(math.cos(2.5 * theta))


def _balloon(x: float, y: float) -> bool:
    body = (x / 0.62) ** 2 + ((y + 0.2) / 0.74) ** 2 <= 1
    knot = abs(x) < 0.08 * (1 - (y - 0.54) / 0.1) and 0.54 <= y <= 0.64
    string = 0.62 <= y <= 1.0 and abs(x - 0.06 * math.sin(y * 14)) < 0.035
    return body or knot or string


def _star(x: float, y: float) -> bool:
    r = math.hypot(x, y)
    theta = math.atan2(y, x) + math.pi / 2
    # distance to the edge of a five-pointed star, interpolated between outer and inner radius
    sector = (theta % (2 * math.pi / 5)) / (2 * math.pi / 5)
    edge = 0.42 + (0.98 - 0.42) * abs(1 - 2 * sector) ** 1.6
    return bool(r < edge)


SHAPES: dict[str, Shape] = {
    "heart": _heart,
    "sun": _sun,
    "smiley": _smiley,
    "flower": _flower,
    "balloon": _balloon,
    "star": _star,
}
