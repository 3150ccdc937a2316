"""Opt-in replies on Bluesky, end to end against a real PDS on loopback: the bot answers a post
that mentions it (a mention facet) and ignores the hashtag alone; a "stop" sent in reply to its
picture, without the hashtag, is read from the firehose and ends every later reply; a block of
the bot (a public record on the firehose) does too; and `accounts setup` puts the self-label
`bot` on its profile record, read back from the PDS."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from atproto import models

from tests.cli.networks import bluesky_campaign
from tests.cli.test_cli import cli
from tests.pds import Account, LocalPds

RUN = ("run", "--campaign", "bsky.yaml", "--stop-when-idle", "--json")


def _answered(pds: LocalPds, bot: Account) -> list[str]:
    records = (
        pds.client(bot)
        .com.atproto.repo.list_records(
            models.ComAtprotoRepoListRecords.Params(repo=bot.did, collection="app.bsky.feed.post")
        )
        .records
    )
    return sorted(r.value.reply.parent.uri for r in records if r.value.reply)


def _opt_outs() -> list[tuple[str, str]]:
    lines = cli("optouts", "list", "--campaign", "bsky.yaml", "--json").splitlines()
    return [(o["handle"], o["how"]) for o in map(json.loads, lines)]


def test_bluesky_is_opt_in_and_hears_stops_and_blocks(
    pds: LocalPds, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffix = time.time_ns() % 10**8
    bot, ana, ben = (pds.account(f"{n}{suffix}") for n in ("brand", "ana", "ben"))
    monkeypatch.setenv("HAPPYBOT_BLUESKY_HANDLE", bot.handle)
    monkeypatch.setenv("HAPPYBOT_BLUESKY_APP_PASSWORD", bot.password)
    bluesky_campaign(workdir, pds)

    alone = pds.post(ana, "my train is late again #MakeItHappy")  # the hashtag alone
    asked = pds.post(ana, f"@{bot.handle} it has rained all week #MakeItHappy", mentions=(bot,))
    for_ben = pds.post(
        ben, f"@{bot.handle} Monday came round far too fast #MakeItHappy", mentions=(bot,)
    )
    result = json.loads(cli(*RUN).splitlines()[-1])
    assert _answered(pds, bot) == sorted([asked, for_ben]) and alone not in _answered(pds, bot)
    assert result["ignored"] == 1

    # ana answers the bot's picture with "stop" (no hashtag, no mention: a reply is enough);
    # ben blocks the bot; then both ask again
    picture = next(
        r.uri
        for r in pds.client(bot)
        .com.atproto.repo.list_records(
            models.ComAtprotoRepoListRecords.Params(repo=bot.did, collection="app.bsky.feed.post")
        )
        .records
        if r.value.reply and r.value.reply.parent.uri == asked
    )
    pds.post(ana, "Stop please", reply_to=picture)
    pds.block(ben, bot)
    result = json.loads(cli(*RUN).splitlines()[-1])
    assert result["opt_outs"] == 2
    assert sorted(_opt_outs()) == sorted([(ana.handle, "stop"), (ben.handle, "block")])
    pds.post(ana, f"@{bot.handle} the coffee machine broke #MakeItHappy", mentions=(bot,))
    pds.post(ben, f"@{bot.handle} lost a glove on the walk in #MakeItHappy", mentions=(bot,))
    result = json.loads(cli(*RUN).splitlines()[-1])
    assert result["declined"] == 2
    assert _answered(pds, bot) == sorted([asked, for_ben])  # nothing new


def test_accounts_setup_puts_the_bot_label_on_the_profile(
    pds: LocalPds, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = pds.account(f"label{time.time_ns() % 10**8}")
    monkeypatch.setenv("HAPPYBOT_BLUESKY_HANDLE", bot.handle)
    monkeypatch.setenv("HAPPYBOT_BLUESKY_APP_PASSWORD", bot.password)
    (workdir / "bsky.yaml").write_text(
        f"""
hashtag: "#MakeItHappy"
platform:
  kind: bluesky
  bluesky: {{service: {pds.url}, firehose: {pds.firehose}, appview: null, plc: {pds.plc}}}
"""
    )
    # a profile the brand already has: its display name must survive the label
    pds.client(bot).com.atproto.repo.put_record(
        models.ComAtprotoRepoPutRecord.Data(
            repo=bot.did,
            collection="app.bsky.actor.profile",
            rkey="self",
            record={"$type": "app.bsky.actor.profile", "displayName": "Brand"},
        )
    )
    check = ("accounts", "check", "--campaign", "bsky.yaml", "--json")
    assert json.loads(cli(*check, ok=False))["on"] is False
    cli("accounts", "setup", "--campaign", "bsky.yaml")
    cli("accounts", "setup", "--campaign", "bsky.yaml")  # again: one label, not two
    assert json.loads(cli(*check))["on"] is True
    profile = (
        pds.client(bot)
        .com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(
                repo=bot.did, collection="app.bsky.actor.profile", rkey="self"
            )
        )
        .value
    )
    data = profile if isinstance(profile, dict) else profile.model_dump(by_alias=True)
    assert data["displayName"] == "Brand"
    assert [v["val"] for v in data["labels"]["values"]] == ["bot"]


def test_a_statement_is_one_top_level_post_of_the_brand(pds: LocalPds) -> None:
    from happybot.models import Statement
    from happybot.platforms.bluesky import BlueskyConfig, BlueskyPlatform

    brand = pds.account(f"said{time.time_ns() % 10**8}")
    platform = BlueskyPlatform(
        BlueskyConfig(
            service=pds.url,
            firehose=pds.firehose,
            hashtag="makeithappy",
            handle=brand.handle,
            password=brand.password,
            plc=pds.plc,
        )
    )
    statement = Statement("statement-key-1", "We have paused #MakeItHappy while we look into it.")
    first = platform.post(statement)
    assert platform.post(statement) == first  # the record key is the statement's: once
    records = (
        pds.client(brand)
        .com.atproto.repo.list_records(
            models.ComAtprotoRepoListRecords.Params(repo=brand.did, collection="app.bsky.feed.post")
        )
        .records
    )
    assert [(r.uri, r.value.reply) for r in records] == [(first.ref, None)]
    platform.delete(first)
