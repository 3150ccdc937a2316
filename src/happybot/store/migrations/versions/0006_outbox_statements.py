"""the outbox also carries statements in the brand's own name (holding statements during an
incident): a kind, their words, their incident, and no post

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("post_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="reply")
        )
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("incident_id")
        batch.drop_column("text")
        batch.drop_column("kind")
        batch.alter_column("post_id", existing_type=sa.Integer(), nullable=False)
