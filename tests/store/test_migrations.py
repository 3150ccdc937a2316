from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from happybot.store.db import Store
from happybot.store.schema import Base


def test_migrations_create_exactly_the_schema_the_code_declares(store: Store) -> None:
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # SQLite and PostgreSQL report the UTC wrapper type as its DateTime implementation
    assert [d for d in diff if not (isinstance(d, list) and d[0][0] == "modify_type")] == []


def test_opening_twice_is_harmless(db_url: str) -> None:
    Store.open(db_url, b"k").close()
    Store.open(db_url, b"k").close()
