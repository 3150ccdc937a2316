"""Holding statements: approved by their exact words, posted once per incident through the
outbox (whatever the mode), audited, retractable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from happybot.errors import Conflict, NotFound
from happybot.models import Mode
from happybot.operate import statements
from happybot.operate.incidents import open_incident
from happybot.operate.modes import set_mode
from happybot.store.db import Store
from happybot.store.schema import AuditRow, OutboxRow
from happybot.testing import make_campaign
from tests.pipeline.helpers import CrashingPlatform, ListSource

WORDS = "We have paused #MakeItHappy while we look into misuse. Sorry to anyone it reached."
CAMPAIGN = make_campaign(statements=[{"text": WORDS}])


def _platform(tmp_path: Path) -> CrashingPlatform:
    return CrashingPlatform(ListSource([]), tmp_path / "out")


def test_only_approved_words_are_posted_once_per_incident_even_when_paused(
    store: Store, tmp_path: Path
) -> None:
    platform = _platform(tmp_path)
    incident = open_incident(store, "flagged-posts", "25 posts held", "circuit-breaker")
    (ready,) = statements.prepared(store, CAMPAIGN)
    assert ready.approved_by is None
    with pytest.raises(Conflict, match="not approved"):
        statements.post_statement(store, CAMPAIGN, platform, incident.id, "ada")
    with pytest.raises(Conflict, match="other words now"):
        statements.approve(store, CAMPAIGN, "*", "en", "0" * 12, "ada")
    statements.approve(store, CAMPAIGN, "*", "en", ready.sha256[:12], "ada")
    set_mode(store, Mode.PAUSED, "ada", "incident")  # the brand speaks while nothing else does
    first = statements.post_statement(store, CAMPAIGN, platform, incident.id, "ada")
    again = statements.post_statement(store, CAMPAIGN, platform, incident.id, "bo")
    assert first == again
    (written,) = (tmp_path / "out").glob("statement-*.json")
    assert json.loads(written.read_text())["text"] == WORDS
    with store.transaction() as session:
        kinds = session.execute(select(AuditRow.kind)).scalars().all()
        assert kinds.count("statement-posted") == 1 and kinds.count("statement-ordered") == 1
        (row,) = session.execute(select(OutboxRow)).scalars()
        assert (row.kind, row.incident_id, row.post_id, row.state) == (
            "statement",
            incident.id,
            None,
            "sent",
        )
    assert statements.retract_statement(store, platform, incident.id, "ada", "resolved") == 1
    assert "retracted_at" in json.loads(written.read_text())
    with pytest.raises(NotFound):
        statements.post_statement(store, CAMPAIGN, platform, 999, "ada")


def test_edited_words_need_approving_again(store: Store) -> None:
    (ready,) = statements.prepared(store, CAMPAIGN)
    statements.approve(store, CAMPAIGN, "*", "en", ready.sha256, "ada")
    edited = make_campaign(statements=[{"text": WORDS + " More soon."}])
    (now,) = statements.prepared(store, edited)
    assert now.approved_by is None and now.sha256 != ready.sha256


def test_a_networks_own_statement_comes_before_the_general_one(store: Store) -> None:
    campaign = make_campaign(
        statements=[
            {"text": WORDS},
            {"network": "simulate", "text": "Paused for now: back soon."},
            {"network": "simulate", "language": "fr", "text": "En pause pour le moment."},
        ]
    )
    for p in statements.prepared(store, campaign):
        statements.approve(store, campaign, p.network, p.language, p.sha256, "ada")
    assert statements.choose(store, campaign, "simulate", "en").text == "Paused for now: back soon."
    assert statements.choose(store, campaign, "bluesky", "en").text == WORDS
    assert statements.choose(store, campaign, "simulate", "fr").language == "fr"
    with pytest.raises(NotFound):
        statements.choose(store, campaign, "bluesky", "de")


def test_a_statement_too_long_for_its_network_is_refused() -> None:
    from happybot.config import parse_campaign
    from happybot.errors import ConfigError

    with pytest.raises(ConfigError, match="280 characters at most"):
        parse_campaign(f'hashtag: "#x"\nstatements: [{{text: "{"a" * 281}"}}]\n', "t.yaml")
    ok = parse_campaign(
        f'hashtag: "#x"\nstatements: [{{network: mastodon, text: "{"a" * 400}"}}]\n', "t.yaml"
    )
    assert len(ok.statements[0].text) == 400
