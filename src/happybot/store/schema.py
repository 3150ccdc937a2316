"""The tables. Alembic migrations (store/migrations) create them; a test checks the two agree.

Post content lives in `posts` (and can be erased); the audit chain references it by hash only.
Ground truth lives in its own table that no screen is given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# ids are 64-bit integers in both databases: a larger number names no row
MAX_ID = 2**63 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class PostRow(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger_key: Mapped[str] = mapped_column(String(400), unique=True)
    platform: Mapped[str] = mapped_column(String(50))
    author_handle: Mapped[str] = mapped_column(String(300), index=True)
    parent_key: Mapped[str | None] = mapped_column(String(400))
    trigger_json: Mapped[str] = mapped_column(Text)
    canonical_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # received -> review | rejected | queued | skipped -> published | failed -> retracted
    state: Mapped[str] = mapped_column(String(20), index=True)
    # a received post claimed by one worker (store/processes.py names them) until then
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FindingRow(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # input | output
    screen: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100))
    risk: Mapped[float] = mapped_column(Float)
    target: Mapped[str] = mapped_column(String(40))
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    why: Mapped[str] = mapped_column(Text)


class DecisionRow(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # input | output | human
    decision: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[str] = mapped_column(Text)  # JSON list
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArtworkRow(Base):
    __tablename__ = "artworks"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    png: Mapped[bytes] = mapped_column(LargeBinary)
    alt_text: Mapped[str] = mapped_column(Text)
    shape: Mapped[str] = mapped_column(String(40))
    rows: Mapped[str] = mapped_column(Text)  # JSON list of the picture's text rows
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    reply_text: Mapped[str] = mapped_column(Text)


class ReviewActionRow(Base):
    __tablename__ = "review_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # approve | reject
    reviewer: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    picture_sha256: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # a reply's post; None for a statement in the brand's own name
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default="reply", server_default="reply")
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # a statement's words
    incident_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # one reply per parent post as well as per trigger
    parent_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    picture_sha256: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(200))  # None: autopilot
    # pending -> sending -> sent -> retracted; failed
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # a process id
    remote_ref: Mapped[str | None] = mapped_column(Text)
    remote_url: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class DeadLetterRow(Base):
    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(400))
    position: Mapped[str] = mapped_column(String(100))
    raw: Mapped[str] = mapped_column(Text)  # at most DEAD_LETTER_PREFIX characters of it
    error: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the whole item's hash and length: a 200 MB line must not become a 200 MB row
    raw_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    raw_length: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OptOutRow(Base):
    """A person who turned the bot away: no reply to them again, in any later run."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("platform", "account"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(50))
    account: Mapped[str] = mapped_column(String(300))  # the network's id, else the handle
    handle: Mapped[str] = mapped_column(String(300), index=True)
    how: Mapped[str] = mapped_column(String(20))  # stop | block | list | reviewer
    ref: Mapped[str | None] = mapped_column(String(400))  # the post or record that said so
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(200))


class GroundTruthRow(Base):
    """Kept apart from posts; read only by scoring (demo, redteam, eval)."""

    __tablename__ = "ground_truth"
    trigger_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    expected: Mapped[str] = mapped_column(String(20))  # publish | hold
    scenario: Mapped[str | None] = mapped_column(String(100))


class SettingRow(Base):
    """Live campaign state such as the mode; changed only through audited functions."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(200))


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ProcessRow(Base):
    """A running happybot process (run, listener, worker): who it is, where, and when it last
    said it was alive. A claim whose process is gone is taken over without waiting its lease."""

    __tablename__ = "processes"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # run | listener | standby | worker
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    how: Mapped[str | None] = mapped_column(String(20), nullable=True)  # stopped | died
    detail: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON counts


class CursorRow(Base):
    __tablename__ = "cursors"
    source: Mapped[str] = mapped_column(String(400), primary_key=True)
    cursor: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Append-only; each entry's hash is keyed over the previous one's."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(400))
    payload: Mapped[str] = mapped_column(Text)  # JSON; content by hash only
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """One row, locked by every append, so that concurrent workers extend one chain."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    # which key made the chain (a keyed hash of a fixed text, never the key): a wrong key is
    # then told apart from tampering
    key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)


class UserRow(Base):
    """A person who uses the dashboard; the password only as an Argon2 hash."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # viewer | reviewer | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # bumped when the password or role changes or the user is removed: old sessions end
    generation: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiTokenRow(Base):
    """A token for scripts, acting as its user; stored as its SHA-256 only."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewClaimRow(Base):
    """Who is deciding a post, until when: two reviewers never decide the same post."""

    __tablename__ = "review_claims"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_by: Mapped[str | None] = mapped_column(String(200))  # only an admin decides it
