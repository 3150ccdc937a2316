from __future__ import annotations

import pytest
from sqlalchemy import select

from happybot.errors import AuthError, HappybotError
from happybot.operate import users
from happybot.operate.users import Role
from happybot.store import audit
from happybot.store.db import Store
from happybot.store.schema import ApiTokenRow, UserRow

PASSWORD = "correct horse battery"


def test_a_user_logs_in_with_their_password_and_nothing_else(store: Store) -> None:
    added = users.add_user(store, "rita", Role.REVIEWER, PASSWORD, actor="admin")
    assert users.authenticate(store, "rita", PASSWORD) == added
    for name, password in (("rita", "wrong password!"), ("nobody", PASSWORD)):
        with pytest.raises(AuthError, match=r"^wrong name or password$"):
            users.authenticate(store, name, password)


def test_passwords_are_kept_as_argon2_hashes_and_tokens_as_digests(store: Store) -> None:
    users.add_user(store, "rita", Role.REVIEWER, PASSWORD, actor="admin")
    token = users.create_token(store, "rita", "nightly script", actor="admin")
    with store.transaction() as session:
        row = session.execute(select(UserRow)).scalar_one()
        digest = session.execute(select(ApiTokenRow.token_sha256)).scalar_one()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert token not in digest and users.user_for_token(store, token) is not None
    assert users.user_for_token(store, token + "x") is None


def test_short_passwords_and_odd_names_are_refused_with_what_to_do(store: Store) -> None:
    with pytest.raises(HappybotError, match="at least 12 characters"):
        users.add_user(store, "rita", Role.VIEWER, "short", actor="admin")
    with pytest.raises(HappybotError, match="no spaces"):
        users.add_user(store, "rita smith", Role.VIEWER, PASSWORD, actor="admin")
    users.add_user(store, "rita", Role.VIEWER, PASSWORD, actor="admin")
    with pytest.raises(HappybotError, match="already a user"):
        users.add_user(store, "rita", Role.ADMIN, PASSWORD, actor="admin")


def test_a_changed_role_or_password_or_a_removal_ends_old_sessions_and_tokens(
    store: Store,
) -> None:
    rita = users.add_user(store, "rita", Role.REVIEWER, PASSWORD, actor="admin")
    token = users.create_token(store, "rita", "script", actor="admin")
    assert users.current_user(store, rita.id, rita.generation) == rita
    users.set_role(store, "rita", Role.VIEWER, actor="admin")
    assert users.current_user(store, rita.id, rita.generation) is None
    viewer = users.authenticate(store, "rita", PASSWORD)
    assert viewer.role is Role.VIEWER
    users.set_password(store, "rita", "another long password", actor="rita")
    assert users.current_user(store, rita.id, viewer.generation) is None
    users.remove_user(store, "rita", actor="admin")
    assert users.user_for_token(store, token) is None
    with pytest.raises(AuthError):
        users.authenticate(store, "rita", "another long password")
    assert users.list_users(store) == []


def test_roles_grow_and_every_change_is_audited(store: Store) -> None:
    assert Role.ADMIN.allows(Role.REVIEWER) and Role.REVIEWER.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.REVIEWER) and not Role.REVIEWER.allows(Role.ADMIN)
    users.add_user(store, "rita", Role.REVIEWER, PASSWORD, actor="alice")
    users.create_token(store, "rita", "script", actor="alice")
    with store.transaction() as session:
        kinds = [e.kind for e in audit.entries(session)]
        assert audit.verify(session, store.audit_key).ok
    assert kinds == ["token-created", "user-added"]
