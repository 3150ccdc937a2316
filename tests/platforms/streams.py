"""Reading a live source in tests: until the wanted posts came and the source went quiet."""

from __future__ import annotations

from collections.abc import Iterator

from happybot.platforms.base import Incoming


def take(stream: Iterator[Incoming], wanted: int, most: int = 200) -> list[Incoming]:
    found = []
    for n, item in enumerate(stream):
        if item.trigger is not None:
            found.append(item)
        if len(found) >= wanted and item.idle:
            return found
        assert n < most, "the posts never came"
    return found
