"""parked pushes: values a source cannot hold, left out of the push with the reason

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parked_pushes",
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("golden_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_system", "source_id"),
    )
    with op.batch_alter_table("parked_pushes", schema=None) as batch_op:
        batch_op.create_index("ix_parked_pushes_golden_id", ["golden_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parked_pushes", schema=None) as batch_op:
        batch_op.drop_index("ix_parked_pushes_golden_id")
    op.drop_table("parked_pushes")
