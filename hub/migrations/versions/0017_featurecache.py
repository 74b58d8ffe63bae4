"""match_feature_cache: the last plan's normalised features, so an incremental plan normalises only
the records new or changed since (hub.feature_cache, issue 15)

Empty at first: the next plan normalises every record once and fills it.

Revision ID: 0017_featurecache
Revises: 0016_rowdigest
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_featurecache"
down_revision = "0016_rowdigest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_feature_cache",
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("part"),
    )


def downgrade() -> None:
    op.drop_table("match_feature_cache")
