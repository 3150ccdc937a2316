"""A campaign on a test network, and a store that reads it from here on: what the end-to-end
tests of `happybot run` on Bluesky and Mastodon share."""

from __future__ import annotations

from pathlib import Path

from happybot.config import audit_key
from happybot.store import queries
from happybot.store.db import Store
from tests.pds import LocalPds


def resume_from(workdir: Path, source: str, cursor: str) -> None:
    """A bot that stopped a moment ago: its cursor is saved in the test's store (a fresh bot
    would start at the live tail, after the posts a test makes; and on a shared test PDS,
    other tests' posts are not this one's)."""
    url = f"sqlite:///{workdir / 'hb.db'}"
    store = Store.open(url, audit_key(url))
    with store.transaction() as session:
        queries.save_cursor(session, source, cursor, store.clock())
    store.close()


def bluesky_campaign(workdir: Path, pds: LocalPds, extra: str = "") -> None:
    """`bsky.yaml` on the local PDS (no AppView), reading its firehose from now on."""
    (workdir / "bsky.yaml").write_text(
        f"""
hashtag: "#MakeItHappy"
brand_line: Turning grumbles into something happy
publish_delay_seconds: 0
behaviour:
  min_account_age_days: 0  # every account on a test PDS is seconds old
platform:
  kind: bluesky
  bluesky:
    service: {pds.url}
    firehose: {pds.firehose}
    appview: null
    plc: {pds.plc}
{extra}"""
    )
    resume_from(workdir, f"bluesky:{pds.firehose}", str(pds.head()))


def mastodon_campaign(workdir: Path, base_url: str, extra: str = "") -> None:
    """`masto.yaml` on mastodon-mock, reading its timeline and mentions from the start."""
    (workdir / "masto.yaml").write_text(
        f"""
hashtag: "#MakeItHappy"
publish_delay_seconds: 0
behaviour:
  min_account_age_days: 0  # the mock's accounts are made when it starts
platform:
  kind: mastodon
  mastodon:
    api_base_url: {base_url}
{extra}"""
    )
    resume_from(workdir, f"mastodon:{base_url}#makeithappy", "0/0")
