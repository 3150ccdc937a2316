"""`happybot run` on Mastodon, end to end, against mastodon-mock: the brand's account (alice)
answers bob's post with the picture, gives the attack no reply, resumes without a double reply,
and `retract` deletes its status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from mastodon_mock.testing import MockServer

from tests.cli.networks import mastodon_campaign
from tests.cli.test_cli import cli

LINE = "the great replacement of our people is happening now and they know it"


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer() as running:
        yield running


def _replies(server: MockServer) -> list[dict[str, object]]:
    alice = server.client("alice")
    me = alice.account_verify_credentials()["id"]
    return [s for s in alice.account_statuses(me) if s["in_reply_to_id"]]


def test_happybot_run_replies_on_mastodon_end_to_end(
    server: MockServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAPPYBOT_MASTODON_TOKEN", "alice_token")
    (workdir / "never.txt").write_text(LINE + "\n")
    mastodon_campaign(workdir, server.base_url, "never_amplify: [never.txt]\n")
    bob, carol = server.client("bob"), server.client("carol")
    for n in range(3):  # an account's first post is held for a person: bob has a history
        bob.status_post(f"an ordinary day, number {n}")
    grumble = bob.status_post("@alice my train is late again and it is raining #MakeItHappy")
    carol.status_post(f"@alice {LINE} #MakeItHappy")
    run = ["run", "--campaign", "masto.yaml", "--stop-when-idle", "--json"]
    cli(*run)
    (reply,) = _replies(server)
    assert str(reply["in_reply_to_id"]) == str(grumble["id"])
    assert reply["media_attachments"][0]["description"].startswith("A ")
    status = json.loads(cli("status", "--campaign", "masto.yaml", "--json"))
    assert status["posts_in"] == 2 and status["published"] == 1  # never its own reply

    again = bob.status_post("Monday came round far too fast #MakeItHappy @alice")
    cli(*run)
    replied_to = sorted(str(r["in_reply_to_id"]) for r in _replies(server))
    assert replied_to == sorted([str(grumble["id"]), str(again["id"])])

    cli("retract", "--all", "--yes", "--campaign", "masto.yaml", "--reason", "test over")
    assert _replies(server) == []
