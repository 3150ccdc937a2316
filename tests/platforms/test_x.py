"""The X adapter against a local server answering in the X API's documented formats."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from happybot.art.draw import render_art
from happybot.errors import PlatformUnavailable
from happybot.models import Published, Reply
from happybot.platforms.x import XConfig, XPlatform
from happybot.web.server import BackgroundServer
from tests.platforms.streams import take
from tests.platforms.x_server import FakeX, reroute

TAG = "MakeItHappy"


@pytest.fixture
def fake() -> Iterator[tuple[FakeX, str]]:
    x = FakeX()
    with BackgroundServer(x.app) as base:
        yield x, base


def _bot(x: FakeX, base: str) -> XPlatform:
    x.user("brand", token="brand-token")
    platform = XPlatform(
        XConfig("bearer", "ck", "cs", "brand-token", "brand-secret", TAG.lower(), idle_seconds=0.3)
    )
    reroute(base, platform.client.session, platform.api.session, platform.stream.session)
    return platform


def test_listen_adds_the_rule_catches_up_then_streams(fake: tuple[FakeX, str]) -> None:
    x, base = fake
    bot = _bot(x, base)
    sam = x.user("sam")
    first = x.post(sam, f"my train is late again #{TAG}")
    x.post(sam, "no hashtag here")
    stream = bot.listen("0")  # a saved cursor: the recent search catches up first
    (caught,) = take(stream, 1)
    assert [r["value"] for r in x.rules] == [f"(#{TAG.lower()} OR @brand) -is:retweet"]
    post = caught.trigger.post
    assert post.id == first and post.author.handle == "sam" and post.author.followers == 120
    assert post.author.created_at is not None and TAG.lower() in post.tags
    second = x.post(sam, f"Monday again #{TAG}", reply_to=first)
    (streamed,) = take(stream, 1)
    assert streamed.trigger.post.id == second and streamed.trigger.post.reply_to_id == first
    parent = bot.fetch_parent(streamed.trigger.post)
    assert parent is not None and parent.text.startswith("my train is late again")
    bot.close()


def test_mentions_and_replies_say_whether_a_post_addresses_the_bot(
    fake: tuple[FakeX, str],
) -> None:
    x, base = fake
    bot = _bot(x, base)
    sam = x.user("sam")
    me = bot.bot_account()
    assert me is not None and me.handle == "brand"
    asked = x.post(sam, f"@brand my train is late again #{TAG}")
    announcement = x.post(me.id, f"Reply with #{TAG} for a picture")
    answered = x.post(sam, f"rain all week #{TAG}", reply_to=announcement)
    alone = x.post(sam, f"just the tag #{TAG}")
    got = {i.trigger.post.id: i.trigger.post for i in take(bot.listen("0"), 3)}
    assert me.addressed_by(got[asked]) and me.addressed_by(got[answered])
    assert not me.addressed_by(got[alone])
    assert bot.reply_when == "mentioned" and bot.bot_label().on is None
    bot.close()


def test_a_stop_without_the_hashtag_is_heard_and_an_older_rule_replaced(
    fake: tuple[FakeX, str],
) -> None:
    x, base = fake
    x.rules.append({"id": "1", "value": f"#{TAG.lower()} -is:retweet", "tag": "happybot"})
    bot = _bot(x, base)
    sam = x.user("sam")
    stop = x.post(sam, "@brand stop")
    (heard,) = take(bot.listen("0"), 1)
    assert heard.trigger.post.id == stop and bot.bot_account().addressed_by(heard.trigger.post)
    assert [r["value"] for r in x.rules] == [f"(#{TAG.lower()} OR @brand) -is:retweet"]
    bot.close()


def test_a_reply_carries_the_picture_and_its_alt_text_once(fake: tuple[FakeX, str]) -> None:
    x, base = fake
    bot = _bot(x, base)
    sam = x.user("sam")
    target = x.post(sam, f"rain all day #{TAG}")
    art = render_art("rain all day", shape="sun", width=1200, height=675)
    reply = Reply("key-1", f"x:{target}", target, "sam", f"@sam something happy #{TAG}", art)
    first = bot.reply(reply)
    assert bot.reply(reply) == first  # it looks before posting: never twice
    posted = x.tweets[first.ref]
    assert posted["referenced_tweets"] == [{"type": "replied_to", "id": target}]
    (media,) = posted["media"]
    assert x.media[media] == art.alt_text
    bot.delete(Published(ref=first.ref))
    bot.delete(Published(ref=first.ref))  # already gone: fine
    assert first.ref not in x.tweets


def test_a_rate_limit_waits_for_the_reset_time(fake: tuple[FakeX, str]) -> None:
    x, base = fake
    bot = _bot(x, base)
    target = x.post(x.user("sam"), f"rain #{TAG}")
    x.limited_until = int(time.time()) + 90
    reply = Reply("key-9", "t", target, "sam", "@sam hi", render_art("rain", shape="sun"))
    with pytest.raises(PlatformUnavailable, match="rate limited") as raised:
        bot.reply(reply)
    assert raised.value.retry_after is not None and 60 < raised.value.retry_after <= 91
