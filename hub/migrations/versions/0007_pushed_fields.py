"""pushed fields: what the hub wrote to each source record, so its echo is no change

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cross_references", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pushed_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cross_references", schema=None) as batch_op:
        batch_op.drop_column("pushed_fields")
