"""Builders shipped with the package, for tests (ours and plug-in authors'): posts, triggers,
campaigns and stores with sensible defaults."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from happybot.config import Campaign, starter_campaign
from happybot.labels import LABELS
from happybot.models import Author, Post, Trigger
from happybot.store.db import Store, utcnow

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def make_author(
    handle: str = "alex.example",
    *,
    age_days: float | None = 400,
    posts: int | None = 250,
    now: datetime = NOW,
    **kw: Any,
) -> Author:
    created = None if age_days is None else now - timedelta(days=age_days)
    return Author(handle=handle, created_at=created, posts=posts, **kw)


def make_post(
    text: str = "my train is late again #MakeItHappy",
    *,
    author: Author | None = None,
    id: str | None = None,
    tags: tuple[str, ...] = ("makeithappy",),
    **kw: Any,
) -> Post:
    return Post(
        id=id or f"p{next(_ids)}", text=text, author=author or make_author(), tags=tags, **kw
    )


def make_trigger(
    text: str = "my train is late again #MakeItHappy",
    *,
    parent: Post | None = None,
    platform: str = "test",
    **kw: Any,
) -> Trigger:
    post = make_post(text, **kw)
    if parent is not None:
        post = Post(
            post.id,
            post.text,
            post.author,
            post.created_at,
            post.tags,
            parent.id,
            post.langs,
            post.media,
        )
    return Trigger(platform, post, parent)


def make_campaign(**overrides: Any) -> Campaign:
    """The starter campaign with some settings replaced (validated like a file)."""
    data = starter_campaign().model_dump()
    data.update(overrides)
    return Campaign.model_validate(data)


def toy_campaign(**overrides: Any) -> Campaign:
    """`make_campaign` for tests of the flow's mechanics (crashes, pauses, counts), fed toy texts
    such as "bus late": the classifier still runs (and still fails closed), but its reading of
    two-word texts holds nothing back, so that what these tests count is the mechanics'."""
    thresholds = dict(overrides.pop("thresholds", starter_campaign().model_dump()["thresholds"]))
    for label in LABELS:
        thresholds[f"classifier/{label}"] = {"review": 1.0, "reject": 1.0}
    return make_campaign(thresholds=thresholds, **overrides)


def memory_store(clock: Callable[[], datetime] = utcnow) -> Store:
    """A migrated in-memory SQLite store."""
    return Store.open("sqlite://", b"test-key", clock=clock)
