"""Match results that leave the matching engine: one scored pair with its explanation."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.customer import RecordKey


class MatchDecision(StrEnum):
    MATCH = "match"  # auto-merge
    REVIEW = "review"  # a data steward decides
    DISTINCT = "distinct"


class FieldComparison(BaseModel):
    """How one field compared in one pair: the comparison level reached and the weight it added."""

    field: str
    level: str
    weight: float
    left: str | None = None
    right: str | None = None
    #: For a decision rule (``field == "rule"``): why it applied, in plain words for a steward.
    reason: str | None = None


class MatchPair(BaseModel):
    """A scored candidate pair; ``score`` is the match probability in [0, 1]."""

    left: RecordKey
    right: RecordKey
    score: float = Field(ge=0.0, le=1.0)
    decision: MatchDecision
    comparisons: list[FieldComparison] = Field(default_factory=list)
    reason: str | None = None
