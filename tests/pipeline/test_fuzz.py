"""The whole flow against hostile input: no post, however its bytes are made, stops the run.

Every code point of Unicode goes through normalisation, every screen, the policy, the drawing
and the output screen, many to a post (in the text, the parent's text, the handle and the
display name), on SQLite and on PostgreSQL; Hypothesis then throws arbitrary JSON shapes and
strings at the replay source. Each test asserts that the run ended by itself, that every item is
accounted for (a post, a dead letter or a line without the hashtag), and that the audit chain
still verifies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from happybot.pipeline.runner import Pipeline, RunStats
from happybot.screens.base import load_screens
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.schema import DeadLetterRow, PostRow
from happybot.testing import make_campaign
from tests.pipeline.helpers import CrashingPlatform, ListSource

TAG = "#MakeItHappy"
CAMPAIGN = make_campaign(publish_delay_seconds=0)
# code points to a post: all of Unicode in about 280 posts
CHUNK = 4000


def every_code_point() -> list[str]:
    # surrogates included: JSON can carry a lone one ("\ud800"), and so can a network
    return [chr(cp) for cp in range(0x110000)]


def poison_lines() -> list[str]:
    """Replay lines that carry every code point, in turn in each text a post shows."""
    points = every_code_point()
    lines = []
    for k, start in enumerate(range(0, len(points), CHUNK)):
        chunk = "".join(points[start : start + CHUNK])
        author: dict[str, Any] = {"handle": f"u{k}.example", "created_at": "2020-01-01T00:00:00Z"}
        post: dict[str, Any] = {"id": f"p{k}", "text": f"late again {TAG}", "author": author}
        match k % 4:
            case 0:
                post["text"] = f"{chunk} {TAG}"
            case 1:
                post["reply_to"] = {"id": f"r{k}", "text": chunk, "author": {"handle": "b.ex"}}
            case 2:
                author["handle"] = chunk[:300]
            case 3:
                author["display_name"] = chunk
        lines.append(json.dumps(post))  # ASCII: a lone surrogate is written as its escape
    return lines


def run_all(store: Store, lines: list[str], out: Path) -> RunStats:
    platform = CrashingPlatform(ListSource(lines), out)
    pipeline = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN), batch_size=32)
    try:
        return pipeline.run()
    finally:
        pipeline.close()


def accounted(store: Store, stats: RunStats, lines: int) -> None:
    with store.transaction() as session:
        posts = session.execute(select(func.count()).select_from(PostRow)).scalar_one()
        dead = session.execute(select(func.count()).select_from(DeadLetterRow)).scalar_one()
        assert audit.verify(session, store.audit_key).ok
        unjudged = session.execute(
            select(func.count()).select_from(PostRow).where(PostRow.state == "received")
        ).scalar_one()
    assert posts + dead + stats.ignored + stats.duplicates == lines
    assert unjudged == 0  # every post reached a verdict (or review after an error)


def test_every_code_point_of_unicode_goes_through_the_whole_flow(
    store: Store, tmp_path: Path
) -> None:
    lines = poison_lines()
    stats = run_all(store, lines, tmp_path / "out")
    accounted(store, stats, len(lines))
    # the replay schema refuses a lone surrogate in a string: those posts (the two that hold
    # U+D800..U+DFFF) are dead letters, with the error; every other one was judged
    surrogates = {
        k for k, s in enumerate(range(0, 0x110000, CHUNK)) if s < 0xE000 and s + CHUNK > 0xD800
    }
    with store.transaction() as session:
        dead = session.execute(select(DeadLetterRow.position, DeadLetterRow.error)).all()
    assert {int(position.removeprefix("line ")) - 1 for position, _ in dead} == surrogates
    assert all("unicode string" in error for _, error in dead)
    assert stats.received == len(lines) - len(surrogates)
    # the harness's own figures, for the closing note (pytest -s shows them)
    print(f"code points: {0x110000}, posts: {len(lines)}, decisions: {stats.decisions}")


def test_hostile_json_shapes_become_dead_letters_and_the_run_goes_on(
    store: Store, tmp_path: Path
) -> None:
    # a reply to a reply … a thousand deep (written by hand: json.dumps cannot nest so deep)
    head = '{"id": "d", "text": "#MakeItHappy", "author": {"handle": "a"}, "reply_to": '
    deep_reply = head * 1000 + '{"id": "leaf", "text": "x", "author": {"handle": "a"}}' + "}" * 1000
    lines = [
        "[" * 1000 + "]" * 1000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        deep_reply,
        json.dumps({"id": "n", "text": TAG + " " + "9" * 5000, "author": {"handle": "a"}}),
        '{"id": "nul\\u0000", "text": "a\\u0000b #MakeItHappy", "author": {"handle": "x\\u0000"}}',
        '{"id": "s", "text": "\\ud800 \\udfff #MakeItHappy", "author": {"handle": "\\udc00"}}',
        json.dumps({"id": 1, "text": ["#MakeItHappy"], "author": "handle"}),
        json.dumps({"id": "big", "text": TAG, "author": {"handle": "a", "followers": 10**400}}),
        json.dumps(
            {"id": "ok", "text": f"my train is late again {TAG}", "author": {"handle": "a"}}
        ),
    ]
    stats = run_all(store, lines, tmp_path / "out")
    accounted(store, stats, len(lines))
    assert stats.dead_letters >= 5 and stats.received >= 1


# any JSON value, nested, with any strings: what a broken or hostile feed may send
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "text", "author", "handle", "reply_to", "tags"])
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
_author = st.fixed_dictionaries(
    {"handle": st.text(min_size=1, max_size=40)},
    optional={"display_name": st.text(max_size=40), "created_at": st.text(max_size=30)},
)
_post = st.fixed_dictionaries(
    {
        "id": st.text(min_size=1, max_size=20),
        "text": st.text(max_size=200).map(lambda t: t + " " + TAG),
        "author": _author,
    },
    optional={
        "tags": st.lists(st.text(max_size=10), max_size=3),
        "media": st.lists(_json, max_size=2),
    },
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=st.lists(
        st.one_of(_json, _post, _post.map(lambda p: {**p, "reply_to": p})), min_size=1, max_size=6
    ),
    raw=st.lists(st.text(max_size=50), max_size=2),
)
def test_arbitrary_feeds_never_stop_the_run(
    items: list[Any], raw: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    store = Store.open(f"sqlite:///{folder / 'f.db'}", b"fuzz-key")
    try:
        lines = [json.dumps(item) for item in items] + [r.replace("\n", " ") or "x" for r in raw]
        stats = run_all(store, lines, folder / "out")
        accounted(store, stats, len(lines))
    finally:
        store.close()


def test_the_recursion_limit_is_as_python_ships_it() -> None:
    # the deep-JSON cases above rely on Python's own limit, not on one the suite raised
    assert sys.getrecursionlimit() <= 10_000
