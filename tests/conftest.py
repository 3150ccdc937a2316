"""Shared fixtures. Store tests run against SQLite and PostgreSQL (127.0.0.1:5432, database
`test`; set HAPPYBOT_TEST_PG to use another). Each PostgreSQL test gets its own schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine, text

from happybot.store.db import Store
from tests.pds import LocalPds

PG_URL = os.environ.get("HAPPYBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema = f"hb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    s = Store.open(db_url, b"test-key", clock=clock)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test caches derived data (the corpus index) in a folder of its own."""
    monkeypatch.setenv("HAPPYBOT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


# -- a real browser: Debian's chromium driven by Playwright (no browser download) -------------

CHROMIUM = os.environ.get("HAPPYBOT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("HAPPYBOT_SCREENSHOTS", Path(__file__).parent.parent / "build"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        # .ci/run installs Debian's chromium, so CI always runs these
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """The folder a browser test writes its screenshots to: build/screenshots/TEST-FILE/, to be
    looked at by people (HAPPYBOT_SCREENSHOTS moves it)."""
    folder = SCREENSHOTS / "screenshots" / Path(str(request.node.path)).stem
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- a real Bluesky PDS on loopback (services/bluesky-pds), once per test session ----------------


@pytest.fixture(scope="session")
def pds() -> Iterator[LocalPds]:
    with LocalPds() as running:
        yield running
