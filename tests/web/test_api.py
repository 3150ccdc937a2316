"""The JSON API does what the CLI does, by the same functions, with the evidence a reviewer
needs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from happybot.models import Mode
from happybot.operate import review, users
from happybot.operate.incidents import open_incident
from happybot.operate.modes import current_mode
from happybot.operate.users import Role
from happybot.store.db import Store
from tests.web.helpers import Dashboard, dashboard


@pytest.fixture
def board(store: Store, tmp_path: Path) -> Dashboard:
    return dashboard(store, tmp_path)


def test_the_queue_shows_the_evidence_and_the_exact_picture(board: Dashboard) -> None:
    viewer = board.client(Role.VIEWER)
    items = viewer.get("/api/queue").json()
    assert [i["post"]["author"]["handle"] for i in items] == [
        "h0.example",
        "h1.example",
        "h2.example",
    ]
    first = items[0]
    assert first["reasons"] and any(f["span"] for f in first["findings"])
    start, end = next(f["span"] for f in first["findings"] if f["span"])
    assert first["post"]["text"][start:end].lower().startswith("sh")
    png = viewer.get(first["picture_url"])
    assert png.headers["content-type"] == "image/png"
    assert hashlib.sha256(png.content).hexdigest() == first["picture_sha256"]


def test_an_approval_through_the_api_publishes_that_picture(board: Dashboard) -> None:
    reviewer = board.client(Role.REVIEWER)
    first = reviewer.get("/api/queue").json()[0]
    refused = reviewer.post(
        f"/api/posts/{first['post_id']}/approve", json={"picture_sha256": "0" * 64}
    )
    assert refused.status_code == 409 and "look at the current picture" in refused.json()["detail"]
    done = reviewer.post(
        f"/api/posts/{first['post_id']}/approve",
        json={"picture_sha256": first["picture_sha256"], "reason": "harmless swearing"},
    )
    assert done.status_code == 200, done.text
    assert board.pipeline.publisher.run() == 1
    published = [json.loads(p.read_text()) for p in board.out.glob("*.json")]
    assert first["picture_sha256"] in [p["picture_sha256"] for p in published]


def test_two_reviewers_cannot_decide_one_post(board: Dashboard) -> None:
    rita, sam = board.client(Role.REVIEWER), board.client(Role.ADMIN)
    post_id = rita.get("/api/queue").json()[0]["post_id"]
    assert rita.post(f"/api/posts/{post_id}/claim").status_code == 200
    taken = sam.post(f"/api/posts/{post_id}/reject", json={"reason": "no"})
    assert taken.status_code == 409 and "being decided by reviewer" in taken.json()["detail"]
    assert sam.get("/api/queue").json()[0]["claimed_by"] == "reviewer"


def test_an_escalated_post_is_decided_by_an_admin_only(board: Dashboard) -> None:
    reviewer, admin = board.client(Role.REVIEWER), board.client(Role.ADMIN)
    post_id = reviewer.get("/api/queue").json()[0]["post_id"]
    sent = reviewer.post(f"/api/posts/{post_id}/escalate", json={"reason": "a dog whistle?"})
    assert sent.status_code == 200
    refused = reviewer.post(f"/api/posts/{post_id}/reject", json={"reason": "no"})
    assert refused.status_code == 409 and "an admin decides it" in refused.json()["detail"]
    assert admin.post(f"/api/posts/{post_id}/reject", json={"reason": "yes, hate"}).is_success


def test_bulk_decisions_stand_or_fall_one_by_one(board: Dashboard) -> None:
    reviewer = board.client(Role.REVIEWER)
    ids = [i["post_id"] for i in reviewer.get("/api/queue").json()]
    answer = reviewer.post(
        "/api/queue/decide",
        json={
            "decisions": [
                {"post_id": ids[0], "action": "reject", "reason": "bulk"},
                {"post_id": ids[1], "action": "approve", "picture_sha256": "f" * 64},
                {"post_id": 999, "action": "reject"},
            ]
        },
    ).json()
    assert answer["done"] == [ids[0]] and set(answer["refused"]) == {str(ids[1]), "999"}
    assert [i.post_id for i in review.queue(board.store)] == ids[1:]


def test_a_mode_change_must_be_confirmed_and_is_audited(board: Dashboard) -> None:
    admin = board.client(Role.ADMIN)
    assert admin.post("/api/mode", json={"mode": "paused"}).status_code == 422
    assert current_mode(board.store) is Mode.AUTOPILOT
    assert admin.post("/api/mode", json={"mode": "paused", "confirm": True}).is_success
    assert current_mode(board.store) is Mode.PAUSED
    entries = admin.get("/api/audit", params={"kind": "mode"}).json()
    assert entries["chain_ok"] and entries["entries"][0]["actor"] == "admin"


def test_status_counts_waiting_for_review_and_rejected_and_shows_incidents(
    board: Dashboard,
) -> None:
    open_incident(board.store, "author-rejects", "one account rejected five times", "breaker")
    status = board.client(Role.VIEWER).get("/api/status").json()["counts"]
    assert status["waiting_for_review"] == 3 and status["published"] == 3
    assert status["rejected"] == 0 and status["posts_in"] == 6
    assert status["open_incidents"][0]["kind"] == "author-rejects"


def test_a_retraction_does_only_what_the_person_confirmed(board: Dashboard) -> None:
    admin = board.client(Role.ADMIN)
    wrong = admin.post(
        "/api/retract", json={"author": "u0.example", "reason": "test", "expected_count": 2}
    )
    assert wrong.status_code == 409 and "1 replies match now, not 2" in wrong.json()["detail"]
    done = admin.post(
        "/api/retract", json={"author": "u0.example", "reason": "oops", "expected_count": 1}
    ).json()
    assert len(done["retracted"]) == 1 and not done["failed"]
    status = admin.get("/api/status").json()["counts"]
    assert status["posts"]["retracted"] == 1
    assert admin.post("/api/retract", json={"reason": "x", "expected_count": 0}).status_code == 422


def test_metrics_serve_the_counters_to_a_token_holder(board: Dashboard) -> None:
    assert board.client().get("/metrics").status_code == 401
    token = users.create_token(board.store, "viewer", "prometheus", actor="admin")
    scraper = board.client()
    scraper.headers["Authorization"] = f"Bearer {token}"
    text = scraper.get("/metrics").text
    assert 'happybot_posts{state="published"} 3.0' in text
    assert "happybot_waiting_for_review 3.0" in text
    assert 'happybot_mode{mode="autopilot"} 1.0' in text


def test_published_replies_are_listed_newest_first_and_filtered(board: Dashboard) -> None:
    viewer = board.client(Role.VIEWER)
    every = viewer.get("/api/published").json()
    assert [r["author"] for r in every] == ["u2.example", "u1.example", "u0.example"]
    assert viewer.get(every[0]["picture_url"]).headers["content-type"] == "image/png"
    one = viewer.get("/api/published", params={"author": "@u1.example"}).json()
    assert [r["author"] for r in one] == ["u1.example"]
    late = viewer.get("/api/published", params={"since": "2999-01-01T00:00"}).json()
    assert late == []


def test_the_pages_render_for_each_role(board: Dashboard) -> None:
    for role in Role:
        client = board.client(role)
        for path in ("/", "/queue", "/published", "/audit", "/users", "/incidents", "/opt-outs"):
            page = client.get(path)
            assert page.status_code == 200 and "happybot" in page.text, (role, path)
        assert ("Retract" in client.get("/published").text) is (role is Role.ADMIN)
    audit_page = board.client(Role.VIEWER).get("/audit").text
    assert "Hash chain intact" in audit_page and "user-added" in audit_page


def test_an_admin_manages_users_but_cannot_lock_themselves_out(board: Dashboard) -> None:
    admin = board.client(Role.ADMIN)
    added = admin.post(
        "/api/users", json={"name": "sam", "role": "reviewer", "password": "sam's long password"}
    )
    assert added.status_code == 200 and added.json() == {"name": "sam", "role": "reviewer"}
    again = admin.post(
        "/api/users", json={"name": "sam", "role": "viewer", "password": "another long one"}
    )
    assert again.status_code == 409 and "already a user" in again.json()["detail"]
    assert admin.post("/api/users/sam/role", json={"role": "viewer"}).is_success
    assert admin.post("/api/users/admin/role", json={"role": "viewer"}).status_code == 409
    assert admin.post("/api/users/admin/remove").status_code == 409
    assert admin.post("/api/users/sam/remove").is_success
    assert "sam" not in [u["name"] for u in admin.get("/api/users").json()]
    page = admin.get("/users").text
    assert 'data-user="reviewer"' in page and 'data-user="sam"' not in page


def test_opt_outs_are_listed_to_viewers_added_by_reviewers_and_exported(board: Dashboard) -> None:
    viewer, reviewer = board.client(Role.VIEWER), board.client(Role.REVIEWER)
    assert viewer.get("/api/opt-outs").json() == []
    refused = viewer.post("/api/opt-outs", json={"handle": "u0.example"})
    assert refused.status_code == 403
    done = reviewer.post("/api/opt-outs", json={"handle": "@U0.example", "note": "asked by mail"})
    assert done.status_code == 200 and "opted out" in done.json()["detail"]
    again = reviewer.post("/api/opt-outs", json={"handle": "u0.example"})
    assert "had opted out" in again.json()["detail"]
    (row,) = viewer.get("/api/opt-outs").json()
    assert (row["handle"], row["how"], row["by"], row["ref"]) == (
        "u0.example",
        "reviewer",
        "reviewer",
        "asked by mail",
    )
    csv = viewer.get("/api/opt-outs.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "u0.example,reviewer" in csv.text
    assert "@u0.example" in viewer.get("/opt-outs").text
    assert 'id="add-opt-out"' not in viewer.get("/opt-outs").text
    assert 'id="add-opt-out"' in reviewer.get("/opt-outs").text
    too_long = reviewer.post("/api/opt-outs", json={"handle": "x" * 301})
    assert too_long.status_code == 422


def test_incidents_are_listed_each_with_its_record_and_report(board: Dashboard) -> None:
    from happybot.operate.incidents import open_incident

    incident = open_incident(board.store, "flagged-posts", "25 posts held", "circuit-breaker")
    viewer, reviewer = board.client(Role.VIEWER), board.client(Role.REVIEWER)
    listing = viewer.get("/incidents").text
    assert f'href="/incidents/{incident.id}"' in listing and "25 posts held" in listing
    page = viewer.get(f"/incidents/{incident.id}").text
    assert "the circuit breaker opened incident" in page and "ack-incident" not in page
    assert "ack-incident" in reviewer.get(f"/incidents/{incident.id}").text
    report = viewer.get(f"/incidents/{incident.id}/report.html")
    assert report.status_code == 200 and "<svg" in report.text and "<script" not in report.text
    markdown = viewer.get(f"/incidents/{incident.id}/report.md")
    assert markdown.text.startswith(f"# Incident {incident.id}: flagged-posts")
    assert viewer.get("/incidents/999").status_code == 404
    anonymous = board.client().get(f"/incidents/{incident.id}/report.html", follow_redirects=False)
    assert anonymous.status_code in (303, 307) and "/login" in anonymous.headers["location"]
    reviewer.post(f"/api/incidents/{incident.id}/acknowledge", json={"reason": "on it"})
    assert "acknowledged by reviewer" in viewer.get("/incidents").text
