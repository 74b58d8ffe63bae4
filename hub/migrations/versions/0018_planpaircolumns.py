"""match_plan_pairs: a pair's own columns instead of one JSON document, so that a run's write copies
its pairs to match_pairs in one INSERT ... SELECT (hub.store.matchruns.PlanPairs, issue 15)

The pairs of a run still being matched are carried over, column by column.

Revision ID: 0018_planpaircolumns
Revises: 0017_featurecache
Create Date: 2026-12-06 21:30:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018_planpaircolumns"
down_revision = "0017_featurecache"
branch_labels = None
depends_on = None

COLUMNS: list[tuple[str, Any]] = [
    ("left_system", sa.String(length=64)),
    ("left_id", sa.String(length=128)),
    ("right_system", sa.String(length=64)),
    ("right_id", sa.String(length=128)),
    ("score", sa.Float()),
    ("decision", sa.String(length=16)),
    ("explanation", sa.JSON()),
]
CHUNK = 5_000


def _table() -> sa.TableClause:
    return sa.table(
        "match_plan_pairs",
        sa.column("id", sa.Integer()),
        sa.column("pair", sa.JSON()),
        *(sa.column(name, type_) for name, type_ in COLUMNS),
    )


def _update_by_id(table: sa.TableClause, values: list[dict[str, Any]], **columns: Any) -> None:
    statement = table.update().where(table.c.id == sa.bindparam("b_id")).values(**columns)
    for start in range(0, len(values), CHUNK):
        op.get_bind().execute(statement, values[start : start + CHUNK])


def upgrade() -> None:
    with op.batch_alter_table("match_plan_pairs", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    table = _table()
    rows = op.get_bind().execute(sa.select(table.c.id, table.c.pair)).all()
    values = [{"b_id": i, **{f"b_{name}": pair.get(name) for name, _ in COLUMNS}} for i, pair in rows]
    _update_by_id(table, values, **{name: sa.bindparam(f"b_{name}", type_=type_) for name, type_ in COLUMNS})
    with op.batch_alter_table("match_plan_pairs", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.drop_column("pair")


def downgrade() -> None:
    with op.batch_alter_table("match_plan_pairs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pair", sa.JSON(), nullable=True))
    table = _table()
    rows = op.get_bind().execute(sa.select(table.c.id, *(table.c[name] for name, _ in COLUMNS))).all()
    names = [name for name, _ in COLUMNS]
    values = [{"b_id": row[0], "b_pair": dict(zip(names, row[1:], strict=True))} for row in rows]
    _update_by_id(table, values, pair=sa.bindparam("b_pair", type_=sa.JSON()))
    with op.batch_alter_table("match_plan_pairs", schema=None) as batch_op:
        batch_op.alter_column("pair", existing_type=sa.JSON(), nullable=False)
        for name, _ in COLUMNS:
            batch_op.drop_column(name)
