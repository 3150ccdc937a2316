"""dead letters keep a bounded prefix with the whole line's hash and length; the audit head
remembers which key made the chain

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 09:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("raw_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("raw_length", sa.Integer(), nullable=True))
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("key_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("key_fingerprint")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("raw_length")
        batch.drop_column("raw_sha256")
