"""connectors.in_flight: batch calls a few at once, results in batch order, never more at once than
asked, a batch's exception raised for that batch, and one at a time exactly a plain loop."""

from __future__ import annotations

import threading
import time

import pytest

from connectors.in_flight import chunked, in_chunk_order, numbered_pages


class Tracker:
    """What the called function saw: calls running at once (the peak), the order calls finished in."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.finished = threading.Condition(self.lock)
        self.running = self.peak = 0
        self.order: list[int] = []

    def enter(self) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)

    def leave(self, chunk: int) -> None:
        with self.lock:
            self.running -= 1
            self.order.append(chunk)
            self.finished.notify_all()

    def wait_for(self, chunks: set[int]) -> None:
        with self.lock:
            assert self.finished.wait_for(lambda: chunks <= set(self.order), timeout=10)


def test_results_come_in_chunk_order_when_later_chunks_finish_first():
    tracker = Tracker()

    def call(chunk: int) -> str:
        tracker.enter()
        if chunk == 0:
            tracker.wait_for({1, 2, 3})  # the first chunk is the slowest of its round
        tracker.leave(chunk)
        return f"result {chunk}"

    results = list(in_chunk_order(call, range(8), limit=4))
    assert results == [f"result {n}" for n in range(8)]
    assert set(tracker.order[:3]) == {1, 2, 3} and tracker.order.index(0) >= 3  # 0 finished later


@pytest.mark.parametrize("limit", [2, 3, 5])
def test_never_more_calls_at_once_than_the_limit(limit):
    tracker = Tracker()

    def call(chunk: int) -> int:
        tracker.enter()
        time.sleep(0.02)
        tracker.leave(chunk)
        return chunk

    assert list(in_chunk_order(call, range(12), limit)) == list(range(12))
    assert tracker.peak == limit  # reached, never passed


def test_an_exception_surfaces_for_its_chunk_after_the_results_before_it():
    started: list[int] = []

    def call(chunk: int) -> int:
        started.append(chunk)
        time.sleep(0.02)
        if chunk == 2:
            raise ValueError("chunk 2 refused")
        return chunk

    results = in_chunk_order(call, range(20), limit=2)
    assert [next(results), next(results)] == [0, 1]
    with pytest.raises(ValueError, match="chunk 2 refused"):
        next(results)
    assert sorted(started) == [0, 1, 2, 3]  # at most limit - 1 chunks after the failed one were started


def test_one_at_a_time_is_a_plain_loop_on_the_calling_thread():
    events: list[str] = []
    threads: set[int] = set()

    def call(chunk: int) -> int:
        events.append(f"call {chunk}")
        threads.add(threading.get_ident())
        if chunk == 2:
            raise ValueError("chunk 2 refused")
        return chunk

    with pytest.raises(ValueError, match="chunk 2 refused"):
        for result in in_chunk_order(call, range(5), limit=1):
            events.append(f"got {result}")
    assert events == ["call 0", "got 0", "call 1", "got 1", "call 2"]  # nothing after the failure
    assert threads == {threading.get_ident()}


def test_chunked_slices_in_order():
    assert chunked(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunked([], 3) == []


class Pages:
    """A list of ``count`` numbered pages (page 0 answers the count), each answered ``delay`` late,
    counting the requests it answers at once; a page after the count answers ``None``."""

    def __init__(self, count: int, delay: float = 0.05, fail: int | None = None) -> None:
        self.count, self.delay, self.fail = count, delay, fail
        self.tracker = Tracker()
        self.asked: list[int] = []

    def fetch(self, page: int) -> tuple[int, int] | None:
        self.tracker.enter()
        try:
            with self.tracker.lock:
                self.asked.append(page)
            time.sleep(self.delay)
            if page == self.fail:
                raise ValueError(f"page {page} failed")
            return (page, self.count) if page <= self.count else None
        finally:
            self.tracker.leave(page)

    @staticmethod
    def last_of(answer: tuple[int, int] | None) -> int | None:
        return answer[1] if answer else None


def _read(pages: Pages, limit: int, first: int = 1) -> list[int]:
    """The pages a reader takes, stopping at the last one, as a shop's scan does."""
    taken = []
    for page, answer in numbered_pages(pages.fetch, first, pages.last_of, limit):
        assert answer is not None and answer[0] == page
        taken.append(page)
        if page >= answer[1]:
            break
    return taken


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_numbered_pages_come_in_order_and_never_past_the_last(limit):
    pages = Pages(9)
    assert _read(pages, limit, first=3) == [3, 4, 5, 6, 7, 8, 9]
    assert sorted(pages.asked) == [3, 4, 5, 6, 7, 8, 9]  # not one request past the last page
    assert pages.tracker.peak == limit if limit > 1 else pages.tracker.peak == 1


def test_without_a_count_a_page_is_asked_only_after_the_one_before():
    pages = Pages(5)
    taken = []
    for page, _ in numbered_pages(pages.fetch, 1, lambda answer: None, 4):
        taken.append(page)
        if page == 3:
            break
    assert taken == [1, 2, 3] and pages.asked == [1, 2, 3] and pages.tracker.peak == 1


def test_a_failed_page_raises_after_the_pages_before_it():
    pages = Pages(8, fail=5)
    taken = []
    with pytest.raises(ValueError, match="page 5 failed"):
        for page, _ in numbered_pages(pages.fetch, 1, pages.last_of, 3):
            taken.append(page)
    assert taken == [1, 2, 3, 4]
    assert max(pages.asked) <= 5 + 2  # at most limit - 1 pages asked beyond the failed one
