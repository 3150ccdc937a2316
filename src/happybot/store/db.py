"""Opening the store: engine, migrations, transactions. SQLite by default, PostgreSQL at scale.

Nothing here is SQLite-only: several workers will share one PostgreSQL, claiming work with
`FOR UPDATE SKIP LOCKED` (queries.py). SQLite gets `BEGIN IMMEDIATE`, so that two processes on
one file serialise their writes instead of failing halfway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from happybot.errors import StoreError
from happybot.store import audit


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A time without a zone read as UTC (what people type, and the pages' time fields send):
    the store takes aware times only."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def normalise_url(url: str) -> str:
    """Accept the URLs people paste: postgresql:// means the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs = {"connect_args": {"check_same_thread": False}, "poolclass": StaticPool}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy, not the driver, decide when transactions begin (pysqlite's recipe)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema (creating it on first use)."""
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("happybot.store").joinpath("migrations"))
    )
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Store:
    """The database and the key of its audit chain. Pass it to stages; never a global."""

    def __init__(
        self, engine: Engine, audit_key: bytes, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.audit_key = audit_key
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, audit_key: bytes, clock: Callable[[], datetime] = utcnow) -> Store:
        try:
            engine = make_engine(url)
            migrate(engine)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open the store at {_safe(url)}: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        return cls(engine, audit_key, clock)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def record(
        self,
        session: Session,
        kind: str,
        actor: str,
        subject: str | None = None,
        **payload: Any,
    ) -> None:
        """Append to the audit chain inside the caller's transaction, so the entry and the
        change it records commit together or not at all."""
        audit.append(session, self.audit_key, kind, actor, subject, payload, self.clock())

    def close(self) -> None:
        self.engine.dispose()


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url
