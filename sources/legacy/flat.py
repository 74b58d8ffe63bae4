"""Reading the shared flat record format (generator / seeding rows) for the legacy systems' seeders.

Seeding stores values the way an old system would: dates re-formatted into its text conventions,
everything else verbatim — including malformed values, which the connectors must then quarantine.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime


def value(row: Mapping[str, str | None], key: str) -> str | None:
    """The row's value, ``None`` when missing or blank (the flat format's "unknown")."""
    text = row.get(key)
    return text.strip() if text and text.strip() else None


def iso_date(text: str | None) -> date | None:
    """An ISO date, or ``None`` when the text is not one (the caller then keeps the text verbatim)."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def utc_timestamp(text: str | None) -> datetime | None:
    """ISO timestamp as naive UTC, the way legacy systems store time without a zone."""
    if not text:
        return None
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
