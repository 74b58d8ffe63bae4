"""webhook inbox: changes a source announced by webhook, read by its next sync

Revision ID: 0014_shopgql
Revises: 0013_review
Create Date: 2026-12-05 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_shopgql"
down_revision = "0013_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_source_changes",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pending_source_changes_source_system", "pending_source_changes", ["source_system"])


def downgrade() -> None:
    op.drop_index("ix_pending_source_changes_source_system", table_name="pending_source_changes")
    op.drop_table("pending_source_changes")
