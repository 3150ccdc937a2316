"""`happybot run` against a real PDS on loopback, end to end: a person posts with the hashtag,
the bot reads it from the firehose, screens it, replies with the picture; an attack gets no
reply; a second run resumes from the saved cursor without replying twice; `retract` removes the
reply from the PDS."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from atproto import models

from tests.cli.networks import bluesky_campaign
from tests.cli.test_cli import cli
from tests.pds import Account, LocalPds

LINE = "the great replacement of our people is happening now and they know it"


def _replies(pds: LocalPds, bot: Account) -> list[models.ComAtprotoRepoListRecords.Record]:
    reader = pds.client(bot)
    return list(
        reader.com.atproto.repo.list_records(
            models.ComAtprotoRepoListRecords.Params(repo=bot.did, collection="app.bsky.feed.post")
        ).records
    )


def test_happybot_run_replies_on_bluesky_end_to_end(
    pds: LocalPds, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffix = time.time_ns() % 10**8
    bot, alex, troll = (pds.account(f"{n}{suffix}") for n in ("bot", "alex", "troll"))
    monkeypatch.setenv("HAPPYBOT_BLUESKY_HANDLE", bot.handle)
    monkeypatch.setenv("HAPPYBOT_BLUESKY_APP_PASSWORD", bot.password)
    (workdir / "never.txt").write_text(LINE + "\n")
    bluesky_campaign(workdir, pds, "never_amplify: [never.txt]\n")

    grumble = pds.post(
        alex,
        f"@{bot.handle} my train is late again and it is raining #MakeItHappy",
        mentions=(bot,),
    )
    pds.post(troll, f"@{bot.handle} {LINE} #MakeItHappy", mentions=(bot,))
    run = ["run", "--campaign", "bsky.yaml", "--stop-when-idle", "--json"]
    cli(*run)
    replies = _replies(pds, bot)
    assert len(replies) == 1, [(r.value.text, r.value.reply.parent.uri) for r in replies]
    (reply,) = replies
    assert reply.value.reply.parent.uri == grumble
    assert reply.value.embed.images[0].alt.startswith("A ")
    assert alex.handle in reply.value.text

    again = pds.post(
        alex, f"Monday came round far too fast #MakeItHappy @{bot.handle}", mentions=(bot,)
    )
    cli(*run)  # resumes from the cursor: only the new post is answered
    replies = _replies(pds, bot)
    assert sorted(r.value.reply.parent.uri for r in replies) == sorted([grumble, again])
    status = json.loads(cli("status", "--campaign", "bsky.yaml", "--json"))
    assert status["posts_in"] == 3 and status["published"] == 2

    cli("retract", "--all", "--yes", "--campaign", "bsky.yaml", "--reason", "test over")
    assert _replies(pds, bot) == []
