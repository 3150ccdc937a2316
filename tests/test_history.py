from __future__ import annotations

from datetime import timedelta

from happybot.history import MemoryHistory, RecentPost
from happybot.testing import NOW


def test_an_authors_posts_are_those_of_the_window_before_the_post_newest_first() -> None:
    history = MemoryHistory()
    for minute, key, author in [
        (90, "old", "alex.example"),  # outside the hour
        (50, "a1", "Alex.example"),  # another spelling of the same handle
        (40, "b1", "sam.example"),
        (30, "a2", "alex.example"),
        (20, "now", "alex.example"),  # the post being screened
        (10, "later", "alex.example"),  # after it: a file read as one stream
    ]:
        history.add(RecentPost(key, author, key, NOW - timedelta(minutes=minute)))
    since = NOW - timedelta(hours=1)
    mine = history.posts_by_author("ALEX.example", since, "now")
    assert [p.trigger_key for p in mine] == ["a2", "a1"]
    # a post the history does not hold yet (live): everything of the window counts
    assert [p.trigger_key for p in history.posts_by_author("alex.example", since, "new")] == [
        "later",
        "now",
        "a2",
        "a1",
    ]
    assert history.posts_by_author("nobody.example", since, "now") == []
