"""A row the hub has seen before is counted unchanged without being mapped and validated (issue 15:
the web shop is scanned whole every sync, and our golden-id write moves every customer's
``date_modified_gmt``); any change to what the record is made of takes the full path."""

from __future__ import annotations

from connectors.base import Page, PushUpdate


def _pull(connector, known: dict[str, str] | None = None) -> Page:
    if known is not None:
        connector.known_digests = lambda ids: {i: known[i] for i in ids if i in known}
    merged = Page()
    for page in connector.pull(None):
        merged.records += page.records
        merged.unchanged += page.unchanged
        merged.row_digests.update(page.row_digests)
        merged.quarantined += page.quarantined
    return merged


def test_seen_rows_are_unchanged_until_what_the_record_is_made_of_changes(shop):
    connector = shop.connector()
    first = _pull(connector)
    assert len(first.records) == 9 and first.unchanged == [] and set(first.row_digests) == {
        r.source_id for r in first.records}
    known = first.row_digests
    again = _pull(connector, known)
    assert again.records == [] and sorted(again.unchanged, key=int) == sorted(known, key=int)
    assert len(again.quarantined) == 1  # the malformed row has no record and no digest: mapped again

    # the hub's own write (golden id, a later date_modified_gmt) is not part of the record
    assert connector.push([PushUpdate("3", "G-3", {})]).pushed == ["3"]
    shop.system.store.update_customer(5, {"last_name": "Neumann"})  # the customer's own edit
    after = _pull(connector, known)
    assert [r.source_id for r in after.records] == ["5"] and after.records[0].family_name == "Neumann"
    assert "3" in after.unchanged and after.row_digests["5"] != known["5"]

    # another configuration of the connector may make other records of the same rows: all mapped
    assert len(_pull(shop.connector(page_size=50), known).records) == 9


def test_a_rows_digest_is_the_sha256_of_the_text_it_always_hashed():
    """Salt hashed ahead, paths split once: the digest text is still ``json.dumps([salt, values])``,
    so digests stored by an earlier version of this code stay comparable."""
    import hashlib
    import json
    from datetime import date
    from decimal import Decimal

    from connectors.mapping import get_path
    from connectors.row_digest import row_digest, split_path

    row = {
        "name": "Zoë 中文 😀 \"q\" \\ \n",
        "billing": {"email": "a@b.de", "n": 1e16, "list": [1, 2.5, None, True]},
        "born": date(1980, 5, 6),
        "amount": Decimal("1.10"),
        "nan": float("nan"),
    }
    paths = ["name", "billing.email", "billing.n", "billing.list", "born", "amount", "nan", "gone", "name.x"]
    salt = json.dumps(["WebShopConnector", {"page_size": 100, "name": "shöp"}, "code"], sort_keys=True)
    text = json.dumps([salt, [get_path(row, p) for p in paths]], ensure_ascii=False, default=str)
    split = [split_path(p) for p in paths]
    assert row_digest(split, salt, row) == hashlib.sha256(text.encode()).hexdigest()
    assert row_digest(split, salt + "x", row) != row_digest(split, salt, row)
