"""Opening the store: engine, migrations, transactions. SQLite by default, PostgreSQL at scale.

Nothing here is SQLite-only. On PostgreSQL several processes share one store: workers claim
received posts and replies with `FOR UPDATE SKIP LOCKED` leases (pipeline/runner.py,
pipeline/publish.py), one listener at a time holds the source by an advisory lock
(store/locks.py), every process beats a heartbeat (store/processes.py), and audit appends lock
the chain's head row. SQLite gets `BEGIN IMMEDIATE`, so that two processes on one file serialise
their writes instead of failing halfway.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from happybot.errors import StoreError
from happybot.store import audit
from happybot.store.schema import AuditHeadRow


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


SUPPORTED = ("sqlite", "postgresql")


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if "://" not in url or scheme not in SUPPORTED:
        raise StoreError(
            f"cannot use the store at {_safe(url)}: happybot keeps its store in SQLite "
            "(sqlite:///FILE) or PostgreSQL (postgresql://USER@HOST/DB)"
        )
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
    # write-ahead logging: a commit appends to the log instead of rewriting pages, and readers
    # (the dashboard) never wait for the writer. NORMAL syncs at checkpoints, not at every
    # commit: a crash of the process loses nothing; a power cut may lose the last commits,
    # which the saved cursor and the platforms' idempotent writes then redo, never double
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
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


def exists(url: str) -> bool:
    """Whether a store was made at `url` (a SQLite file, or a migrated PostgreSQL schema),
    without creating anything."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
        if not file or file == ":memory:":
            return False
        if not Path(file).is_file():
            return False
    engine = make_engine(url)
    try:
        return inspect(engine).has_table("alembic_version")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store at {_safe(url)}: {_first_line(exc)}") from exc
    finally:
        engine.dispose()


def require(url: str) -> None:
    """Refuse a store that was never made at `url`: a mistyped path or the wrong folder must not
    look like a campaign with nothing in it."""
    if not exists(url):
        raise StoreError(
            f"there is no store at {_safe(url)}: `happybot run` makes one; check --db, "
            "$HAPPYBOT_DB or the campaign's store.url (a relative SQLite path is relative "
            "to the campaign file)"
        )


def _first_line(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {(str(exc).splitlines() or [''])[0]}"


def key_fingerprint(key: bytes) -> str:
    """Names the audit key without revealing it: a keyed hash of a fixed text."""
    return hmac.new(key, b"happybot audit key fingerprint", hashlib.sha256).hexdigest()[:16]


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
    def open(
        cls,
        url: str,
        audit_key: bytes,
        clock: Callable[[], datetime] = utcnow,
        *,
        create: bool = True,
    ) -> Store:
        """Open (and migrate) the store at `url`. Without `create`, a store that was never made
        there is an error, not a new empty one: a mistyped path or the wrong folder must not
        look like a campaign with nothing in it. The audit key must be the one the store's
        chain was made with (its fingerprint is kept in the store)."""
        if not create:
            require(url)
        try:
            engine = make_engine(url)
            migrate(engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store at {_safe(url)}: {_first_line(exc)}") from exc
        store = cls(engine, audit_key, clock)
        store._bind_key()
        return store

    def _bind_key(self) -> None:
        """Keep the key's fingerprint on first use; afterwards refuse another key, so that a
        wrong key reads as "wrong key", not as a tampered chain."""
        mine = key_fingerprint(self.audit_key)
        with self.transaction() as session:
            head = session.get(AuditHeadRow, 1, with_for_update=True)
            if head is None:
                return
            if head.key_fingerprint is None:
                head.key_fingerprint = mine
            elif head.key_fingerprint != mine:
                self.engine.dispose()
                raise StoreError(
                    f"wrong audit key for the store at {_safe(str(self.engine.url))}: its chain "
                    f"was made with the key {head.key_fingerprint}, not {mine}; use the key file "
                    "that came with the store (or $HAPPYBOT_AUDIT_KEY)"
                )

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
