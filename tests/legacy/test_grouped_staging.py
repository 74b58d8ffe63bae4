"""Pages that waited while the last one was being staged are staged together, in one transaction with
the last one's cursor (``hub.pipeline.PAGES_AHEAD``): the store ends as it does page by page."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

import hub.pipeline
from connectors.credentials import parse_connection
from hub.models import QuarantineRow, SourceRecordRow
from hub.pipeline import SyncPipeline
from hub.store import HubStore
from schemas import HubConfig
from sources.legacy import LegacyCsvSystem


def _extract(system: LegacyCsvSystem, url: str) -> tuple[list[int], dict]:
    """Extract the CSV system a row a page, the first page's staging slowed down so that the reader runs
    ahead; returns the records staged per transaction and the store's rows, quarantine and cursor."""
    config = HubConfig(
        database_url=url,
        sources=[{"name": "legacy_csv", "kind": "csv", "page_size": 1, "connection_id": "csv"}],
    )
    credentials = parse_connection(json.dumps(system.connection(None)))
    pipeline = SyncPipeline(config, HubStore(url, upgrade=True), credentials=lambda _id: credentials)
    staged: list[int] = []
    stage_page = pipeline.store.staging.stage_page

    def counted(source, records, quarantined, *args, **kwargs):
        if records or quarantined:  # (the steward-released rows, none here, are staged with no page)
            staged.append(len(records) + len(quarantined))
        if len(staged) == 1:
            time.sleep(0.5)  # a slow store: the reader runs ahead meanwhile
        return stage_page(source, records, quarantined, *args, **kwargs)

    pipeline.store.staging.stage_page = counted
    try:
        stats = pipeline.extract("legacy_csv", "run-1")
        with pipeline.store.sessions() as session:
            hashes = select(SourceRecordRow.source_id, SourceRecordRow.content_hash)
            rows = dict(session.execute(hashes).all())
            quarantined = sorted(session.scalars(select(QuarantineRow.source_id)))
        cursor = pipeline.store.staging.get_cursor("legacy_csv")
    finally:
        pipeline.store.close()
    return staged, {"rows": rows, "quarantined": quarantined, "cursor": cursor, "pages": stats["pages"]}


def test_pages_that_waited_are_staged_together_and_the_store_ends_the_same(tmp_path, rows, monkeypatch):
    system = LegacyCsvSystem(tmp_path / "csv")
    system.seed(rows)
    grouped, stored = _extract(system, f"sqlite:///{tmp_path / 'grouped.db'}")
    monkeypatch.setattr(hub.pipeline, "PAGES_AHEAD", 1)
    one_by_one, reference = _extract(system, f"sqlite:///{tmp_path / 'paged.db'}")
    assert one_by_one == [1] * len(rows)  # a row a page, each in its own transaction
    assert sum(grouped) == len(rows) and len(grouped) < len(rows) and max(grouped) > 1
    assert stored == reference and stored["pages"] == len(rows)
    assert len(stored["rows"]) == len(rows) - 1 and len(stored["quarantined"]) == 1
