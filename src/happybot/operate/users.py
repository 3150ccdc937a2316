"""People who use the dashboard, their roles, passwords and API tokens.

Roles grow: a `viewer` reads; a `reviewer` also decides the review queue; an `admin` also changes
the mode, retracts and manages users. Passwords are kept as Argon2id hashes (argon2-cffi's
defaults, RFC 9106's second recommended parameter set), tokens as their SHA-256: a copy of the
database lets nobody log in. Every change is in the audit.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from happybot.errors import AuthError, Conflict, HappybotError, NotFound
from happybot.models import storable_text
from happybot.store.db import Store
from happybot.store.schema import ApiTokenRow, UserRow


class Role(enum.StrEnum):
    VIEWER = "viewer"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        return _RANK[self] >= _RANK[needed]


_RANK = {Role.VIEWER: 0, Role.REVIEWER: 1, Role.ADMIN: 2}
MIN_PASSWORD = 12
TOKEN_PREFIX = "hb_"
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so that a wrong name costs as long as a wrong
    password and timing does not tell which names exist. Made on first use: a hash costs a
    tenth of a second, which every command would otherwise pay at start."""
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    generation: int  # sessions carry it: a change of password or role ends the old ones


def _model(row: UserRow) -> User:
    return User(row.id, row.name, Role(row.role), row.generation)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or not all(ch.isalnum() or ch in "._-@" for ch in name):
        raise HappybotError(
            f"user name {name!r}: use 1 to 100 letters, digits and . _ - @ (no spaces)"
        )
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise HappybotError(f"the password must have at least {MIN_PASSWORD} characters")


def add_user(store: Store, name: str, role: Role, password: str, *, actor: str) -> User:
    name = _check_name(name)
    _check_password(password)
    with store.transaction() as session:
        if session.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none():
            raise Conflict(f"there is already a user {name!r}")
        row = UserRow(
            name=name,
            role=role.value,
            password_hash=_hasher.hash(password),
            created_at=store.clock(),
            generation=0,
            disabled=False,
        )
        session.add(row)
        session.flush()
        store.record(session, "user-added", actor, f"user:{name}", role=role.value)
        return _model(row)


def set_password(store: Store, name: str, password: str, *, actor: str) -> None:
    _check_password(password)
    with store.transaction() as session:
        row = _row(session, name)
        row.password_hash = _hasher.hash(password)
        row.generation += 1
        store.record(session, "user-password", actor, f"user:{name}")


def set_role(store: Store, name: str, role: Role, *, actor: str) -> None:
    """Change someone's role; never your own admin role away (a campaign must keep an admin
    who can pause it, and that is for another admin to decide)."""
    if name == actor and role is not Role.ADMIN:
        raise Conflict("you cannot take away your own admin role: ask another admin")
    with store.transaction() as session:
        row = _row(session, name)
        previous, row.role = row.role, role.value
        row.generation += 1
        store.record(
            session, "user-role", actor, f"user:{name}", role=role.value, previous=previous
        )


def remove_user(store: Store, name: str, *, actor: str) -> None:
    """Disabled, not deleted: the audit still names them. Their sessions and tokens end. Never
    yourself: ask another admin."""
    if name == actor:
        raise Conflict("you cannot remove yourself: ask another admin")
    with store.transaction() as session:
        row = _row(session, name)
        row.disabled = True
        row.generation += 1
        for token in session.execute(
            select(ApiTokenRow).where(ApiTokenRow.user_id == row.id)
        ).scalars():
            token.revoked_at = token.revoked_at or store.clock()
        store.record(session, "user-removed", actor, f"user:{name}")


def record_login(store: Store, kind: str, name: str, address: str, **details: object) -> None:
    """A login, a failed one or a lock-out, in the audit (the name as typed, bounded: it may
    be anything a stranger sent)."""
    who = storable_text(name[:100])
    with store.transaction() as session:
        store.record(session, kind, who, f"user:{who}", address=address[:100], **details)


def end_sessions(store: Store, name: str, *, actor: str) -> None:
    """End every session of the user (a logout): their next request must log in again."""
    with store.transaction() as session:
        row = _row(session, name)
        row.generation += 1
        store.record(session, "logout", actor, f"user:{name}")


def role_of(store: Store, name: str) -> Role | None:
    """The role of the dashboard user called `name`; None when there is none (or removed)."""
    with store.transaction() as session:
        row = session.execute(
            select(UserRow).where(UserRow.name == name, UserRow.disabled.is_(False))
        ).scalar_one_or_none()
        return Role(row.role) if row is not None else None


def list_users(store: Store) -> list[User]:
    with store.transaction() as session:
        rows = session.execute(
            select(UserRow).where(UserRow.disabled.is_(False)).order_by(UserRow.name)
        ).scalars()
        return [_model(r) for r in rows]


def authenticate(store: Store, name: str, password: str) -> User:
    """The user, if the password is theirs; AuthError with the same words otherwise."""
    with store.transaction() as session:
        row = session.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()
        stored = row.password_hash if row is not None and not row.disabled else _dummy_hash()
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise AuthError("wrong name or password") from None
        if row is None or row.disabled:
            raise AuthError("wrong name or password")
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        return _model(row)


def current_user(store: Store, user_id: int, generation: int) -> User | None:
    """The user a session names, if it is still valid (not removed, nothing changed since)."""
    with store.transaction() as session:
        row = session.get(UserRow, user_id)
        if row is None or row.disabled or row.generation != generation:
            return None
        return _model(row)


def create_token(store: Store, name: str, label: str, *, actor: str) -> str:
    """A new API token for the user; shown once, kept as its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as session:
        row = _row(session, name)
        session.add(
            ApiTokenRow(
                user_id=row.id,
                token_sha256=_digest(token),
                label=label,
                created_at=store.clock(),
            )
        )
        store.record(session, "token-created", actor, f"user:{name}", label=label)
    return token


def user_for_token(store: Store, token: str) -> User | None:
    with store.transaction() as session:
        found = session.execute(
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(
                ApiTokenRow.token_sha256 == _digest(token),
                ApiTokenRow.revoked_at.is_(None),
                UserRow.disabled.is_(False),
            )
        ).scalar_one_or_none()
        return _model(found) if found is not None else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row(session: Session, name: str) -> UserRow:
    row = session.execute(
        select(UserRow).where(UserRow.name == name, UserRow.disabled.is_(False))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"there is no user {name!r}")
    return row
