"""The dashboard in a real browser (Debian's chromium, driven by Playwright) over a real HTTP
server: log in, decide the queue with the keyboard, pause. Screenshots for people to look at go
to build/screenshots/test_browser/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from happybot.models import Mode
from happybot.operate import review, users
from happybot.operate.modes import current_mode
from happybot.operate.users import Role
from happybot.store.db import Store
from happybot.store.schema import PostRow
from happybot.web.server import BackgroundServer as LiveServer
from tests.web.helpers import PASSWORD, Dashboard, dashboard

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def sqlite_store(tmp_path: Path, clock) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    # the server answers from its own thread: a file, not an in-memory database
    store = Store.open(f"sqlite:///{tmp_path / 'board.db'}", b"test-key")
    yield store
    store.close()


@pytest.fixture
def board(sqlite_store: Store, tmp_path: Path) -> Dashboard:
    return dashboard(sqlite_store, tmp_path)


def log_in(page: Page, base: str, role: Role, then: str = "/") -> None:
    page.goto(f"{base}/login?next={then}")
    page.get_by_label("Name").fill(role.value)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{then}")


def state(store: Store, post_id: int) -> str:
    with store.transaction() as session:
        row = session.get(PostRow, post_id)
        assert row is not None
        return row.state


def test_log_in_and_decide_the_queue_with_the_keyboard(
    board: Dashboard, browser: Browser, screenshots: Path
) -> None:
    first, second, third = (i.post_id for i in review.queue(board.store))
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        page.goto(f"{base}/queue")
        page.wait_for_url(f"{base}/login?next=/queue")  # no session: the login page
        page.get_by_label("Name").fill("reviewer")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#login-error")).to_have_text("wrong name or password")
        log_in(page, base, Role.REVIEWER, then="/queue")
        expect(page.locator(f"#item-{first}")).to_have_class("item current")
        expect(page.locator(f"#detail-{first} img")).to_be_visible()
        page.screenshot(path=screenshots / "queue.png")
        page.keyboard.press("a")  # approve the first, the exact picture shown
        expect(page.locator(f"#item-{first}")).to_have_count(0)
        expect(page.locator(f"#item-{second}")).to_have_class("item current")
        page.keyboard.press("j")
        expect(page.locator(f"#item-{third}")).to_have_class("item current")
        page.keyboard.press("r")
        expect(page.locator(f"#item-{third}")).to_have_count(0)
        expect(page.locator("#flash")).to_contain_text("reject")
        page.close()
    assert state(board.store, first) == "queued"
    assert state(board.store, second) == "review"
    assert state(board.store, third) == "rejected"


def test_pause_stops_a_queued_reply(board: Dashboard, browser: Browser, screenshots: Path) -> None:
    item = review.queue(board.store)[0]
    review.approve(
        board.store,
        board.pipeline.campaign,
        post_id=item.post_id,
        reviewer="rita",
        picture_sha256=item.picture_sha256 or "",
    )
    assert state(board.store, item.post_id) == "queued"  # approved, not yet sent
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        log_in(page, base, Role.ADMIN)
        page.screenshot(path=screenshots / "overview.png")
        page.once("dialog", lambda dialog: dialog.accept())  # "Pause everything?"
        page.get_by_role("button", name="Pause everything").click()
        expect(page.locator("#mode-now")).to_have_text("paused")
        expect(page.locator("#flash")).to_contain_text("autopilot -> paused")
        page.close()
    assert current_mode(board.store) is Mode.PAUSED
    assert board.pipeline.publisher.run() == 0
    assert state(board.store, item.post_id) == "queued"


def test_a_viewer_sees_the_queue_but_no_buttons_to_decide(
    board: Dashboard, browser: Browser
) -> None:
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        log_in(page, base, Role.VIEWER, then="/queue")
        expect(page.locator(".item")).to_have_count(3)
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
        expect(page.get_by_role("button", name="Pause everything")).to_have_count(0)
        page.keyboard.press("r")  # nothing happens: a viewer cannot decide
        expect(page.locator(".item")).to_have_count(3)
        page.close()


def test_the_overview_updates_live_without_a_reload(
    board: Dashboard, browser: Browser, screenshots: Path
) -> None:
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        log_in(page, base, Role.VIEWER)
        waiting = page.locator('#counters [data-key="waiting_for_review"]')
        expect(waiting).to_have_text("3")
        expect(page.locator("#chart svg rect.bar.published")).not_to_have_count(0)
        item = review.queue(board.store)[0]
        review.reject(board.store, post_id=item.post_id, reviewer="rita")  # elsewhere
        expect(waiting).to_have_text("2", timeout=10_000)  # pushed by the server
        expect(page.locator('#counters [data-key="rejected"]')).to_have_text("1")
        page.screenshot(path=screenshots / "overview-live.png")
        page.close()


def test_retract_a_published_reply(board: Dashboard, browser: Browser, screenshots: Path) -> None:
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        log_in(page, base, Role.ADMIN, then="/published")
        expect(page.locator(".tile")).to_have_count(3)
        page.screenshot(path=screenshots / "published.png")
        page.get_by_label("Author").fill("u1.example")
        page.get_by_role("button", name="Show").click()
        expect(page.locator(".tile")).to_have_count(1)
        page.get_by_label("Reason (required, kept in the audit)").fill("posted by mistake")
        page.once("dialog", lambda dialog: dialog.accept())  # "Retract 1 published reply?"
        page.get_by_role("button", name="Retract all 1 matching").click()
        expect(page.locator("#flash")).to_contain_text("retracted 1")
        page.close()
    (record,) = [
        json.loads(p.read_text())
        for p in board.out.glob("*.json")
        if json.loads(p.read_text()).get("retracted_at")
    ]
    assert record["to_handle"] == "u1.example"
    assert review_state(board.store, "replay:ok1") == "retracted"


def review_state(store: Store, key: str) -> str:
    with store.transaction() as session:
        return session.execute(select(PostRow.state).where(PostRow.trigger_key == key)).scalar_one()


def test_an_admin_adds_a_reviewer_who_can_then_log_in(
    board: Dashboard, browser: Browser, screenshots: Path
) -> None:
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        log_in(page, base, Role.ADMIN, then="/users")
        form = page.locator("#add-user")
        form.get_by_label("Name").fill("sam")
        form.get_by_label("Role").select_option("reviewer")
        form.get_by_label("Password (12 characters or more)").fill("sam's long password")
        form.get_by_role("button", name="Add user").click()
        expect(page.locator('tr[data-user="sam"]')).to_have_count(1)
        page.screenshot(path=screenshots / "users.png")
        page.close()
    assert users.authenticate(board.store, "sam", "sam's long password").role is Role.REVIEWER


def test_a_reviewer_opts_a_person_out_from_the_dashboard(
    board: Dashboard, browser: Browser, screenshots: Path
) -> None:
    with LiveServer(board.app) as base:
        page = browser.new_page(viewport=LAPTOP)
        log_in(page, base, Role.REVIEWER, then="/opt-outs")
        expect(page.get_by_text("Nobody has opted out.")).to_be_visible()
        form = page.locator("#add-opt-out")
        form.get_by_label("Handle on simulate").fill("@u1.example")
        form.get_by_label("Why (kept in the audit)").fill("asked by e-mail")
        form.get_by_role("button", name="Opt out").click()
        expect(page.locator('tr[data-handle="u1.example"]')).to_have_count(1)
        page.screenshot(path=screenshots / "opt-outs.png")
        page.close()


def test_an_admin_approves_and_posts_the_holding_statement_from_the_incident(
    board: Dashboard, browser: Browser, screenshots: Path
) -> None:
    from happybot.operate.incidents import open_incident
    from happybot.testing import toy_campaign
    from happybot.web.app import create_app

    words = "We have paused #MakeItHappy while we look into misuse. Sorry to anyone it reached."
    campaign = toy_campaign(publish_delay_seconds=0, statements=[{"text": words}])
    app = create_app(board.store, campaign, lambda: board.platform, secret_key="test-secret")
    incident = open_incident(board.store, "flagged-posts", "25 posts held", "circuit-breaker")
    with LiveServer(app) as base:
        page = browser.new_page(viewport=LAPTOP)
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, base, Role.ADMIN, then=f"/incidents/{incident.id}")
        page.get_by_role("button", name="Approve these words").click()
        page.get_by_role("button", name="Post the holding statement").click()
        expect(page.get_by_text("The statement is posted")).to_be_visible(timeout=10_000)
        expect(page.get_by_text("holding statement posted")).to_be_visible()
        page.screenshot(path=screenshots / "incident-statement.png", full_page=True)
        (written,) = board.out.glob("statement-*.json")
        assert json.loads(written.read_text())["text"] == words
        page.get_by_role("button", name="Delete the statement").click()  # the prompt: accepted
        expect(page.get_by_text("holding statement retracted")).to_be_visible(timeout=10_000)
        page.close()
    assert "retracted_at" in json.loads(written.read_text())
