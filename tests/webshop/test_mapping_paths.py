"""Source paths (``billing.email``) are read from a row as they always were, whether the row is a
``dict`` (the fast path: most paths have one part) or another mapping, and whatever lies on the way."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from connectors.mapping import FieldMapping, get_path

ROW = {"id": 7, "billing": {"email": "a@example.com", "phone": ""}, "tags": ["x"], "name": "Zoë"}


@pytest.mark.parametrize("row", [ROW, MappingProxyType(ROW)], ids=["dict", "mapping"])
def test_paths_are_read_through_any_mapping(row):
    assert get_path(row, "id") == 7
    assert get_path(row, "billing.email") == "a@example.com"
    assert get_path(row, "missing") is None and get_path(row, "billing.missing") is None
    assert get_path(row, "tags.0") is None  # a list is not a mapping: no index paths
    assert get_path(row, "name.first") is None
    mapping = FieldMapping({"id": "source_id", "name": "given_name", "billing.email": "email",
                            "billing.phone": "phone"})
    assert mapping.source_id_of(row) == "7"
    assert mapping.to_canonical_dict(row) == {"emails": ["a@example.com"], "phones": [], "source_id": "7",
                                              "given_name": "Zoë"}


def test_a_row_that_is_not_a_mapping_has_no_values():
    assert get_path(["a"], "a") is None  # type: ignore[arg-type]
    assert FieldMapping({"id": "source_id"}).source_id_of({"id": ""}) is None
    assert FieldMapping({"name": "given_name"}).source_id_of({"name": "x"}) is None
