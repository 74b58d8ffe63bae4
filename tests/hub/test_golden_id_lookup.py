"""What a golden-record write reads instead of whole tables (issue 15 item 3), on SQLite and PostgreSQL:
the links of some records, and the stored ids a new golden id could collide with."""

from __future__ import annotations

from sqlalchemy import event

from hub.golden import assign_golden_ids, base_golden_id
from hub.store import HubStore, StoredMatch, golden_write
from schemas import GoldenRecord, RecordKey, SourceRef


def _save(store: HubStore, links: dict[RecordKey, str]) -> None:
    members: dict[str, list[RecordKey]] = {}
    for key, golden_id in links.items():
        members.setdefault(golden_id, []).append(key)
    golden = [
        GoldenRecord(
            golden_id=golden_id,
            given_name="Ana",
            sources=[SourceRef(source_system=k.source_system, source_id=k.source_id) for k in keys],
        )
        for golden_id, keys in members.items()
    ]
    store.golden.save_match(StoredMatch(golden=golden, retired={}, membership=links, pairs=[], run_id="r1"))


def test_taken_ids_finds_the_bases_and_their_variants_only(store):
    new = [RecordKey("erp", "1")]
    base = base_golden_id(new)
    other = base_golden_id([RecordKey("erp", "2")])
    _save(
        store,
        {
            RecordKey("webshop", "a"): base,
            RecordKey("webshop", "b"): f"{base}-1",
            RecordKey("webshop", "c"): other,
            RecordKey("webshop", "d"): "G-unrelated",
        },
    )
    taken = store.golden.taken_ids([base, base_golden_id([RecordKey("erp", "9")])])
    assert taken == {base, f"{base}-1"}
    # the assignment sees the same collisions as with every stored id: the next free variant
    everything = store.golden.golden_ids()
    for existing in (taken, everything):
        assert assign_golden_ids({"c": new}, {}, existing).ids == {"c": f"{base}-2"}
    assert store.golden.taken_ids([]) == set()


def test_membership_of_reads_just_the_asked_links(store):
    links = {RecordKey("erp", str(i)): f"G-{i % 7}" for i in range(1200)}  # over two key chunks
    _save(store, links)
    asked = [RecordKey("erp", str(i)) for i in range(0, 1200, 3)] + [RecordKey("crm", "nobody")]
    assert store.golden.membership_of(asked) == {k: links[k] for k in asked if k in links}
    assert store.golden.membership_of([]) == {}


def test_many_keys_are_picked_from_one_scan_in_the_order_the_look_ups_give(store, monkeypatch):
    """Many keys that are half the stored links or more are read in one scan (``SCAN_SHARE``), fewer
    are looked up by key: the same links either way, in key order."""
    links = {RecordKey("erp", f"{i:04}"): f"G-{i % 7}" for i in range(1200)}
    _save(store, links)
    monkeypatch.setattr(golden_write, "SCAN_FROM_KEYS", 500)  # rather than 5,000 keys stored
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    few = [RecordKey("erp", f"{i:04}") for i in range(1199, 0, -3)]  # a third, asked out of order
    many = [RecordKey("erp", f"{i:04}") for i in range(1200) if i % 5] + [RecordKey("crm", "nobody")]
    for asked, scanned in ((few, False), (many, True)):
        statements.clear()
        found = store.golden.membership_of(asked)
        assert list(found.items()) == [(k, links[k]) for k in sorted(asked) if k in links]
        reads = [s for s in statements if "FROM cross_references" in s and "count(" not in s.lower()]
        assert len(reads) == 1 and ("WHERE" not in reads[0]) == scanned
