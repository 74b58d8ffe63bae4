"""The stored row digests of source records (:mod:`connectors.row_digest`): looked up by the extract
before it maps a page, written after the page is staged.

A record's ``row_digest`` is ``<digest of the row>:<content hash>``, the content hash being the
record's at the time the digest was written, right after ``stage_page`` committed that row's page. A
stored digest counts only while the record still has that content hash: whatever else rewrites a
record (a steward-released quarantined row, an erasure, a later delivery whose digest was not
stored) changes its content hash or leaves a digest that no longer fits, and its next row takes the
full path. Only records that exist get one (a refused or erased row has no record). A crash between
staging and writing the digests leaves old ones that no longer fit or none: the rows are read in
full next time, never skipped wrongly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import Table, bindparam, select, update

from hub.models import SourceRecordRow
from hub.store import HubStore
from hub.store.common import key_chunks


class RowDigests:
    def __init__(self, store: HubStore):
        self.store = store

    def lookup(self, source: str) -> Callable[[Sequence[str]], Mapping[str, str]]:
        """The function a connector calls per page, in page order, for one pull: the stored row digest
        of those of ``source``'s ids whose record is live and still holds the content it was staged
        with. An id delivered twice in the pull (a scan whose pages shifted, twice in one page) gets
        none the second time: its first row may not be staged yet when the next page is read ahead
        (:mod:`hub.prefetch`), so its stored digest may be out of date."""
        asked: set[str] = set()

        def known(source_ids: Sequence[str]) -> dict[str, str]:
            counts = Counter(source_ids)
            fresh = [i for i in counts if counts[i] == 1 and i not in asked]
            asked.update(counts)
            found: dict[str, str] = {}
            with self.store.sessions() as session:
                for chunk in key_chunks(fresh):
                    query = select(
                        SourceRecordRow.source_id, SourceRecordRow.row_digest, SourceRecordRow.content_hash
                    ).where(
                        SourceRecordRow.source_system == source,
                        SourceRecordRow.source_id.in_(chunk),
                        SourceRecordRow.deleted.is_(False),  # a deleted record's row revives it
                        SourceRecordRow.row_digest.is_not(None),
                    )
                    for sid, stored, content in session.execute(query):
                        digest, _, bound_to = (stored or "").partition(":")
                        if bound_to == content:
                            found[sid] = digest
            return found

        return known

    def remember(self, source: str, digests: Mapping[str, str]) -> None:
        """Bind each staged record's row digest to its content hash now: one executemany UPDATE."""
        if not digests:
            return
        table = SourceRecordRow.__table__
        assert isinstance(table, Table)  # a mapped class's table, typed as the wider FromClause
        statement = (
            update(table)
            .where(table.c.source_system == source, table.c.source_id == bindparam("sid"))
            .values(row_digest=bindparam("digest") + ":" + table.c.content_hash)
        )
        with self.store.engine.begin() as connection:
            connection.execute(statement, [{"sid": sid, "digest": d} for sid, d in digests.items()])
