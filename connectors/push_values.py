"""Canonical push-back values -> one value per source field, shared by the Odoo and Shopify connectors.

``FieldMapping.to_source`` gives every source field mapped onto a list target (``phone`` *and*
``mobile`` -> ``phones``) the list's primary value; writing that back would copy the phone into the
mobile field. Here only the first such source field (in mapping order) keeps the value, and dates
become ISO text so values compare equal to what the system stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from connectors.mapping import LIST_FIELDS, FieldMapping


def desired_values(mapping: FieldMapping, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``{source_field: value}`` to push: empty values dropped (the hub never erases what a system knows)."""
    desired = mapping.to_source(fields)
    seen: set[str] = set()
    for source_field, target in mapping.mapping.items():
        if target in LIST_FIELDS and source_field in desired:
            if LIST_FIELDS[target] in seen:
                desired.pop(source_field)
            seen.add(LIST_FIELDS[target])
    return {key: as_text(value) for key, value in desired.items() if value not in (None, "", [])}


def as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)
