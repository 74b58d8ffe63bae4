"""match_plan_clusters: a shard's cluster labels inserted as rows of their own instead of an UPDATE of
every planned record (hub.store.matchruns.MatchRunRepository.save_shard, issue 15)

The labels of a run still being matched are carried over, and back on a downgrade.

Revision ID: 0019_planclusters
Revises: 0018_planpaircolumns
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_planclusters"
down_revision = "0018_planpaircolumns"
branch_labels = None
depends_on = None

KEY = ("run_id", "source_system", "source_id")


def _table(name: str) -> sa.TableClause:
    texts = (sa.column(n, sa.String()) for n in (*KEY, "cluster"))
    return sa.table(name, *texts, sa.column("shard", sa.Integer()))


def _tables() -> tuple[sa.TableClause, sa.TableClause]:
    return _table("match_plan"), _table("match_plan_clusters")


def upgrade() -> None:
    op.create_table(
        "match_plan_clusters",
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=128), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("cluster", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    op.create_index("ix_match_plan_clusters_shard", "match_plan_clusters", ["run_id", "shard"], unique=False)
    plan, clusters = _tables()
    labelled = sa.select(*(plan.c[n] for n in (*KEY, "shard", "cluster"))).where(plan.c.cluster.is_not(None))
    op.execute(clusters.insert().from_select([*KEY, "shard", "cluster"], labelled))
    with op.batch_alter_table("match_plan", schema=None) as batch_op:
        batch_op.drop_column("cluster")


def downgrade() -> None:
    with op.batch_alter_table("match_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cluster", sa.String(length=64), nullable=True))
    plan, clusters = _tables()
    label = (
        sa.select(clusters.c.cluster)
        .where(*(clusters.c[n] == plan.c[n] for n in KEY))
        .scalar_subquery()
    )
    op.execute(plan.update().values(cluster=label))
    op.drop_index("ix_match_plan_clusters_shard", table_name="match_plan_clusters")
    op.drop_table("match_plan_clusters")
