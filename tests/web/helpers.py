"""A dashboard over a store with posts waiting for review, published and queued, and a user of
each role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from happybot.operate import users
from happybot.operate.users import Role
from happybot.pipeline.runner import Pipeline
from happybot.screens.base import load_screens
from happybot.store.db import Store
from happybot.testing import toy_campaign
from happybot.web.app import create_app
from tests.pipeline.helpers import GRUMBLES, CrashingPlatform, ListSource, line

PASSWORD = "a long enough password"
TAG = "#MakeItHappy"
CAMPAIGN = toy_campaign(publish_delay_seconds=0)
HELD = [
    f"what a sh!tty day {TAG}",
    f"my sh!tty printer jammed {TAG}",
    f"sh!t weather again {TAG}",
]


@dataclass
class Dashboard:
    app: FastAPI
    store: Store
    platform: CrashingPlatform
    out: Path
    pipeline: Pipeline

    def client(self, role: Role | None = None) -> TestClient:
        """A browser: logged in as the user of that role (with its CSRF token), or not."""
        client = TestClient(self.app)
        if role is not None:
            answer = client.post("/api/login", json={"name": role.value, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            client.headers["X-CSRF-Token"] = answer.json()["csrf"]
        return client


def dashboard(store: Store, folder: Path, held: list[str] = HELD, ordinary: int = 3) -> Dashboard:
    lines = [
        line(f"ok{i}", f"{GRUMBLES[i]} {TAG}", handle=f"u{i}.example") for i in range(ordinary)
    ]
    lines += [line(f"held{i}", text, handle=f"h{i}.example") for i, text in enumerate(held)]
    out = folder / "out"
    platform = CrashingPlatform(ListSource(lines), out)
    pipeline = Pipeline(CAMPAIGN, store, platform, load_screens(CAMPAIGN))
    pipeline.run()
    for role in Role:
        users.add_user(store, role.value, role, PASSWORD, actor="test")
    app = create_app(store, CAMPAIGN, lambda: platform, secret_key="test-secret")
    return Dashboard(app, store, platform, out, pipeline)
