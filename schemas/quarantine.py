"""A source record that could not be turned into a canonical record, kept with the reason."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError


class QuarantinedRecord(BaseModel):
    source_system: str
    source_id: str | None
    reason: str
    payload: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_error(
        cls, source_system: str, source_id: str | None, error: Exception, payload: dict[str, Any]
    ) -> QuarantinedRecord:
        return cls(
            source_system=source_system, source_id=source_id, reason=describe_error(error), payload=payload
        )


def describe_error(error: Exception) -> str:
    """One line a steward can read: which field, what was wrong."""
    if isinstance(error, ValidationError):
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"]) or "record"
            parts.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
        return "; ".join(parts)
    return f"{type(error).__name__}: {error}"
