"""search keys: any spelling of a customer finds them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 05:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_keys",
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.PrimaryKeyConstraint("source_system", "source_id", "key"),
    )
    with op.batch_alter_table("search_keys", schema=None) as batch_op:
        batch_op.create_index("ix_search_keys_key", ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("search_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_search_keys_key")
    op.drop_table("search_keys")
