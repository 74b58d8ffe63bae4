"""Rows that a SOAP service could not transmit intact.

XML 1.0 cannot carry control characters, so services that hold them in old data (the local ERP,
Salesforce imports) send U+FFFD REPLACEMENT CHARACTER instead. The stored value is then unknown, and
such a record must be quarantined rather than matched on what arrived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def replacement_damage(row: Mapping[str, Any], system: str) -> str | None:
    """The quarantine reason for a row holding U+FFFD in any top-level text field, else ``None``."""
    damaged = [name for name, value in row.items() if isinstance(value, str) and "\ufffd" in value]
    if not damaged:
        return None
    return (
        f"{', '.join(damaged)}: holds characters {system} could not send (U+FFFD in place of control "
        f"characters); fix the record in {system}"
    )
