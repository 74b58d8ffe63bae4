"""Calls kept in flight a few at once, their results in order: a push's batch calls, and a read's
numbered pages (:func:`numbered_pages`).

A push that reads and writes 100 records a round trip spends most of its time waiting: while the hub
builds and parses one batch's XML or JSON, the system (another process, usually another machine)
sits idle, and while the system works, the hub does. With a few batches in flight both work at once.
Threads are enough for that: the hub's part holds the GIL, but waiting on a socket does not, so one
batch's XML is built while another's request is on the wire or in the server.

Results come back in batch order, so a :class:`connectors.base.PushResult` lists the same records in
the same order as one batch after another would. A batch's exception is raised when its result is
due, after the results of the batches before it. No batch starts more than ``limit - 1`` places after
the oldest whose result is still due, so when one fails, at most ``limit - 1`` later batches have been
sent: unlike one after another, the system may have taken those (each idempotent, like every push),
and no more.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


def chunked(items: Sequence[Item], size: int) -> list[Sequence[Item]]:
    """``items`` in consecutive slices of ``size`` (the last may be shorter)."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def in_chunk_order(
    call: Callable[[Chunk], Result], chunks: Sequence[Chunk], limit: int, name: str = "in-flight"
) -> Iterator[Result]:
    """``call(chunk)`` for every chunk, at most ``limit`` at once, yielding the results in chunk order.

    ``limit`` 1 (or a single chunk) calls one chunk after another in the calling thread, each only when
    the previous result has been taken: exactly a plain loop. Otherwise the calls run on up to ``limit``
    threads named ``name``, a chunk started when the result ``limit`` places before it has been taken;
    leaving the loop early (or an exception) waits for the calls in flight, so none outlives it.
    """
    if limit <= 1 or len(chunks) <= 1:
        yield from map(call, chunks)
        return
    pool = ThreadPoolExecutor(limit, thread_name_prefix=name)
    due: deque[Future[Result]] = deque()  # started, result not yet taken; oldest first
    try:
        for chunk in chunks:
            if len(due) == limit:
                yield due.popleft().result()
            due.append(pool.submit(call, chunk))
        while due:
            yield due.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def numbered_pages(
    fetch: Callable[[int], Result], first: int, last_of: Callable[[Result], int | None], limit: int,
    name: str = "pages",
) -> Iterator[tuple[int, Result]]:
    """``(page, fetch(page))`` for page ``first`` and on, in page order, with up to ``limit`` requests
    in flight: the pages after one are requested as soon as an answer has named the last page
    (``last_of``), never past it. Without such an answer a page is requested only once the one before
    has been taken, as in a plain loop. The caller ends the read by leaving the loop (a short page);
    the requests in flight are then waited for and dropped, and none is sent after.

    An answer that names a later last page (the list grew meanwhile) moves the end; one that names an
    earlier one (it shrank) ends the requests there. A failed request raises when its page is due."""
    if limit <= 1:
        page = first
        while True:
            yield page, fetch(page)
            page += 1
    pool = ThreadPoolExecutor(limit, thread_name_prefix=name)
    due: deque[tuple[int, Future[Result]]] = deque([(first, pool.submit(fetch, first))])
    requested, last = first, None
    try:
        while due:
            page, answer = due[0][0], due.popleft()[1].result()
            named = last_of(answer)
            last = named if named is not None else last
            yield page, answer
            if not due and (last is None or requested >= last):  # nothing ahead: the next, as a loop would
                requested += 1
                due.append((requested, pool.submit(fetch, requested)))
            while last is not None and requested < last and len(due) < limit:
                requested += 1
                due.append((requested, pool.submit(fetch, requested)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
