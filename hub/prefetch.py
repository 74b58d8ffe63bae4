"""Read a source's next page while the hub stages this one.

A page costs twice: the source system prepares and sends it (its database, its serialisation, the
network), then the hub validates and stores it. Done one after the other, each side idles while the
other works. ``prefetched`` pulls the pages in a background thread, at most ``depth`` pages ahead, so
the source prepares page *n + 1* while the hub stages page *n*. Nothing else changes: pages arrive in
order, each page is still staged and committed with its cursor before the next is (alone, or with the
pages that waited beside it: below), an error of the
source surfaces where the page would have, and a consumer that stops early (a failed staging, a kill
point) stops the reader and closes the source's iterator in the thread that ran it.

Where staging is the slower side, pages pile up while one is being stored. ``prefetched_groups`` hands
over all that wait at once, so that they are stored in one transaction: each SQLite transaction writes
the pages it changed (the table's and each index's) and pays for its commit, and at 100 orders a page
the commits of a 100k sync's orders were 2 of their 7 s of staging. Where the source is the slower
side (a system far away), each page still arrives alone and is stored as soon as it has.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"
#: How long the reader waits for room before it looks whether the consumer has gone (seconds).
_POLL = 0.1
#: How long a consumer that stops early waits for the reader's request in flight to finish (seconds).
_JOIN = 60.0


def prefetched(pages: Iterable[T], depth: int = 1) -> Iterator[T]:
    """``pages`` as they are, read up to ``depth`` items ahead in a background thread."""
    for group in _read_ahead(pages, depth, group=False):
        yield from group


def prefetched_groups(pages: Iterable[T], most: int) -> Iterator[list[T]]:
    """``pages`` in order, read up to ``most`` items ahead in a background thread, handed over as lists:
    each the items that were waiting when the consumer asked (at least one, at most ``most``). An error
    of the source surfaces after the items before it have been handed over."""
    return _read_ahead(pages, most, group=True)


def _read_ahead(pages: Iterable[T], depth: int, group: bool) -> Iterator[list[T]]:
    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                slots.put((kind, value), timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(pages)
        try:
            for page in source:
                if not offer(_ITEM, page):
                    return
            offer(_END, None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            offer(_ERROR, exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="crmhub-prefetch", daemon=True)
    reader.start()
    try:
        pending: tuple[str, Any] | None = None  # what ended the last group: the end, or an error
        while pending is None:
            kind, value = slots.get()
            items: list[T] = []
            while kind == _ITEM:
                items.append(value)
                if not group:
                    break
                try:
                    kind, value = slots.get_nowait()
                except queue.Empty:
                    break
            if kind != _ITEM:
                pending = (kind, value)
            if items:
                yield items
        if pending[0] == _ERROR:
            raise pending[1]
    finally:
        stop.set()
        reader.join(timeout=_JOIN)
