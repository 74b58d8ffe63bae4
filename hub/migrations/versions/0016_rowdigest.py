"""source_records.row_digest: the digest of the source row each record was last staged from, so an
extract counts a row it has seen before as unchanged without mapping and validating it (issue 15)

Empty for existing records: their next delivery takes the full path once and fills it.

Revision ID: 0016_rowdigest
Revises: 0015_reviewscale
Create Date: 2026-12-05 20:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_rowdigest"
down_revision = "0015_reviewscale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_digest", sa.String(length=130), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_records", schema=None) as batch_op:
        batch_op.drop_column("row_digest")
