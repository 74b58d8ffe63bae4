"""A frozen, steward-readable matching model: everything the scores depend on that was learnt from data.

The hub trains it once (``matching.train_model``) and then matches new or changed records with it, so
that a pair's score depends only on the two records and this model — never on which other records
happened to be in the batch. That is what makes incremental re-matching of candidate components give the
same answer as a full run, and what lets a steward read why a field weighs what it weighs.

JSON shape (``to_json``)::

    {"version": 1, "trained_on_records": 10000, "match_rate": 0.1, "em_iterations": 0,
     "comparisons": [{"name": "name", "levels": [{"level": "exact", "m": 0.75, "u": 0.0005,
                                                  "weight": 10.55}, ...]}, ...],
     "term_frequencies": {"name": {"column": "any_name_key", "records": 10000,
                                   "counts": {"nguyen van anh": 41, ...}}},
     "twin_share": 0.16,
     "fingerprint": {"engine_code": "3f2a...", "rules": "9c1e...", "thresholds": "...", ...}}
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from matching.compare import Comparison
from matching.households import twin_share
from matching.labels import Calibration
from matching.score import TF_MAX_ADJUSTMENT, FSModel

MODEL_VERSION = 1


class ModelMismatchError(ValueError):
    """The model was trained for other comparisons or levels than the engine now uses."""


class LevelParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: str
    #: P(level | same customer)
    m: float = Field(gt=0, le=1)
    #: P(level | different customers)
    u: float = Field(gt=0, le=1)
    #: log2(m/u), the evidence this level adds; derived, kept for readers of the JSON.
    weight: float = 0.0

    @model_validator(mode="after")
    def _derived_weight(self) -> LevelParams:
        self.weight = round(float(np.log2(self.m / self.u)), 4)
        return self


class ComparisonParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    #: Levels 1..n in order (the "null" level carries no evidence and is not listed).
    levels: list[LevelParams]


class TermFrequencies(BaseModel):
    """How many training records carried each value of ``column``.

    Only values seen at least twice and common enough to change the clamped adjustment are stored;
    any other value counts as seen once (``1 / records``), which is what it was in training.
    """

    model_config = ConfigDict(extra="forbid")

    column: str
    records: int = Field(ge=1)
    counts: dict[str, int] = Field(default_factory=dict)

    def frequencies(self, values: pl.Series) -> np.ndarray:
        """Per value, its training frequency (1.0 for null: no adjustment is ever applied there)."""
        if self.counts:
            keys = pl.Series(list(self.counts), dtype=pl.Utf8)
            counts = pl.Series(list(self.counts.values()), dtype=pl.Float64)
            seen = values.replace_strict(keys, counts, default=1.0, return_dtype=pl.Float64)
        else:
            seen = pl.Series([1.0] * len(values), dtype=pl.Float64)
        freq = (seen / self.records).to_numpy().copy()
        freq[values.is_null().to_numpy()] = 1.0
        return freq


class MatchModel(BaseModel):
    """Fellegi–Sunter parameters plus term-frequency tables; see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    version: int = MODEL_VERSION
    trained_on_records: int = 0
    #: Prior probability that a candidate pair is a match.
    match_rate: float = Field(gt=0, lt=1)
    em_iterations: int = 0
    comparisons: list[ComparisonParams]
    #: comparison name -> frequencies of its exact-level values (common names are weaker evidence).
    term_frequencies: dict[str, TermFrequencies] = Field(default_factory=dict)
    #: Upper bound of the share of twin-like pairs that are twins (``matching.households``); a model
    #: stored before it existed reads 1.0, the conservative value.
    twin_share: float = Field(default=1.0, ge=0, le=1)
    #: What decided the matches this model was trained for (``matching.fingerprint``): part -> hash.
    #: Empty in a model stored before fingerprints, which therefore differs from every engine.
    fingerprint: dict[str, str] = Field(default_factory=dict)
    #: What steward labels taught this model (``matching.labels``); ``None`` when trained without any.
    calibration: Calibration | None = None

    def thresholds(self, match: float, review: float) -> tuple[float, float]:
        """The (match, review) thresholds to decide with: calibrated by steward labels where they were
        enough, else the configured ones."""
        if self.calibration is None or self.calibration.match_threshold is None:
            return match, review
        return self.calibration.match_threshold, self.calibration.review_threshold or review

    # --- serialisation ---------------------------------------------------------------------------------

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> MatchModel:
        return cls.model_validate_json(text)

    # --- conversion to and from the estimation arrays -----------------------------------------------------

    @classmethod
    def from_estimates(cls, fs: FSModel, features: pl.DataFrame) -> MatchModel:
        comparisons = [
            ComparisonParams(
                name=c.name,
                levels=[
                    LevelParams(level=level, m=float(m[i]), u=float(u[i]))
                    for i, level in enumerate(c.levels)
                    if i
                ],
            )
            for c, m, u in zip(fs.comparisons, fs.m, fs.u, strict=True)
        ]
        tables = {
            c.name: _term_frequencies(features, c.tf_column, float(u[1]))
            for c, u in zip(fs.comparisons, fs.u, strict=True)
            if c.tf_column
        }
        return cls(
            trained_on_records=features.height,
            match_rate=fs.match_rate,
            em_iterations=fs.em_iterations,
            comparisons=comparisons,
            term_frequencies=tables,
            twin_share=twin_share(features),
        )

    def estimates(self, comparisons: tuple[Comparison, ...]) -> FSModel:
        """The model as arrays for ``comparisons``; refuses a model trained for other fields/levels."""
        by_name = {c.name: c for c in self.comparisons}
        m, u = [], []
        for comparison in comparisons:
            params = by_name.get(comparison.name)
            if params is None or [lv.level for lv in params.levels] != list(comparison.levels[1:]):
                trained = [lv.level for lv in params.levels] if params else None
                raise ModelMismatchError(
                    f"model has no parameters for comparison {comparison.name!r} with levels "
                    f"{list(comparison.levels[1:])} (model has {trained}); retrain the model"
                )
            m.append(np.array([1.0, *(lv.m for lv in params.levels)]))
            u.append(np.array([1.0, *(lv.u for lv in params.levels)]))
        return FSModel(comparisons, m, u, match_rate=self.match_rate, em_iterations=self.em_iterations)

    def record_frequencies(
        self, features: pl.DataFrame, comparisons: tuple[Comparison, ...]
    ) -> dict[str, np.ndarray]:
        """comparison name -> per-record frequency of its TF column's value, from the frozen tables."""
        out = {}
        for comparison in comparisons:
            table = self.term_frequencies.get(comparison.name)
            if comparison.tf_column and table is not None:
                out[comparison.name] = table.frequencies(features[table.column])
        return out


def _term_frequencies(features: pl.DataFrame, column: str, u_exact: float) -> TermFrequencies:
    """Counts of the values whose frequency still changes the clamped TF adjustment.

    A value seen once has frequency ``1/records``, the default for unknown values; a value so rare that
    ``log2(u_exact / freq)`` is clamped at ``+TF_MAX_ADJUSTMENT`` behaves like any rarer value. Leaving
    both out keeps the JSON small (a million records have hundreds of thousands of distinct names).
    """
    records = max(features.height, 1)
    min_count = max(2, int(np.ceil(u_exact / 2**TF_MAX_ADJUSTMENT * records)))
    counts = (
        features.select(pl.col(column).drop_nulls().value_counts(sort=True))
        .unnest(column)
        .filter(pl.col("count") >= min_count)
    )
    return TermFrequencies(
        column=column,
        records=records,
        counts=dict(zip(counts[column].to_list(), counts["count"].to_list(), strict=True)),
    )
