"""The golden record: one real customer, merged from all its source records, with lineage."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from schemas.customer import Address, RecordKey, RecordType


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


class GoldenRecord(BaseModel):
    """The best-known version of one customer; ``golden_id`` is stable across runs."""

    golden_id: str
    record_type: RecordType = "person"
    given_name: str | None = None
    family_name: str | None = None
    full_name: str | None = None
    organization_name: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    addresses: list[Address] = Field(default_factory=list)
    country: str | None = None
    date_of_birth: date | None = None
    tax_id: str | None = None
    updated_at: datetime | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    lineage: dict[str, FieldLineage] = Field(default_factory=dict)

    @property
    def display_name(self) -> str:
        if self.record_type == "organization" and self.organization_name:
            return self.organization_name
        return self.full_name or " ".join(p for p in (self.given_name, self.family_name) if p)
