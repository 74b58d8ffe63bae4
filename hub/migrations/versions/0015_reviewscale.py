"""review items: the review queue as a maintained, indexed table (keyset paging at 1M golden records);
indexes for the pairs of a record and for search by a source id

The tables start empty: :func:`hub.review_items.ensure_built` fills them from the open review pairs the
first time the queue is read (and again whenever the review band changes), so this migration stays
independent of the application code.

Revision ID: 0015_reviewscale
Revises: 0014_shopgql
Create Date: 2026-12-05 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_reviewscale"
down_revision = "0014_shopgql"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_match_pairs_left", ["left_system", "left_id"], unique=False)
        batch_op.create_index("ix_match_pairs_right", ["right_system", "right_id"], unique=False)
    op.create_index("ix_cross_references_source_id", "cross_references", ["source_id"])  # search by id
    op.create_table(
        "review_items",
        sa.Column("a", sa.String(64), primary_key=True),
        sa.Column("b", sa.String(64), primary_key=True),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
    )
    op.create_index("ix_review_items_order", "review_items", ["distance", "a", "b"])
    op.create_index("ix_review_items_band", "review_items", ["band", "distance", "a", "b"])
    op.create_index("ix_review_items_b", "review_items", ["b"])
    op.create_table(
        "review_item_sources",
        sa.Column("a", sa.String(64), primary_key=True),
        sa.Column("b", sa.String(64), primary_key=True),
        sa.Column("source_system", sa.String(64), primary_key=True),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
    )
    op.create_index(
        "ix_review_item_sources_order", "review_item_sources", ["source_system", "distance", "a", "b"]
    )
    op.create_index(
        "ix_review_item_sources_band", "review_item_sources", ["source_system", "band", "distance", "a", "b"]
    )
    op.create_index("ix_review_item_sources_b", "review_item_sources", ["b"])


def downgrade() -> None:
    op.drop_table("review_item_sources")
    op.drop_table("review_items")
    op.drop_index("ix_cross_references_source_id", table_name="cross_references")
    with op.batch_alter_table("match_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_match_pairs_right")
        batch_op.drop_index("ix_match_pairs_left")
