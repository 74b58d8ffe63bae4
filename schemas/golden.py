"""The golden record: one real customer, merged from all its source records, with lineage."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from schemas.customer import CustomerFields, RecordKey


class SourceRef(BaseModel):
    """A source record that belongs to this golden record."""

    source_system: str
    source_id: str

    @property
    def key(self) -> RecordKey:
        return RecordKey(self.source_system, self.source_id)


class FieldLineage(BaseModel):
    """Where a golden field's value came from and which rule chose it, with the values it beat."""

    field: str
    value: Any
    source: SourceRef | None
    rule: str
    competing: list[dict[str, Any]] = Field(default_factory=list)


class GoldenRecord(CustomerFields):
    """The best-known version of one customer; ``golden_id`` is stable across runs."""

    golden_id: str
    sources: list[SourceRef] = Field(default_factory=list)
    lineage: dict[str, FieldLineage] = Field(default_factory=dict)
