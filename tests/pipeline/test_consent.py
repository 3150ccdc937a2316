"""Whom the bot answers: opt-in replies, stops, opt-outs and the kind limits, first as the pure
rule, then through the runner (nothing stored of what is not answered, nothing answered twice)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from happybot.config import EtiquetteSettings
from happybot.models import Author, BotAccount, Post, ReplyWhen, Trigger
from happybot.operate import optouts
from happybot.pipeline.consent import Answer, Facts, consider, is_stop, read_opt_out_file
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store import audit, queries
from happybot.store.db import Store
from happybot.store.schema import AuditRow, OptOutRow, OutboxRow, PostRow
from happybot.testing import toy_campaign
from tests.conftest import Clock
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line

TAG = "#MakeItHappy"
BOT = BotAccount("did:plc:brand", "brand.example")
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CAMPAIGN = toy_campaign(publish_delay_seconds=0)


def _post(text: str, **kw: object) -> Trigger:
    author = kw.pop("author", Author("sam.example", id="did:plc:sam"))
    return Trigger("bluesky", Post(id="p1", text=text, author=author, **kw))  # type: ignore[arg-type]


def _consent(
    trigger: Trigger,
    *,
    when: ReplyWhen = ReplyWhen.MENTIONED,
    live: bool = True,
    opted_out: bool = False,
    etiquette: EtiquetteSettings | None = None,
) -> tuple[Answer, str]:
    c = consider(
        trigger,
        tag="makeithappy",
        reply_when=when,
        bot=BOT,
        live=live,
        etiquette=etiquette or EtiquetteSettings(),
        facts=Facts(opted_out=opted_out),
        now=NOW,
    )
    return c.answer, c.reason


def test_under_mentioned_the_hashtag_alone_is_not_an_invitation() -> None:
    assert _consent(_post("rain again #MakeItHappy"))[0] is Answer.IGNORE
    assert _consent(_post("rain again #MakeItHappy"), when=ReplyWhen.HASHTAG)[0] is Answer.ASK
    # a mention of the bot, by DID (a facet) or by handle (Mastodon's acct), asks
    assert _consent(_post("rain #MakeItHappy", mentions=("did:plc:brand",)))[0] is Answer.ASK
    assert _consent(_post("rain #MakeItHappy", mentions=("@Brand.Example",)))[0] is Answer.ASK
    # so does an answer to one of the bot's posts
    assert _consent(_post("rain #MakeItHappy", reply_to_author="did:plc:brand"))[0] is Answer.ASK
    # a mention of someone else does not
    assert _consent(_post("rain #MakeItHappy", mentions=("did:plc:other",)))[0] is Answer.IGNORE


def test_the_bots_own_posts_and_untagged_posts_are_never_answered() -> None:
    own = _post(
        "#MakeItHappy",
        author=Author("brand.example", id="did:plc:brand"),
        mentions=("did:plc:brand",),
    )
    assert _consent(own, when=ReplyWhen.HASHTAG) == (Answer.IGNORE, "the bot's own post")
    assert _consent(_post("thanks!", mentions=("did:plc:brand",)))[0] is Answer.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "stop",
        "STOP!!!",
        "@brand.example please stop",
        "Unsubscribe",
        "opt out thanks",
        "leave me alone @brand.example",
    ],
)
def test_a_short_stop_sent_to_the_bot_opts_out(text: str) -> None:
    assert is_stop(text, EtiquetteSettings().stop_words)
    assert _consent(_post(text, mentions=("did:plc:brand",)))[0] is Answer.STOP
    # the same words not addressed to the bot are somebody else's conversation
    assert _consent(_post(text))[0] is Answer.IGNORE


@pytest.mark.parametrize(
    "text",
    [
        "don't stop me now, the bus stopped and I missed the stop for work",
        "stopwatch",
        "non-stop rain",
        "don't stop!",
        "never stop @brand.example",
    ],
)
def test_longer_talk_and_other_words_are_not_a_stop(text: str) -> None:
    assert not is_stop(text, EtiquetteSettings().stop_words)


def test_a_request_with_the_hashtag_is_a_request_even_if_it_says_stop() -> None:
    # "make it stop #MakeItHappy" asks for a picture now
    assert _consent(_post("make it stop #MakeItHappy", mentions=("did:plc:brand",)))[0] is (
        Answer.ASK
    )


def test_opted_out_old_and_pre_campaign_posts_are_declined() -> None:
    asked = {"mentions": ("did:plc:brand",)}
    assert _consent(_post("#MakeItHappy rain", **asked), opted_out=True) == (
        Answer.DECLINE,
        "its author opted out",
    )
    old = _post("#MakeItHappy rain", created_at=NOW - timedelta(days=2), **asked)
    assert _consent(old)[0] is Answer.DECLINE
    assert _consent(old, live=False)[0] is Answer.ASK  # a replay is history by design
    early = _post("#MakeItHappy rain", created_at=NOW - timedelta(minutes=5), **asked)
    later = EtiquetteSettings(starts_at=NOW - timedelta(minutes=1))
    assert _consent(early, etiquette=later) == (
        Answer.DECLINE,
        "posted before the campaign started",
    )
    before = EtiquetteSettings(starts_at=NOW - timedelta(minutes=10))
    assert _consent(early, etiquette=before)[0] is Answer.ASK


def test_the_opt_out_file_reads_handles_and_skips_comments(tmp_path: Path) -> None:
    path = tmp_path / "opt-out.txt"
    path.write_text("# asked by e-mail\n@Ana.example\n\nbo.example  # DM\n", encoding="utf-8")
    assert read_opt_out_file(path) == ["Ana.example", "bo.example"]


# -- through the runner ---------------------------------------------------------------------------


def _run(
    store: Store, lines: list[str], out: Path, campaign=CAMPAIGN, **source: object
) -> Pipeline:  # type: ignore[no-untyped-def]
    platform = CrashingPlatform(ListSource(lines, **source), out)  # type: ignore[arg-type]
    pipeline = Pipeline(campaign, store, platform, load_screens(campaign), batch_size=4)
    pipeline.run()
    return pipeline


def _states(store: Store) -> dict[str, str]:
    with store.transaction() as session:
        return dict(session.execute(select(PostRow.trigger_key, PostRow.state)).all())


def _replied_to(out: Path) -> list[str]:
    return sorted(json.loads(p.read_text())["in_reply_to"] for p in out.glob("*.json"))


def test_mentioned_answers_who_asked_and_stores_nothing_of_the_rest(
    store: Store, tmp_path: Path
) -> None:
    lines = [
        line("a", f"{GRUMBLES[0]} {TAG}", handle="ana.example"),  # hashtag only
        line("b", f"@brand.example {GRUMBLES[1]} {TAG}", handle="bo.example"),  # asks
        line(
            "c",
            f"{GRUMBLES[2]} {TAG}",
            handle="cy.example",
            reply_to={
                "id": "brand-post",
                "text": "Reply with #MakeItHappy!",
                "author": {"handle": "brand.example"},
            },
        ),  # answers the bot's post
    ]
    run = _run(store, lines, tmp_path / "out", reply_when=ReplyWhen.MENTIONED, bot=BOT)
    assert _states(store) == {"replay:b": "published", "replay:c": "published"}
    assert _replied_to(tmp_path / "out") == ["b", "c"]
    assert run.stats.ignored == 1
    # the person's own words are drawn under the bot's post, never the bot's
    with store.transaction() as session:
        drawn = session.execute(
            select(PostRow.canonical_text).where(PostRow.trigger_key == "replay:c")
        ).scalar_one()
    assert "monday came round" in drawn and "reply with" not in drawn


def test_a_reply_for_someone_else_answers_the_person_who_asked(
    store: Store, tmp_path: Path
) -> None:
    friend = {
        "id": "grumpy",
        "text": "my train is late AGAIN",
        "author": {"handle": "di.example", "created_at": "2024-01-01T00:00:00+00:00"},
    }
    lines = [line("ask", f"{TAG} @brand.example", handle="ed.example", reply_to=friend)]
    _run(store, lines, tmp_path / "out", reply_when=ReplyWhen.MENTIONED, bot=BOT)
    (reply,) = [json.loads(p.read_text()) for p in (tmp_path / "out").glob("*.json")]
    assert reply["in_reply_to"] == "ask" and reply["text"].startswith("@ed.example")


def test_stop_then_a_new_post_gets_no_reply_in_a_later_run(store: Store, tmp_path: Path) -> None:
    posts = [
        line("1", f"@brand.example {GRUMBLES[0]} {TAG}", handle="fay.example"),
        line("2", "@brand.example STOP", handle="fay.example"),
        line("3", f"@brand.example {GRUMBLES[1]} {TAG}", handle="fay.example"),
    ]
    out, mentioned = tmp_path / "out", {"reply_when": ReplyWhen.MENTIONED, "bot": BOT}
    _run(store, posts[:1], out, **mentioned)
    assert _run(store, posts[:2], out, **mentioned).stats.opt_outs == 1
    assert _run(store, posts, out, **mentioned).stats.declined == 1
    assert _states(store) == {"replay:1": "published"}  # the stop and the new post: not stored
    assert _replied_to(tmp_path / "out") == ["1"]
    with store.transaction() as session:
        (row,) = session.execute(select(OptOutRow)).scalars()
        assert (row.handle, row.how, row.ref) == ("fay.example", "stop", "replay:2")
        kinds = session.execute(select(AuditRow.kind)).scalars().all()
        assert "opt-out" in kinds and "declined" in kinds
        assert audit.verify(session, store.audit_key).ok


def _take_in(store: Store, lines: list[str], out: Path, campaign, **source: object) -> Pipeline:  # type: ignore[no-untyped-def]
    """Read and judge, and stop before the publish delay runs out (a run in progress)."""
    platform = CrashingPlatform(ListSource(lines, **source), out)  # type: ignore[arg-type]
    pipeline = Pipeline(campaign, store, platform, load_screens(campaign), batch_size=4)
    pipeline.ensure_mode()
    with store.transaction() as session:
        cursor = queries.get_cursor(session, platform.name)
    pipeline.ingest(list(platform.listen(cursor)))
    pipeline.process()
    return pipeline


def test_a_stop_before_the_reply_is_sent_cancels_it(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    campaign = toy_campaign(publish_delay_seconds=600)
    mentioned = {"reply_when": ReplyWhen.MENTIONED, "bot": BOT}
    lines = [
        line("1", f"@brand.example {GRUMBLES[0]} {TAG}", handle="gus.example"),
        line("2", "@brand.example stop please", handle="gus.example"),
    ]
    _take_in(store, lines[:1], tmp_path / "out", campaign, **mentioned)
    assert _states(store) == {"replay:1": "queued"}
    _take_in(store, lines, tmp_path / "out", campaign, **mentioned)
    assert _states(store) == {"replay:1": "skipped"}
    clock.advance(minutes=20)
    assert _take_in(store, lines, tmp_path / "out", campaign, **mentioned).publisher.run() == 0
    assert _replied_to(tmp_path / "out") == []
    with store.transaction() as session:
        assert session.execute(select(OutboxRow.state)).scalar_one() == "cancelled"


def test_a_reviewers_opt_out_cancels_a_queued_reply(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    campaign = toy_campaign(publish_delay_seconds=600)
    lines = [line("1", f"{GRUMBLES[0]} {TAG}", handle="hal.example")]
    _take_in(store, lines, tmp_path / "out", campaign)
    assert _states(store) == {"replay:1": "queued"}
    assert optouts.add(store, "replay", "@Hal.example", "rita", "asked by e-mail")
    assert not optouts.add(store, "replay", "hal.example", "rita")  # once
    assert _states(store) == {"replay:1": "skipped"}


def test_the_publisher_looks_again_before_sending(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    campaign = toy_campaign(publish_delay_seconds=600)
    lines = [line("1", f"{GRUMBLES[0]} {TAG}", handle="ida.example")]
    run = _take_in(store, lines, tmp_path / "out", campaign)
    with store.transaction() as session:  # an opt-out that did not pass through withdraw()
        queries.add_opt_out(
            session, "replay", None, "ida.example", how="list", ref=None, by="t", now=clock.now
        )
    clock.advance(minutes=20)
    assert run.publisher.run() == 0 and _replied_to(tmp_path / "out") == []
    assert _states(store) == {"replay:1": "skipped"}


def test_at_most_n_replies_per_person_a_day(store: Store, clock: Clock, tmp_path: Path) -> None:
    campaign = toy_campaign(
        publish_delay_seconds=0,
        etiquette={"replies_per_person_per_day": 2},
        behaviour={"max_posts_per_hour": 100},
    )
    lines = [line(f"{i}", f"{GRUMBLES[i]} {TAG}", handle="ivy.example") for i in range(4)]
    _run(store, lines, tmp_path / "out", campaign)
    assert sorted(_states(store).values()) == ["published", "published", "skipped", "skipped"]
    clock.advance(hours=25)  # a new day
    more = [*lines, line("9", f"{GRUMBLES[9]} {TAG}", handle="ivy.example")]
    _run(store, more, tmp_path / "out", campaign)
    assert _states(store)["replay:9"] == "published"


def test_a_live_source_declines_posts_older_than_the_limit(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    old = (clock.now - timedelta(days=3)).isoformat()
    new = (clock.now - timedelta(minutes=2)).isoformat()
    lines = [
        line("old", f"{GRUMBLES[0]} {TAG}", handle="jo.example", created_at=old),
        line("new", f"{GRUMBLES[1]} {TAG}", handle="kai.example", created_at=new),
    ]
    run = _run(store, lines, tmp_path / "out", live=True)
    assert _states(store) == {"replay:new": "published"} and run.stats.declined == 1


def test_the_campaigns_opt_out_file_is_honoured(store: Store, tmp_path: Path) -> None:
    (tmp_path / "no.txt").write_text("lee.example\n", encoding="utf-8")
    campaign = toy_campaign(
        publish_delay_seconds=0, etiquette={"opt_out_file": "no.txt"}, base_dir=str(tmp_path)
    )
    lines = [line("1", f"{GRUMBLES[0]} {TAG}", handle="Lee.example")]
    run = _run(store, lines, tmp_path / "out", campaign)
    assert run.stats.declined == 1 and _states(store) == {}
    listed = optouts.everyone(store, campaign)
    assert [(o.handle, o.how) for o in listed] == [("lee.example", "list")]


def test_opt_outs_export_as_csv_without_formulas(store: Store) -> None:
    optouts.add(store, "replay", "=cmd|calc", "rita")
    optouts.add(store, "replay", "mo.example", "rita", "asked by phone")
    text = optouts.as_csv(optouts.everyone(store))
    rows = [r.split(",") for r in text.strip().splitlines()]
    assert rows[0] == ["platform", "account", "handle", "how", "ref", "at", "by"]
    assert (
        rows[1][2] == "'=cmd|calc" and rows[2][2] == "mo.example" and rows[2][4] == "asked by phone"
    )
    optouts.remove(store, "replay", "@mo.example", "rita")
    assert [o.handle for o in optouts.everyone(store)] == ["=cmd|calc"]
    with store.transaction() as session:
        assert "opt-out-removed" in session.execute(select(AuditRow.kind)).scalars().all()
