"""The set-based page write (``hub.store.staging_writes``) stores the same rows and counts the same
as the per-row ORM code it replaced (kept below as the reference), on SQLite and PostgreSQL: new,
re-delivered, changed, echoed, deleted, erased records and an id delivered twice in one page; the
rows' digests are written with them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.echoes import is_echo
from hub.models import CrossReference, ErasedKey, OrderRow, SourceRecordRow
from hub.row_digests import RowDigests
from hub.store import HubStore, StageStats, record_hash
from hub.store.staging_writes import write_orders, write_records
from schemas import CustomerRecord, OrderRecord

NOW = [datetime(2026, 3, day, 12, tzinfo=UTC) for day in (1, 2, 3)]


def _person(source_id: str, **changes: object) -> CustomerRecord:
    data = {
        "source_system": "erp",
        "source_id": source_id,
        "given_name": "Anna",
        "family_name": f"Weber {source_id}",
        "emails": [f"anna{source_id}@example.de"],
        "phones": ["+4930123456"],
        "country": "DE",
        "addresses": [{"street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin"}],
        "raw": {"id": source_id},
    }
    return CustomerRecord.model_validate({**data, **changes})


#: Three pages: the first brings A-D, E (erased) and A twice; the second re-delivers A, changes C,
#: echoes B's pushed e-mail, changes D beside its pushed e-mail, deletes nothing; the third deletes C.
PAGES = [
    [_person("A"), _person("B"), _person("C"), _person("D"), _person("E"), _person("A", tax_id="DE1")],
    [
        _person("A", tax_id="DE1", raw={"id": "A", "seen": 2}),
        _person("B", emails=["pushed@example.de"]),
        _person("C", family_name="Schmidt"),
        _person("D", emails=["pushed@example.de"], given_name="Anne"),
        _person("F"),
    ],
    [_person("C", family_name="Schmidt", deleted=True), _person("G"), _person("G", given_name="Gina")],
]


def _per_row(
    session: Session, source: str, records: list[CustomerRecord], run_id: str, now: datetime
) -> StageStats:
    """The per-row ORM write as it was before the set-based one (the reference)."""
    stats = StageStats()
    ids = [r.source_id for r in records]
    existing = {
        row.source_id: row
        for row in session.scalars(
            select(SourceRecordRow).where(
                SourceRecordRow.source_system == source, SourceRecordRow.source_id.in_(ids)
            )
        )
    }
    erased = set(session.scalars(select(ErasedKey.source_id).where(ErasedKey.source_system == source)))
    pushed = {
        link.source_id: link.pushed_fields
        for link in session.scalars(select(CrossReference).where(CrossReference.source_system == source))
        if link.pushed_fields
    }
    for record in records:
        if record.source_id in erased:
            stats.erased_skipped += 1
            continue
        digest = record_hash(record)
        row = existing.get(record.source_id)
        if row is None:
            row = SourceRecordRow(
                source_system=source, source_id=record.source_id, first_seen_at=now, changed_at=now
            )
            session.add(row)
            existing[record.source_id] = row
            stats.inserted += 1
        elif row.content_hash == digest and row.deleted == record.deleted:
            stats.unchanged += 1
            row.last_run_id = run_id
            continue
        elif not record.deleted and is_echo(
            CustomerRecord.model_validate(row.record), record, pushed.get(record.source_id)
        ):
            stats.echoes += 1
        else:
            stats.updated += 1
            row.changed_at = now
        address = record.addresses[0] if record.addresses else None
        row.record_type, row.given_name, row.family_name = (
            record.record_type,
            record.given_name,
            record.family_name,
        )
        row.full_name, row.organization_name = record.full_name, record.organization_name
        row.email, row.phone = ";".join(record.emails) or None, ";".join(record.phones) or None
        row.street, row.postal_code = (
            address.street if address else None,
            address.postal_code if address else None,
        )
        row.city = address.city if address else None
        row.country = record.country or (address.country if address else None)
        row.date_of_birth, row.tax_id = record.date_of_birth, record.tax_id
        row.source_updated_at, row.deleted = record.updated_at, record.deleted
        row.record, row.content_hash, row.last_run_id = record.model_dump(mode="json"), digest, run_id
    return stats


def _prepare(store: HubStore) -> None:
    """E was erased; the hub pushed an e-mail to B and D (their echo is no change)."""
    with store.sessions.begin() as session:
        session.add(ErasedKey(source_system="erp", source_id="E"))
        for source_id in ("B", "D"):
            session.add(
                CrossReference(
                    source_system="erp",
                    source_id=source_id,
                    golden_id=f"G-{source_id}",
                    pushed_fields={"emails": ["pushed@example.de"]},
                )
            )


def _rows(store: HubStore) -> list[dict[str, object]]:
    with store.sessions() as session:
        rows = session.scalars(select(SourceRecordRow).order_by(SourceRecordRow.source_id)).all()
        return [
            {
                column.key: _naive(getattr(row, column.key))
                for column in SourceRecordRow.__table__.columns  # type: ignore[attr-defined]
            }
            for row in rows
        ]


def _naive(value: object) -> object:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


@pytest.fixture
def stores(store_url, tmp_path):
    reference, tested = (
        HubStore(f"sqlite:///{tmp_path}/reference.db", upgrade=True),
        HubStore(store_url, upgrade=True),
    )
    yield reference, tested
    reference.close()
    tested.close()


def test_the_set_based_write_stores_what_the_per_row_write_stored(stores):
    reference, tested = stores
    for store in stores:
        _prepare(store)
    counts = []
    for n, (page, now) in enumerate(zip(PAGES, NOW, strict=True)):
        with reference.sessions.begin() as session:
            expected = _per_row(session, "erp", page, f"run-{n}", now)
        with tested.sessions.begin() as session:
            got = write_records(session, "erp", page, f"run-{n}", now)
        assert got == expected, n
        assert _rows(tested) == _rows(reference), n
        counts.append((got.inserted, got.updated, got.unchanged, got.echoes, got.erased_skipped))
    assert counts == [(4, 1, 0, 0, 1), (1, 2, 1, 1, 0), (1, 2, 0, 0, 0)]
    assert [(r["source_id"], r["last_run_id"]) for r in _rows(tested)] == [
        ("A", "run-1"),
        ("B", "run-1"),
        ("C", "run-2"),
        ("D", "run-1"),
        ("F", "run-1"),
        ("G", "run-2"),
    ]


def test_orders_are_upserted_in_bulk(store_url):
    store = HubStore(store_url, upgrade=True)

    def order(order_id: str, total: str, status: str) -> OrderRecord:
        return OrderRecord(
            source_system="webshop",
            order_id=order_id,
            customer_source_id="7",
            total=Decimal(total),
            currency="EUR",
            status=status,
            ordered_at=datetime(2026, 1, 2, tzinfo=UTC),
        )

    with store.sessions.begin() as session:
        write_orders(session, "webshop", [order("1", "10.00", "pending"), order("2", "5.50", "pending")])
    with store.sessions.begin() as session:
        write_orders(
            session,
            "webshop",
            [order("2", "5.50", "completed"), order("3", "1.00", "x"), order("3", "2.00", "y")],
        )
    with store.sessions() as session:
        rows = session.execute(
            select(OrderRow.order_id, OrderRow.total, OrderRow.status).order_by(OrderRow.order_id)
        )
        assert [tuple(r) for r in rows] == [
            ("1", Decimal("10.00"), "pending"),
            ("2", Decimal("5.50"), "completed"),
            ("3", Decimal("2.00"), "y"),
        ]
    store.close()


def test_row_digests_are_written_with_their_rows(store_url):
    """A page's row digests go into the rows it writes, bound to the content staged (inserted, changed,
    echoed, seen again, the later of an id delivered twice), and the extract's look-up finds them."""
    store = HubStore(store_url, upgrade=True)
    _prepare(store)
    digests = [{r.source_id: f"{r.source_id.lower()}{n}" for r in page} for n, page in enumerate(PAGES)]
    for n, (page, now) in enumerate(zip(PAGES[:2], NOW, strict=False)):
        with store.sessions.begin() as session:
            write_records(session, "erp", page, f"run-{n}", now, row_digests=digests[n])
    rows = {r["source_id"]: r for r in _rows(store)}
    # A seen again, B an echo, C and D changed, F new: all with the second page's digests; E erased
    assert {i: r["row_digest"] for i, r in rows.items()} == {
        i: f"{i.lower()}1:{rows[i]['content_hash']}" for i in ("A", "B", "C", "D", "F")
    }
    assert rows["A"]["last_run_id"] == "run-1"
    known = RowDigests(store).lookup("erp")(["A", "B", "C", "F", "E"])
    assert known == {"A": "a1", "B": "b1", "C": "c1", "F": "f1"}
    with store.sessions.begin() as session:  # no digests: G's row has none, C's no longer fits
        write_records(session, "erp", PAGES[2], "run-2", NOW[2])
    assert RowDigests(store).lookup("erp")(["G", "C", "D"]) == {"D": "d1"}
    store.close()
