"""The stored row digests of source records (:mod:`connectors.row_digest`): looked up by the extract
before it maps a page, written with the page (``StagingRepository.stage_page(row_digests=...)``).

A record's ``row_digest`` is ``<digest of the row>:<content hash>``, the content hash being the one
the record is staged with, in the same write (``hub.store.staging_writes``; they were a second
UPDATE of every staged row after the page's commit, which doubled a first pull's writes). A stored
digest counts only while the record still has that content hash: whatever else rewrites a record (a
steward-released quarantined row, an erasure, a later delivery without a digest) changes its content
hash or leaves a digest that no longer fits, and its next row takes the full path. Only records that
exist get one (a refused or erased row has no record).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import select

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
