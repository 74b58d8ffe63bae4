"""Decisions of data stewards: constraints that every later matching run honours."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from schemas.customer import RecordKey


class DecisionKind(StrEnum):
    SAME = "same"  # force these two source records into one golden record
    NOT_SAME = "not_same"  # never merge these two again
    FIELD_OVERRIDE = "field_override"  # this golden field has this value, whatever the sources say
    UNMERGE = "unmerge"  # take this source record out of its golden record


class StewardDecision(BaseModel):
    kind: DecisionKind
    left: RecordKey | None = None
    right: RecordKey | None = None
    golden_id: str | None = None
    field: str | None = None
    value: Any = None
    user: str
    comment: str | None = None
    decided_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @model_validator(mode="after")
    def _complete(self) -> StewardDecision:
        needs = {
            DecisionKind.SAME: ("left", "right"),
            DecisionKind.NOT_SAME: ("left", "right"),
            DecisionKind.FIELD_OVERRIDE: ("golden_id", "field"),
            DecisionKind.UNMERGE: ("left",),
        }[self.kind]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind.value!r} decision needs {', '.join(missing)}")
        return self
