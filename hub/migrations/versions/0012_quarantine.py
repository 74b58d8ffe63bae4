"""quarantine workflow: one entry per source row (count, last seen), status and history

Revision ID: 0012_quarantine
Revises: 0011
Create Date: 2026-12-05 10:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_quarantine"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("seen_count", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="open"))
        batch_op.add_column(sa.Column("history", sa.JSON(), nullable=True))
    # Rows quarantined before this revision keep one entry each (their payload hash is not known here).
    op.execute("UPDATE quarantine SET entry_key = 'row:' || id, last_seen_at = created_at")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index("ux_quarantine_entry", ["source_system", "entry_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ux_quarantine_entry")
        for column in ("history", "status", "last_seen_at", "seen_count", "entry_key"):
            batch_op.drop_column(column)
