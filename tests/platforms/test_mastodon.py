"""The Mastodon adapter against mastodon-mock (a re-implementation of Mastodon's REST and
streaming API on SQLite, from PyPI): no real Mastodon server installs offline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mastodon_mock.testing import MockServer

from happybot.art.draw import render_art
from happybot.errors import PlatformRejected, PlatformUnavailable
from happybot.models import Published, Reply
from happybot.platforms.mastodon import MastodonConfig, MastodonPlatform, plain_text
from tests.platforms.streams import take

TAG = "makeithappy"


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


def _bot(server: MockServer) -> MastodonPlatform:
    # alice is the brand's account; bob and the others post
    return MastodonPlatform(MastodonConfig(server.base_url, "alice_token", TAG, idle_seconds=0.3))


def test_html_becomes_plain_text() -> None:
    assert plain_text("<p>rain again</p><p>on my <b>day</b> off<br>sigh</p>") == (
        "rain again\non my day off\nsigh"
    )


def test_listen_catches_up_then_streams_and_resumes_from_its_cursor(server: MockServer) -> None:
    bob = server.client("bob")
    first = bob.status_post("my train is late again #MakeItHappy")
    bot = _bot(server)
    stream = bot.listen("0")  # a saved cursor: what came while the bot was away is read first
    (caught,) = take(stream, 1)
    assert caught.trigger.post.id == str(first["id"])
    assert caught.trigger.post.author.handle == "bob" and TAG in caught.trigger.post.tags
    assert caught.trigger.post.author.created_at is not None
    second = bob.status_post("Monday again #MakeItHappy", in_reply_to_id=first["id"])
    (streamed,) = take(stream, 1)
    assert streamed.trigger.post.id == str(second["id"])
    parent = bot.fetch_parent(streamed.trigger.post)
    assert parent is not None and parent.text == "my train is late again #MakeItHappy"
    bot.close()
    later = _bot(server).listen(streamed.cursor)
    assert take(later, 0) == []  # nothing is delivered twice


def test_a_reply_carries_the_picture_and_its_alt_text_once(server: MockServer) -> None:
    bob = server.client("bob")
    status = bob.status_post("rain all day #MakeItHappy")
    art = render_art("rain all day", shape="sun", hashtag="#MakeItHappy")
    reply = Reply(
        idempotency_key="key-1",
        trigger_key=f"mastodon:{status['id']}",
        in_reply_to=str(status["id"]),
        to_handle="bob",
        text="@bob here's something happy #MakeItHappy",
        artwork=art,
    )
    bot = _bot(server)
    first = bot.reply(reply)
    assert bot.reply(reply) == first  # the Idempotency-Key: a retry is the same status
    posted = server.client("alice").status(first.ref)
    assert str(posted["in_reply_to_id"]) == str(status["id"])
    (media,) = posted["media_attachments"]
    assert media["description"] == art.alt_text
    bot.delete(Published(ref=first.ref))
    bot.delete(Published(ref=first.ref))  # already gone: fine
    mine = server.client("alice").account_statuses(bot.me)
    assert str(first.ref) not in [str(s["id"]) for s in mine]


def test_a_rate_limit_waits_for_the_servers_reset_time(server: MockServer) -> None:
    status = server.client("bob").status_post("rain #MakeItHappy")
    art = render_art("rain", shape="sun")
    reply = Reply("key-2", "t", str(status["id"]), "bob", "@bob hello #MakeItHappy", art)
    bot = _bot(server)
    with (
        server.fault(path_regex="/api/v2/media|/api/v1/media", type="ratelimit"),
        pytest.raises(PlatformUnavailable, match="rate limited") as raised,
    ):
        bot.reply(reply)
    # the mock's X-RateLimit-Reset is five minutes ahead
    assert raised.value.retry_after is not None and 200 < raised.value.retry_after <= 301


def test_no_reply_to_someone_who_blocks_the_bot(server: MockServer) -> None:
    bob = server.client("bob")
    status = bob.status_post("rain #MakeItHappy")
    alice_id = server.client("alice").account_verify_credentials()["id"]
    bob.account_block(alice_id)
    reply = Reply("key-3", "t", str(status["id"]), "bob", "@bob hi", render_art("x", shape="sun"))
    with pytest.raises(PlatformRejected, match="block each other"):
        _bot(server).reply(reply)
    assert [s for s in server.client("alice").account_statuses(alice_id)] == []


def test_a_statement_is_posted_once_from_the_brands_account(server: MockServer) -> None:
    from happybot.models import Statement

    bot = _bot(server)
    statement = Statement("statement-key-1", "We have paused #MakeItHappy while we look into it.")
    first = bot.post(statement)
    assert bot.post(statement) == first  # the Idempotency-Key: a retry is the same status
    posted = server.client("alice").status(first.ref)
    assert posted["in_reply_to_id"] is None and "paused" in posted["content"]
    bot.delete(first)
    mine = server.client("alice").account_statuses(bot.me)
    assert str(first.ref) not in [str(s["id"]) for s in mine]
