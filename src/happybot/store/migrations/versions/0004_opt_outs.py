"""people who turned the bot away (a stop, a block, the opt-out list, a reviewer)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opt_outs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(length=50), nullable=False),
        sa.Column("account", sa.String(length=300), nullable=False),
        sa.Column("handle", sa.String(length=300), nullable=False),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=400), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.UniqueConstraint("platform", "account"),
    )
    op.create_index("ix_opt_outs_handle", "opt_outs", ["handle"])


def downgrade() -> None:
    op.drop_index("ix_opt_outs_handle", table_name="opt_outs")
    op.drop_table("opt_outs")
