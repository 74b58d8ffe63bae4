"""review clusters: index open review pairs by score (band filter of the review queue in SQL)

Revision ID: 0013_review
Revises: 0012_quarantine
Create Date: 2026-12-05 10:40:00
"""

from alembic import op

revision = "0013_review"
down_revision = "0012_quarantine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_match_pairs_decision_score", ["decision", "score"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_pairs", schema=None) as batch_op:
        batch_op.drop_index("ix_match_pairs_decision_score")
