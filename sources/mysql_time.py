"""Datetimes as the MySQL-backed CRMs (SuiteCRM, vTiger) store them: ``YYYY-MM-DD HH:MM:SS`` in UTC.

A value MySQL could not hold becomes its zero date, which the local systems keep on purpose: the
connectors must quarantine it, as they would against the real systems.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sources.timestamps import parse_utc

DB_FORMAT = "%Y-%m-%d %H:%M:%S"
ZERO_DATE = "0000-00-00 00:00:00"


def now_db() -> str:
    return datetime.now(UTC).strftime(DB_FORMAT)


def db_datetime(value: str) -> str:
    """ISO 8601 (naive = UTC) -> stored format; unparsable -> MySQL's zero date; empty -> now."""
    if not value.strip():
        return now_db()
    parsed = parse_utc(value)
    return ZERO_DATE if parsed is None else parsed.strftime(DB_FORMAT)
