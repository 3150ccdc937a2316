"""Alembic environment: run by `happybot.store.db.migrate` with a live connection."""

from __future__ import annotations

from alembic import context

from happybot.store.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # `alembic` command line: only used to write new revisions
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
