"""``hub.prefetch.prefetched``: the same pages in the same order, read ahead in another thread; errors
and an early stop behave as with the plain iterator. ``prefetched_groups``: the same, the pages that
waited handed over together."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from hub.prefetch import prefetched, prefetched_groups


def test_same_items_in_order_read_in_another_thread() -> None:
    threads: list[str] = []

    def pages() -> Iterator[int]:
        for n in range(50):
            threads.append(threading.current_thread().name)
            yield n

    assert list(prefetched(pages())) == list(range(50))
    assert set(threads) == {"crmhub-prefetch"}


def test_reads_the_next_page_while_this_one_is_processed() -> None:
    """Two pages that each take 0.2 s to fetch and 0.2 s to stage: overlapped, well under 0.8 s."""

    def pages() -> Iterator[int]:
        for n in range(2):
            time.sleep(0.2)
            yield n

    fetched_before_staged: list[bool] = []
    started = time.perf_counter()
    for page in prefetched(pages()):
        time.sleep(0.2)  # staging page n; page n + 1 is being fetched meanwhile
        fetched_before_staged.append(page == 0)
    assert time.perf_counter() - started < 0.7
    assert fetched_before_staged == [True, False]


def test_a_source_error_surfaces_after_the_pages_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("source went away")

    seen = []
    with pytest.raises(ConnectionError, match="source went away"):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == [1, 2]


def test_an_early_stop_closes_the_source_and_reads_no_further() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def pages() -> Iterator[int]:
        try:
            for n in range(1000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    reader = prefetched(pages(), depth=1)
    assert next(reader) == 0
    reader.close()  # the consumer stops (a failed staging, a kill point)
    assert closed.wait(5)
    assert len(produced) <= 3  # one page handed over, at most one waiting, one being offered



def test_groups_hand_over_the_pages_that_waited_in_order_and_at_most_most() -> None:
    """The consumer is slow on the first group: the reader runs ahead, and the next group holds all
    that waited (never more than ``most``); nothing is lost or reordered."""
    groups: list[list[int]] = []
    for group in prefetched_groups(iter(range(30)), most=4):
        if not groups:
            time.sleep(0.3)  # staging the first page; the reader fills the queue meanwhile
        groups.append(group)
    assert [n for group in groups for n in group] == list(range(30))
    assert max(len(group) for group in groups) == 4
    assert len(groups[1]) == 4


def test_a_source_error_after_waiting_pages_surfaces_after_they_are_handed_over() -> None:
    def pages() -> Iterator[int]:
        yield from range(3)
        raise ConnectionError("source went away")

    seen: list[int] = []
    reader = prefetched_groups(pages(), most=8)
    with pytest.raises(ConnectionError, match="source went away"):
        for group in reader:
            time.sleep(0.1)  # everything, the error too, is queued before the next ask
            seen.extend(group)
    assert seen == [0, 1, 2]
