"""Echoes: a source re-delivering what the hub itself wrote there is no change for matching.

After a push the source holds the golden values the hub sent (a corrected phone, the golden id), its
change stamp moves, and its next delivery looks changed. Re-matching it would re-match whole candidate
components for nothing, and a sync with nothing changed anywhere would never be quiet. The hub keeps
the fields it last pushed to each record (``cross_references.pushed_fields``); a delivery that
differs from the stored record only in those fields, each now holding the pushed value, is stored
(the record is current) without being marked changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas import CustomerRecord
from schemas.customer import CustomerFields

ADDRESS_PARTS = ("street", "postal_code", "city")
#: Never part of a record's content for matching (see ``hub.store.record_hash``).
NOT_CONTENT = {"raw", "updated_at"}


def field_value(customer: CustomerFields, field_name: str) -> Any:
    """A push field's value on a source or golden record (address parts from the primary address)."""
    if field_name in ADDRESS_PARTS:
        return getattr(customer.addresses[0], field_name) if customer.addresses else None
    value = getattr(customer, field_name)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rest(record: CustomerRecord, pushed: Mapping[str, Any]) -> dict[str, Any]:
    """The record's content without the pushed fields (the primary address's other parts kept)."""
    excluded = NOT_CONTENT | {f for f in pushed if f not in ADDRESS_PARTS}
    if any(f in ADDRESS_PARTS for f in pushed):
        excluded.add("addresses")
    rest = record.model_dump(mode="json", exclude=excluded)
    if "addresses" in excluded:
        rest["address_parts"] = {p: field_value(record, p) for p in ADDRESS_PARTS if p not in pushed}
        rest["other_addresses"] = [a.model_dump(mode="json") for a in record.addresses[1:]]
    return rest


def _took(before: Any, after: Any, sent: Any) -> bool:
    """Whether a field went from ``before`` to ``after`` only by taking what the hub ``sent``: a scalar
    now holds the sent value; a list gained only sent values (a system with room for one e-mail takes
    the first), and lost values only where it now holds nothing but sent ones (overwritten)."""
    if before == after:
        return True
    if not isinstance(sent, list):
        return bool(after == sent)
    before_set, after_set, sent_set = set(before or []), set(after or []), set(sent)
    appeared, removed = after_set - before_set, before_set - after_set
    return appeared <= sent_set and (not removed or after_set <= sent_set)


def is_echo(stored: CustomerRecord, delivered: CustomerRecord, pushed: Mapping[str, Any] | None) -> bool:
    """Whether ``delivered`` differs from ``stored`` only by taking what the hub pushed there."""
    if not pushed:
        return False
    if not all(
        _took(field_value(stored, name), field_value(delivered, name), sent) for name, sent in pushed.items()
    ):
        return False
    return _rest(stored, pushed) == _rest(delivered, pushed)
