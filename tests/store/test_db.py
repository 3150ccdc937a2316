"""Opening a store: one per campaign, never made by accident, and bound to its audit key."""

from __future__ import annotations

from pathlib import Path

import pytest

from happybot.errors import StoreError
from happybot.store.db import Store, exists


def test_a_store_that_was_never_made_is_an_error_not_a_new_empty_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    with pytest.raises(StoreError, match="there is no store at"):
        Store.open(url, b"k", create=False)
    assert not (tmp_path / "typo.db").exists() and not exists(url)
    Store.open(url, b"k").close()
    assert exists(url)
    Store.open(url, b"k", create=False).close()


def test_an_unmigrated_postgresql_schema_is_no_store(pg_url: str) -> None:
    assert not exists(pg_url)
    with pytest.raises(StoreError, match="there is no store"):
        Store.open(pg_url, b"k", create=False)
    Store.open(pg_url, b"k").close()
    assert exists(pg_url)


def test_a_wrong_key_is_told_apart_from_tampering(db_url: str) -> None:
    Store.open(db_url, b"the-key").close()
    with pytest.raises(StoreError, match="wrong audit key"):
        Store.open(db_url, b"another-key")
    Store.open(db_url, b"the-key").close()


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/test", "mongodb://x", "happybot.db"])
def test_a_database_happybot_does_not_keep_its_store_in_is_one_line(url: str) -> None:
    with pytest.raises(StoreError, match=r"SQLite .* or PostgreSQL"):
        Store.open(url, b"k")
