"""an incident remembers who acknowledged it, and when (an unacknowledged one pauses the
campaign after a while)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
