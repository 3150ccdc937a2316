"""Opt-in replies on Mastodon, end to end against mastodon-mock: the brand's account (alice)
answers only people who mention it, hears a "stop" sent without the hashtag, never answers
someone who blocks it, and sets its bot flag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from mastodon_mock.testing import MockServer

from tests.cli.networks import mastodon_campaign
from tests.cli.test_cli import cli


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


def _answered(server: MockServer) -> list[str]:
    alice = server.client("alice")
    me = alice.account_verify_credentials()["id"]
    return sorted(
        str(s["in_reply_to_id"]) for s in alice.account_statuses(me) if s["in_reply_to_id"]
    )


RUN = ("run", "--campaign", "masto.yaml", "--stop-when-idle", "--json")


def test_only_people_who_mention_the_bot_are_answered_and_stop_means_stop(
    server: MockServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAPPYBOT_MASTODON_TOKEN", "alice_token")
    mastodon_campaign(workdir, server.base_url)
    bob, carol = server.client("bob"), server.client("carol")
    for n in range(3):  # an account's first posts are held for a person: a history
        bob.status_post(f"an ordinary day, number {n}")
        carol.status_post(f"an ordinary evening, number {n}")
    ignored = bob.status_post("my train is late again #MakeItHappy")  # the hashtag alone
    asked = carol.status_post("@alice it has rained all week #MakeItHappy")
    cli(*RUN)
    assert _answered(server) == [str(asked["id"])]
    assert str(ignored["id"]) not in _answered(server)

    # carol says stop, without the hashtag, in reply to the bot's picture; then asks again
    (reply,) = [
        s
        for s in server.client("alice").account_statuses(
            server.client("alice").account_verify_credentials()["id"]
        )
        if s["in_reply_to_id"]
    ]
    carol.status_post("@alice STOP", in_reply_to_id=reply["id"])
    cli(*RUN)
    carol.status_post("@alice Monday came round far too fast #MakeItHappy")
    cli(*RUN)
    assert _answered(server) == [str(asked["id"])]
    found = [
        json.loads(x)
        for x in cli("optouts", "list", "--campaign", "masto.yaml", "--json").splitlines()
    ]
    assert [(o["handle"], o["how"]) for o in found] == [("carol", "stop")]
    exported = cli("optouts", "export", "--campaign", "masto.yaml")
    assert exported.splitlines()[1].split(",")[2:4] == ["carol", "stop"]


def test_no_reply_to_someone_who_blocks_the_bot_then_or_later(
    server: MockServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAPPYBOT_MASTODON_TOKEN", "alice_token")
    mastodon_campaign(workdir, server.base_url)
    bob = server.client("bob")
    for n in range(3):
        bob.status_post(f"an ordinary day, number {n}")
    alice_id = server.client("alice").account_verify_credentials()["id"]
    bob.status_post("@alice the printer jammed again #MakeItHappy")
    bob.account_block(alice_id)
    cli(*RUN)
    assert _answered(server) == []
    found = [
        json.loads(x)
        for x in cli("optouts", "list", "--campaign", "masto.yaml", "--json").splitlines()
    ]
    assert [(o["handle"], o["how"]) for o in found] == [("bob", "block")]
    status = json.loads(cli("status", "--campaign", "masto.yaml", "--json"))
    assert status["published"] == 0


def test_accounts_setup_sets_the_bot_flag(
    server: MockServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAPPYBOT_MASTODON_TOKEN", "alice_token")
    mastodon_campaign(workdir, server.base_url)
    before = json.loads(cli("accounts", "check", "--campaign", "masto.yaml", "--json", ok=False))
    assert before["on"] is False
    cli("accounts", "setup", "--campaign", "masto.yaml")
    assert server.client("bob").account(server.client("alice").account_verify_credentials()["id"])[
        "bot"
    ]
    after = json.loads(cli("accounts", "check", "--campaign", "masto.yaml", "--json"))
    assert after["on"] is True
