"""Explanations: for every scored pair, which level each field reached, the weight it added, the values.

Stewards read these in the review queue and auditors read them after a wrong merge, so they carry the
values as the source wrote them (not the transliterated keys) next to the level and weight.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from matching.compare import Comparison, PairContext
from schemas import FieldComparison


def _display(ctx: PairContext, column: str) -> tuple[pl.Series, pl.Series]:
    values = ctx.features[column]
    if values.dtype == pl.List(pl.Utf8):
        values = values.list.join(";").replace("", None)
    return values.gather(ctx.left), values.gather(ctx.right)


def explanation_column(
    ctx: PairContext,
    levels: np.ndarray,
    weights: np.ndarray,
    comparisons: tuple[Comparison, ...],
    extra: pl.Series | None = None,
) -> pl.Series:
    """Utf8 JSON list per pair: ``[{field, level, weight, left, right}, ...]`` plus ``extra`` rules."""
    parts = []
    for i, comparison in enumerate(comparisons):
        left, right = _display(ctx, comparison.display)
        level_names = pl.Series(comparison.levels, dtype=pl.Utf8)
        frame = pl.DataFrame(
            {
                "field": pl.Series([comparison.name] * len(ctx), dtype=pl.Utf8),
                "level": level_names.gather(levels[:, i].astype(np.int64)),
                "weight": pl.Series(np.round(weights[:, i], 3), dtype=pl.Float64),
                "left": left,
                "right": right,
            }
        )
        parts.append(frame.select(pl.struct(pl.all()).struct.json_encode().alias(comparison.name)))
    columns = [p.to_series() for p in parts]
    if extra is not None:
        columns.append(extra)
    joined = pl.DataFrame(columns).select(pl.concat_str(pl.all(), separator=",", ignore_nulls=True))
    return ("[" + joined.to_series() + "]").alias("explanation")


def rule_entry(rule: str, applies: np.ndarray) -> pl.Series:
    """A JSON entry for pairs a decision rule changed (null elsewhere, so it is left out)."""
    entry = json.dumps({"field": "rule", "level": rule, "weight": 0.0, "left": None, "right": None})
    return (
        pl.select(pl.when(pl.Series(applies, dtype=pl.Boolean)).then(pl.lit(entry))).to_series().alias(rule)
    )


def field_comparisons(explanation: str) -> list[FieldComparison]:
    return [FieldComparison.model_validate(item) for item in json.loads(explanation)]
