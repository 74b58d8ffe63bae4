"""Where the steward stands in the review queue page: a window of items read by keyset paging.

The page shows ``PAGE_SIZE`` items after a cursor (``?after=<distance>,<a>,<b>``) with one of them
open (``&i=``). Every link the page draws — an item of the list, previous, next, skip — is a cursor and
an index into a window, so no request ever counts its way through the queue with OFFSET; only the
"n / total" numbers need an index range count. ``?at=<n>`` (links from before keyset paging) is read
once through OFFSET over the queue's index and shown the same way.
"""

from __future__ import annotations

from urllib.parse import urlencode

from hub.review_clusters import QueueCursor, ReviewCluster, ReviewClusters, ReviewPage

PAGE_SIZE = 50


class QueueView:
    """One page view of the queue (``source``/``band`` filters): its window, open item and links."""

    def __init__(self, clusters: ReviewClusters, source: str | None, band: str | None) -> None:
        self.clusters, self.source, self.band = clusters, source, band
        self.after: QueueCursor | None = None
        self.queue = ReviewPage([], 0, 0, PAGE_SIZE)
        self.window = self.at = 0

    def _read(self, after: QueueCursor | None) -> None:
        self.after = after
        self.queue = self.clusters.page(source=self.source, band=self.band, limit=PAGE_SIZE, after=after)
        self.window = self.clusters.position(after, source=self.source, band=self.band)

    def open(self, after: QueueCursor | None, i: int) -> None:
        """The window after ``after`` with its ``i``-th item open; past the end, the queue's last item."""
        self._read(after)
        if not self.queue.items and after is not None and self.queue.total:
            # the window emptied (its items were decided): the last window before it
            back, count = self.clusters.back(
                after, PAGE_SIZE, source=self.source, band=self.band, inclusive=True
            )
            self._read(back)
            i = count - 1
        self.at = self.window + min(i, max(len(self.queue.items) - 1, 0))

    def open_position(self, at: int) -> None:
        """An absolute position (``?at=``): its window of ``PAGE_SIZE`` is found once by OFFSET."""
        at = min(at, max(self._total() - 1, 0))
        start = (at // PAGE_SIZE) * PAGE_SIZE
        before = (
            self.clusters.page(source=self.source, band=self.band, limit=1, offset=start - 1)
            if start
            else None
        )
        self.open(before.items[0].cursor if before and before.items else None, at - start)

    def _total(self) -> int:
        return self.clusters.page(source=self.source, band=self.band, limit=0).total

    def cluster(self) -> ReviewCluster | None:
        """The open item with its members and links (None for an empty queue)."""
        if not self.queue.items:
            return None
        return self.clusters.item(self.queue.items[self.at - self.window].item_id)

    def hrefs(self) -> dict[int, str]:
        """Query string (cursor and index) of every position the page links to: the window's items and
        the items before and after the open one (into the neighbouring windows at the edges)."""
        items = self.queue.items
        out = {self.window + n: _query(self.after, n) for n in range(len(items))}
        if items:
            out[self.window + len(items)] = _query(items[-1].cursor, 0)
        if items and self.at == self.window and self.after is not None and items[0].cursor is not None:
            back, count = self.clusters.back(items[0].cursor, PAGE_SIZE, source=self.source, band=self.band)
            out[self.at - 1] = _query(back, count - 1)
        return out


def _query(after: QueueCursor | None, i: int) -> str:
    return urlencode({"i": i} if after is None else {"after": str(after), "i": i})
