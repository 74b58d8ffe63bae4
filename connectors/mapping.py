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

    def source_id_of(self, row: Mapping[str, Any]) -> str | None:
        for source_field, target in self.mapping.items():
            if target == "source_id":
                value = get_path(row, source_field)
                return None if value in (None, "") else str(value)
        return None

    def to_canonical_dict(self, row: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"emails": [], "phones": []}
        address: dict[str, Any] = {}
        for source_field, target in self.mapping.items():
            value = get_path(row, source_field)
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
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
