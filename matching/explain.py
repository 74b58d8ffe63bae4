"""Explanations: for a scored pair, which level each field reached, the weight it added, the values.

Stewards read these in the review queue and auditors read them after a wrong merge, so they carry the
values as the source wrote them (not the transliterated keys) next to the level and weight.

They are built lazily, chunk by chunk, from compact arrays kept by the result (a level code and a
weight per field and pair, a rule bit mask, the display columns once per record): a JSON string per
pair was ~820 bytes, which for the ~2.5M match/review pairs of a million records is more memory than
the whole matching run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from matching.compare import Comparison
from matching.rules import reason


def rule_entry(rule: str) -> dict[str, Any]:
    return {"field": "rule", "level": rule, "weight": 0.0, "left": None, "right": None}


def with_reasons(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The explanation with each rule entry's plain-language reason (``matching.rules``) added.

    Reasons are looked up when a person reads the pair rather than stored with it: a million records
    have millions of stored explanations, and a reworded reason then reaches old pairs too.
    """
    return [{**e, "reason": reason(e["level"])} if e.get("field") == "rule" else dict(e) for e in entries]


def display_frame(features: pl.DataFrame, comparisons: Sequence[Comparison]) -> pl.DataFrame:
    """Per record, the values shown next to each comparison (lists joined with ';')."""
    columns = dict.fromkeys(c.display for c in comparisons)
    exprs = []
    for column in columns:
        expr = pl.col(column)
        if features.schema[column] == pl.List(pl.Utf8):
            expr = expr.list.join(";").replace("", None)
        exprs.append(expr.alias(column))
    return features.select(exprs)


#: One comparison's part of the explanations of some pairs: name, levels, weights, left and right values.
FieldColumns = tuple[str, pl.Series, np.ndarray, pl.Series, pl.Series]


@dataclass
class Explainer:
    """What is needed to explain any scored pair later: compact per pair, display values per record."""

    comparisons: tuple[Comparison, ...]
    display: pl.DataFrame
    left: np.ndarray
    right: np.ndarray
    #: pairs x comparisons, the level index reached
    levels: np.ndarray
    #: pairs x comparisons, the match weight added (term-frequency adjustment included)
    weights: np.ndarray
    #: Per pair, the bit mask of the outcomes and rules that applied (see ``matching.decide``) ...
    rules: np.ndarray
    #: ... and the name of each bit.
    rule_names: tuple[str, ...]

    def explanations(self, rows: np.ndarray) -> Iterator[list[dict[str, Any]]]:
        """One explanation list per pair index in ``rows``: a dict per field, then the rules that applied."""
        per_field = [
            (name, levels.to_list(), weights.tolist(), left.to_list(), right.to_list())
            for name, levels, weights, left, right in self._field_columns(rows)
        ]
        bits = self.rules[rows].tolist()
        for j in range(len(rows)):
            entries = [
                {"field": name, "level": lv[j], "weight": w[j], "left": a[j], "right": b[j]}
                for name, lv, w, a, b in per_field
            ]
            if bits[j]:
                entries += self._rule_entries(bits[j])
            yield entries

    def explanation_texts(self, rows: np.ndarray) -> pl.Series:
        """``explanations(rows)`` as JSON text, a string per pair, built a column at a time: what the
        hub stores. Compact, UTF-8 as it is, keys in the same order -- the text the store's codec
        (orjson) writes for the lists (a test compares them). A dict per field and pair, encoded one by
        one, was 1.8 of the 4.1 s a 100k-record shard took on one core."""
        fields = [
            pl.DataFrame({"level": levels, "weight": weights, "left": left, "right": right})
            .select(pl.struct(pl.lit(name).alias("field"), pl.all()).struct.json_encode())
            .to_series()
            for name, levels, weights, left, right in self._field_columns(rows)
        ]
        bits = pl.Series("bits", self.rules[rows], dtype=pl.UInt64)
        masks = bits.unique().to_list()
        tails = [self._rules_text(mask, lead="," if fields else "") for mask in masks]
        rules = bits.replace_strict(masks, tails, return_dtype=pl.Utf8)
        body = pl.concat_str(fields, separator=",") if fields else pl.lit("")
        texts = pl.select(pl.concat_str([pl.lit("["), body, rules, pl.lit("]")]))
        return texts.to_series().alias("explanation")

    def _field_columns(self, rows: np.ndarray) -> Iterator[FieldColumns]:
        """Per comparison, for the pairs ``rows``: its name, the level reached, the weight (rounded to
        three places) and the two records' displayed values."""
        left, right = self.left[rows], self.right[rows]
        for i, comparison in enumerate(self.comparisons):
            values = self.display[comparison.display]
            yield (
                comparison.name,
                pl.Series(comparison.levels, dtype=pl.Utf8).gather(self.levels[rows, i]),
                np.round(self.weights[rows, i].astype(np.float64), 3),
                values.gather(left),
                values.gather(right),
            )

    def _rule_entries(self, mask: int) -> list[dict[str, Any]]:
        """The entries of the rules whose bits are set in ``mask``, in bit order."""
        return [rule_entry(rule) for k, rule in enumerate(self.rule_names) if mask >> k & 1]

    def _rules_text(self, mask: int, lead: str) -> str:
        """The rule entries of a bit mask as JSON list items (``lead`` before them, if any)."""
        items = ",".join(json.dumps(e, separators=(",", ":")) for e in self._rule_entries(mask))
        return lead + items if items else ""
