"""Push-back into nested records: dotted source paths (``address.street``, ``emails.string``) -> the
nested object a SOAP or JSON service takes.

A service that keeps an address as one complex element or e-mails as an array replaces the whole
element on update (spyne, most WCF and SAP PI services do): sending only ``street`` blanks the postal
code. So a changed leaf is written inside a copy of the record's current element, and a list-valued
field (an array of e-mails) is sent whole. Nothing here knows SOAP; the generic SOAP connector uses it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from connectors.mapping import get_path


def changed_leaves(wanted: Mapping[str, Any], current: Mapping[str, Any], text: Any) -> dict[str, Any]:
    """The paths of ``wanted`` whose value differs from ``current`` (compared as ``text(value)``; a list
    compared item by item). ``None`` and empty lists never clear anything."""
    changes: dict[str, Any] = {}
    for path, value in wanted.items():
        have = get_path(current, path) if "." in path else current.get(path)
        if isinstance(value, list):
            values = [t for t in (text(v) for v in value) if t is not None]
            if values and values != [text(v) for v in _as_list(have)]:
                changes[path] = values
        else:
            new = text(value)
            if new is not None and new != text(have):
                changes[path] = new
    return changes


def nest(changes: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """``{"address.street": "X 1"}`` -> ``{"address": {<current address>, "street": "X 1"}}``: each
    changed top-level element is the current one with the changes written in."""
    record: dict[str, Any] = {}
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        if not rest:
            record[head] = value
            continue
        if head not in record:
            base = current.get(head)
            record[head] = copy.deepcopy(base) if isinstance(base, Mapping) else {}
        _set(record[head], rest, value)
    return record


def list_paths(mapping: Mapping[str, str], current: Mapping[str, Any], list_targets: set[str]) -> set[str]:
    """Source paths mapped onto a list field (e-mails, phones) whose current value is an array: these
    take the whole golden list, not its primary value."""
    return {
        path for path, target in mapping.items()
        if target in list_targets and isinstance(get_path(current, path), list)
    }


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        target[head] = value
        return
    if not isinstance(target.get(head), dict):
        target[head] = {}
    _set(target[head], rest, value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
