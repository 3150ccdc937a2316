"""An incident as a record: the timeline is read back from the audit (hold, breaker, alert,
mode, acknowledgement, retraction, close), and the report is one self-contained HTML page,
looked at in Debian's chromium, and the same as Markdown."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser
from sqlalchemy import select

from happybot.models import Mode
from happybot.operate.breaker import CircuitBreaker
from happybot.operate.incident_record import record_of
from happybot.operate.incident_report import html_report, markdown_report
from happybot.operate.incidents import acknowledge, close_incident
from happybot.operate.modes import current_mode
from happybot.operate.retract import Selection, retract
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store.db import Store
from happybot.store.schema import PostRow
from happybot.testing import make_campaign
from tests.conftest import Clock
from tests.operate.test_breaker import Outbox
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line, self_replies

TAG = "#MakeItHappy"


def _incident(store: Store, clock: Clock, tmp_path: Path) -> tuple[int, Outbox]:
    campaign = make_campaign(publish_delay_seconds=0, breaker={"author_rejects": 3})
    ordinary = [line(f"ok{i}", f"{GRUMBLES[i]} {TAG}", handle=f"u{i}.example") for i in range(3)]
    attack = [*self_replies("troll.example", 3), *self_replies("troll2.example", 3)]
    outbox = Outbox()
    platform = CrashingPlatform(ListSource([*ordinary, *attack]), tmp_path / "out")
    Pipeline(
        campaign,
        store,
        platform,
        load_screens(campaign),
        batch_size=3,
        watch=CircuitBreaker(store, campaign, [outbox]),
    ).run()
    assert current_mode(store) is Mode.COPILOT
    clock.advance(minutes=3)
    incident = max(int(a.subject.split(":")[1]) for a in outbox.sent)
    acknowledge(store, incident, "rita", "on it")
    with store.transaction() as session:
        first = (
            session.execute(select(PostRow.id).where(PostRow.state == "published"))
            .scalars()
            .first()
        )
    retract(store, platform, Selection(post_ids=[first]), actor="rita", reason="off-brand")
    clock.advance(minutes=5)
    close_incident(store, incident, "rita", "two trolls, held; statement not needed")
    return incident, outbox


def test_the_record_tells_the_incident_from_the_audit(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    incident, _ = _incident(store, clock, tmp_path)
    record = record_of(store, make_campaign(), incident)
    kinds = [e.kind for e in record.events]
    assert kinds.index("first-hold") < kinds.index("incident-opened")
    for kind in ("incident-opened", "alert-sent", "mode", "incident-acknowledged", "retracted"):
        assert kind in kinds, kind
    assert kinds[-1] == "incident-closed"
    assert [e.what for e in record.events if e.kind == "incident-closed"] == [
        "closed: two trolls, held; statement not needed"
    ]
    accounts = {handle: (review, rejected) for handle, review, rejected in record.accounts}
    assert set(accounts) >= {"troll.example", "troll2.example"}
    assert sorted(s.state for s in record.sent) == ["published", "published", "retracted"]
    assert record.held_total == sum(r + j for r, j in accounts.values())
    assert sum(sum(c.values()) for _, c in record.minutes) == 9


def test_the_report_is_one_file_to_hand_on_and_reads_in_a_browser(
    store: Store, clock: Clock, tmp_path: Path, browser: Browser, screenshots: Path
) -> None:
    incident, _ = _incident(store, clock, tmp_path)
    record = record_of(store, make_campaign(), incident)
    page_html = html_report(record, TAG, clock.now)
    assert "<script" not in page_html and "http://" not in page_html.replace("http://www.w3", "")
    (tmp_path / "report.html").write_text(page_html, encoding="utf-8")
    markdown = markdown_report(record, TAG, clock.now)
    assert f"# Incident {incident}: rejected-authors" in markdown
    assert "| rita | closed: two trolls, held; statement not needed |" in markdown
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto((tmp_path / "report.html").as_uri())
    assert page.locator("h1").inner_text() == f"Incident {incident}: rejected-authors"
    # the posts per minute, stacked by outcome (all nine came in the same minute here)
    assert page.locator("svg rect").count() >= 2
    assert any("3 published" in t for t in page.locator("svg g title").all_text_contents())
    # the incident's marks: hold, breaker, mode and alert share their minute; ack; close
    assert page.locator("svg line").count() == 3
    images = page.locator("figure img")
    assert images.count() == 3
    assert all(
        page.evaluate("(img) => img.naturalWidth", images.nth(i).element_handle()) > 0
        for i in range(3)
    )  # the thumbnails are inlined and load
    page.screenshot(path=screenshots / "incident-report.png", full_page=True)
    page.close()


def test_the_markdown_report_keeps_what_people_typed_literal(store: Store, clock: Clock) -> None:
    from happybot.operate.incidents import open_incident

    incident = open_incident(store, "coordination", "a group | <b>loud</b>", "circuit-breaker")
    close_incident(store, incident.id, "rita", "done |\n# not a heading <script>x</script>")
    text = markdown_report(record_of(store, make_campaign(), incident.id), TAG, clock.now)
    assert "a group \\| &lt;b&gt;loud&lt;/b&gt;" in text
    assert "| rita | closed: done \\| # not a heading &lt;script&gt;x&lt;/script&gt; |" in text
    assert "<script>" not in text
