"""Timestamps the local systems receive (seed rows, API filters) as naive UTC, the way they store them."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc(value: str) -> datetime | None:
    """ISO 8601 (naive = UTC, or with an offset or "Z") -> naive UTC datetime; ``None`` when unparsable."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
