"""steward decisions: where their records ended up, and who took them back when (the history)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("steward_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("golden_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("undone_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("steward_decisions", schema=None) as batch_op:
        batch_op.drop_column("undone_at")
        batch_op.drop_column("undone_by")
        batch_op.drop_column("golden_ids")
