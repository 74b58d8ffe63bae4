"""Field mappings from a source system's fields onto the canonical record, as data (YAML), not code.

A mapping is ``{source_field: canonical_field}``. Source fields may be dotted paths into nested JSON
(``billing.email``). Several source fields may feed a list field (``email``/``phone`` append to
``emails``/``phones``); address parts (``street``, ``postal_code``, ``city``, ``region``,
``address_country``) build the record's first address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas import CustomerRecord

SCALAR_FIELDS = {
    "source_id",
    "record_type",
    "given_name",
    "family_name",
    "full_name",
    "organization_name",
    "country",
    "date_of_birth",
    "tax_id",
    "updated_at",
    "deleted",
}
LIST_FIELDS = {"email": "emails", "emails": "emails", "phone": "phones", "phones": "phones"}
ADDRESS_FIELDS = {
    "street": "street",
    "postal_code": "postal_code",
    "city": "city",
    "region": "region",
    "address_country": "country",
}
CANONICAL_FIELDS = SCALAR_FIELDS | set(LIST_FIELDS) | set(ADDRESS_FIELDS)


class FieldMapping:
    def __init__(self, mapping: Mapping[str, str]):
        unknown = sorted(set(mapping.values()) - CANONICAL_FIELDS)
        if unknown:
            raise ValueError(
                f"mapping targets unknown canonical fields: {', '.join(unknown)}; "
                f"known: {', '.join(sorted(CANONICAL_FIELDS))}"
            )
        self.mapping = dict(mapping)
        #: The mapping's source fields as paths split once: ``to_canonical_dict`` and
        #: ``source_id_of`` run for every row (``str.split`` per field per row was most of their cost).
        self._paths = [(split_path(source_field), target) for source_field, target in self.mapping.items()]
        self._id_path = next((parts for parts, target in self._paths if target == "source_id"), None)

    def source_id_of(self, row: Mapping[str, Any]) -> str | None:
        if self._id_path is None:
            return None
        value = get_parts(row, self._id_path)
        return None if value in (None, "") else str(value)

    def to_canonical_dict(self, row: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"emails": [], "phones": []}
        address: dict[str, Any] = {}
        for parts, target in self._paths:
            value = get_parts(row, parts)
            if value is None or value == "":
                continue
            if target in LIST_FIELDS:
                values = value if isinstance(value, list | tuple) else [value]
                data[LIST_FIELDS[target]].extend(v for v in values if v not in (None, ""))
            elif target in ADDRESS_FIELDS:
                address[ADDRESS_FIELDS[target]] = value
            else:
                data[target] = str(value) if target == "source_id" else value
        if address:
            address.setdefault("country", data.get("country"))
            data["addresses"] = [address]
        return data

    def to_record(self, source_system: str, row: Mapping[str, Any]) -> CustomerRecord:
        data = self.to_canonical_dict(row)
        return CustomerRecord.model_validate({**data, "source_system": source_system, "raw": dict(row)})

    def to_source(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Reverse mapping for push-back: canonical values -> the source's own field names.

        List fields write their primary (first) value; fields the source does not map are skipped.
        """
        out: dict[str, Any] = {}
        canonical = dict(fields)
        for key in ("emails", "phones"):
            if isinstance(canonical.get(key), list):
                canonical.setdefault(key[:-1], canonical[key][0] if canonical[key] else None)
        for source_field, target in self.mapping.items():
            if target == "source_id" or target not in canonical:
                continue
            if target in ("emails", "phones") and isinstance(canonical[target], list):
                out[source_field] = canonical[target][0] if canonical[target] else None
            else:
                out[source_field] = canonical[target]
        return out


def get_path(row: Mapping[str, Any], path: str) -> Any:
    """The value at the dotted ``path`` in ``row``; ``None`` where a step is missing or not a mapping."""
    return get_parts(row, split_path(path))


def split_path(path: str) -> tuple[str, ...]:
    """A dotted source path as its parts, for :func:`get_parts` (split once, read per row)."""
    return tuple(path.split("."))


def get_parts(row: Any, parts: tuple[str, ...]) -> Any:
    """:func:`get_path` of a path split already. Rows and their nested objects are nearly always
    ``dict``: an exact type check comes first, the ABC check of ``Mapping`` (several times slower)
    only for other mappings."""
    value: Any = row
    for part in parts:
        if type(value) is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
