"""One step per source (extract, publish) for several sources at once, as the Airflow DAG's mapped tasks
do -- for ``crmhub sync`` on one machine: the sync's own process takes sources one after another, worker
processes take the others, one source each, once the fork server can start them. The sync starts the
fork server when a run begins (``start_fork_server``) and never waits for it: its imports take seconds
of one core, and a step smaller than that is done before any worker is started.

Why processes, not threads: the hub's share of an extract or a publish is Python work per record
(mapping, validating and staging rows; reading and recording pushes) that holds the GIL. Threads would
only overlap the waiting on the source systems; at 100k records the hub was one core's worth of work
on a two-core machine while the local systems used little of the other.

Why a fork server, not a plain fork: the hub's process may run threads that hold locks at any moment
-- the local systems and the webhook receiver in tests and benchmarks, SQLite's library-wide mutexes
among them -- and a child forked from it can inherit such a lock, held forever. The
fork server is a fresh process that imports the pipeline once (``hub.pipeline``, preloaded); each
worker is forked from it, single-threaded, and gets its step pickled -- the configuration, the store's
URL, the credentials provider -- and the environment as it is now (connections come from
``AIRFLOW_CONN_*``/``CRMHUB_CONN_*`` variables, which may have changed since the server started). The
worker opens its own store connection. Where a process may not start children (a daemonic Celery
prefork worker, a platform without fork) the steps run one after another in this process, as they do
with ``workers=1``.

A worker logs through the sync's logging: its records go to the sync over a queue and are handled
there by the logger of their name (the Python cookbook's pattern for several processes), with the
levels the sync's loggers have -- a worker's log lines land where the sync's own do (a terminal, an
Airflow task log), at the same verbosity.

A worker dies with the sync: a thread of the worker waits on the sync's end of their pipe and kills the
worker once it closes, so a sync that is killed leaves no worker behind still writing (the fork server
is no help there: it lives while any worker does). A worker that
dies on its own (killed, out of memory) fails only its source's step, with the exit code; the other
sources go on, and the run is reported failed like any failed step.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from logging.handlers import QueueHandler, QueueListener
from multiprocessing import forkserver
from multiprocessing.connection import Connection, wait
from typing import Any, Final

from hub import killpoints

logger = logging.getLogger(__name__)

METHOD: Final = "forkserver"
#: What the fork server imports once, before it forks any worker (and the sources' connector modules).
PRELOAD = ["hub.pipeline"]
#: A worker costs its start: the fork server imports the pipeline once per sync process (2-5 s of one
#: core), each worker imports its connector's client library and builds its store and connector (about
#: a second). Worth it for a pull or push of many records; a no-change sync at 20k records took 2.0 s
#: one after another and 18 s with workers (a loaded machine). The pipeline draws the line at this many
#: outbox events to publish.
PUBLISH_WORTH_WORKERS = 2_000


@dataclass(frozen=True)
class SourceOutcome:
    """What one source's step returned, or why it failed (``"TypeName: message"``)."""

    source: str
    result: dict[str, Any] | None = None
    error: str | None = None


def worker_count(requested: int | None, sources: int, worth_it: bool = True) -> int:
    """Processes to use: ``requested``; else (automatic) one per usable core when the step is
    ``worth_it``, else 1. Never more than there are sources, and 1 where this process may not start
    children."""
    if multiprocessing.current_process().daemon or METHOD not in multiprocessing.get_all_start_methods():
        return 1
    if requested is None:
        requested = len(os.sched_getaffinity(0)) if worth_it else 1
    return max(1, min(requested, sources))


def start_fork_server(preload: Sequence[str] = ()) -> None:
    """Start the fork server now, in the background (it imports ``PRELOAD`` and ``preload``, seconds of
    one core), so that it is ready by the time a step wants a worker. Returns at once; does nothing
    when it runs already or where this process may not start children."""
    if worker_count(None, 2) > 1:
        _context(preload)
        forkserver.ensure_running()


def _context(preload: Sequence[str]) -> Any:
    """The fork server's multiprocessing context, told what to import when it starts."""
    context = multiprocessing.get_context(METHOD)
    context.set_forkserver_preload([*PRELOAD, *preload])
    return context


def run_per_source(
    sources: Sequence[str],
    step: Callable[[str], dict[str, Any]],
    workers: int,
    preload: Sequence[str] = (),
    here: Callable[[str], dict[str, Any]] | None = None,
    drained: Callable[[], None] | None = None,
) -> list[SourceOutcome]:
    """``step(source)`` for every source, at most ``workers`` at once; outcomes in ``sources``' order.
    ``drained`` is called once every source has been taken (the first process out of work: a time to
    start work aside, ``running_aside``).

    With ``workers`` 1 the steps run here, one after another (``here`` when given, else ``step``).
    Otherwise in worker processes: ``step`` must then pickle (a module-level function or an instance of
    a module-level class); ``preload``: modules the fork server imports once besides ``PRELOAD`` (when
    it starts: the first time in this process). A failing step fails only its source either way.

    ``here``: the step as this process runs it. Given, this process is one of the ``workers``: it takes
    sources one after another itself from the start, and ``workers - 1`` worker processes take the
    others once the fork server is ready. A worker's start costs seconds (the fork server's imports);
    this process would only wait through them, and a small sync is done before they are over -- then
    no worker is started at all, and no step waits for one."""
    if workers <= 1:
        outcomes = [_outcome(source, here or step) for source in sources]
        if drained is not None:
            drained()
        return outcomes
    return _in_workers(sources, step, workers, preload, here, drained)


def _in_workers(
    sources: Sequence[str],
    step: Callable[[str], dict[str, Any]],
    workers: int,
    preload: Sequence[str],
    here: Callable[[str], dict[str, Any]] | None,
    drained: Callable[[], None] | None = None,
) -> list[SourceOutcome]:
    """``run_per_source`` with worker processes (``here``: this process is one of the ``workers``)."""
    context = _context(preload)
    board = _Board(sources, drained)
    logs = context.Queue()
    listener = QueueListener(logs, _ToItsLogger())
    sync = _Sync(os.getpid(), killpoints.shared_counts(), dict(os.environ), logs, _log_levels())
    listener.start()
    try:
        dispatcher = threading.Thread(
            target=_dispatch,
            args=(context, board, step, sync, workers - 1 if here else workers, here is not None),
            name="crmhub-workers",
            daemon=True,  # may still wait for the fork server when this process has done every source
        )
        dispatcher.start()
        if here is not None:
            while (source := board.take()) is not None:
                board.done(_outcome(source, here))
        return board.outcomes()
    finally:
        listener.stop()  # handles what the workers logged before it returns
        logs.close()


#: How much lower a step run aside (``running_aside``) is scheduled than the sync's own work: at
#: niceness 10 the kernel gives it about a tenth of a core the sync's processes want, and every core
#: they leave idle.
ASIDE_NICENESS: Final = 10


@contextmanager
def running_aside(
    sources: Sequence[str],
    step: Callable[[str], dict[str, Any]],
    preload: Sequence[str] = (),
    niceness: int = ASIDE_NICENESS,
) -> Iterator[Aside]:
    """Steps the block may start (``Aside.start``) and then go on beside: ``step(source)`` for each of
    ``sources`` in worker processes of their own, at a lower CPU priority (``niceness``). Leaving the
    block waits for steps started; those never started are not run. ``step`` must pickle, as for
    ``run_per_source``.

    Why: work the sync does not need before its next steps -- a source's orders, which no match reads
    -- would otherwise hold up those steps, while these leave cores idle (at 100k records the match
    plan kept 1.5 of 2 cores busy). Aside, the work fills the idle cores and gives way to the sync's
    own processes. (Not to the systems it talks to: started with the sync's other pulls, the web shop's
    orders slowed its customers' pull, served by the same shop -- hence started when those are done.)"""
    with ThreadPoolExecutor(1, thread_name_prefix="crmhub-aside") as thread:
        yield Aside(list(sources), _Niced(step, niceness), list(preload), thread)


@dataclass
class Aside:
    """Steps run aside (``running_aside``)."""

    sources: list[str]
    step: Callable[[str], dict[str, Any]]
    preload: list[str]
    thread: ThreadPoolExecutor
    _started: Future[list[SourceOutcome]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """Start the steps now, if not yet started: one worker process each."""
        with self._lock:
            if self._started is None and self.sources:
                args = (self.sources, self.step, len(self.sources), self.preload, None)
                self._started = self.thread.submit(_in_workers, *args)

    def outcomes(self) -> list[SourceOutcome]:
        """Every step's outcome, in ``sources``' order, once all are done (started now if not yet)."""
        self.start()
        return self._started.result() if self._started is not None else []


@dataclass(frozen=True)
class _Niced:
    """A step that lowers its worker process's CPU priority first (the process ends with the step)."""

    step: Callable[[str], dict[str, Any]]
    niceness: int

    def __call__(self, source: str) -> dict[str, Any]:
        os.nice(self.niceness)
        return self.step(source)


class _Board:
    """The sources not yet taken and the outcomes so far, shared by this process's own steps and the
    thread that runs the workers."""

    def __init__(self, sources: Sequence[str], drained: Callable[[], None] | None = None):
        self.sources = list(sources)
        self._waiting = list(sources)
        self._outcomes: dict[str, SourceOutcome] = {}
        self._changed = threading.Condition()
        self._drained = drained  # called once, by the first take that finds nothing left

    def take(self) -> str | None:
        with self._changed:
            if self._waiting:
                return self._waiting.pop(0)
            drained, self._drained = self._drained, None
        if drained is not None:
            drained()
        return None

    def done(self, outcome: SourceOutcome) -> None:
        with self._changed:
            self._outcomes[outcome.source] = outcome
            self._changed.notify_all()

    def outcomes(self) -> list[SourceOutcome]:
        """Every source's outcome, in ``sources``' order, once all are in."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._outcomes) == len(self.sources))
            return [self._outcomes[source] for source in self.sources]


def _dispatch(
    context: Any,
    board: _Board,
    step: Callable[[str], dict[str, Any]],
    sync: _Sync,
    workers: int,
    along: bool,
) -> None:
    """Give sources to up to ``workers`` worker processes, one source each, until none is left.

    ``along``: the sync takes sources itself. Then first wait for the fork server, so that no source
    is given to a worker that cannot start yet, and when workers cannot be started at all, leave the
    sources to the sync; else each source a worker could not take fails with the reason."""
    running: dict[Connection, tuple[str, Any]] = {}
    try:
        if along:
            probe = context.Process(target=_ready, name="crmhub-probe")
            probe.start()  # returns once the fork server has forked it: ready
            probe.join()
        while True:
            while len(running) < workers and (source := board.take()) is not None:
                try:
                    receive, process = _start(context, source, step, sync)
                except Exception as exc:  # noqa: BLE001 - this source's failure, reported as such
                    board.done(SourceOutcome(source, error=_not_started(exc)))
                    raise
                running[receive] = (source, process)
            if not running:
                return
            for ready in wait(list(running)):
                assert isinstance(ready, Connection)
                source, process = running.pop(ready)
                board.done(_received(ready, source, process))
    except Exception as exc:  # noqa: BLE001 - workers cannot start: no source may wait forever
        reason = _not_started(exc)
        logger.warning("source workers: %s%s", reason, "; the sync goes on alone" if along else "")
        for receive, (source, process) in running.items():
            board.done(_received(receive, source, process))
        while not along and (source := board.take()) is not None:
            board.done(SourceOutcome(source, error=reason))


def _not_started(exc: Exception) -> str:
    """The error of a source whose worker could not be started."""
    return f"WorkerNotStarted: {type(exc).__name__}: {exc}"


def _ready() -> None:
    """A worker that does nothing: its start says the fork server is ready."""


def _start(
    context: Any, source: str, step: Callable[[str], dict[str, Any]], sync: _Sync
) -> tuple[Connection, Any]:
    """A worker for ``source``'s step, and the end of the pipe its outcome comes through."""
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(send, source, step, sync), name=f"crmhub-{source}")
    process.start()
    send.close()  # the worker holds the only sending end: its death reads as end of file
    return receive, process


@dataclass(frozen=True)
class _Sync:
    """What a worker takes from the sync that starts it."""

    pid: int
    kill_counts: dict[str, Any]  # ``killpoints.shared_counts``
    environ: dict[str, str]
    logs: Any  # the queue its log records go to
    log_levels: dict[str, int]  # logger name ("" for the root) -> level set there


class _ToItsLogger(logging.Handler):
    """In the sync: a worker's log record, handled by the sync's logger of the record's name."""

    def handle(self, record: logging.LogRecord) -> bool:
        logging.getLogger(record.name).handle(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - handle() does the work
        self.handle(record)


def _log_levels() -> dict[str, int]:
    loggers = logging.root.manager.loggerDict.items()
    levels = {name: logger.level for name, logger in loggers if isinstance(logger, logging.Logger)}
    return {"": logging.root.level, **{name: level for name, level in levels.items() if level}}


def _log_like_the_sync(sync: _Sync) -> None:
    """Every record this worker logs goes to the sync's queue; loggers get the sync's levels."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(QueueHandler(sync.logs))
    for name, level in sync.log_levels.items():
        logging.getLogger(name or None).setLevel(level)


def _outcome(source: str, step: Callable[[str], dict[str, Any]]) -> SourceOutcome:
    try:
        return SourceOutcome(source, result=step(source))
    except Exception as exc:  # noqa: BLE001 - reported per source, the others go on
        return SourceOutcome(source, error=f"{type(exc).__name__}: {exc}")


def _received(connection: Connection, source: str, process: Any) -> SourceOutcome:
    try:
        outcome: SourceOutcome = connection.recv()
    except EOFError:
        process.join()
        return SourceOutcome(
            source,
            error=f"WorkerDied: the worker process for {source} ended without a result "
            f"(exit code {process.exitcode}); the source's step did not finish",
        )
    finally:
        connection.close()
    process.join()
    return outcome


def _work(send: Connection, source: str, step: Callable[[str], dict[str, Any]], sync: _Sync) -> None:
    """A worker: the sync's environment and logging, then the step; the outcome goes back through
    ``send``. The worker ends at once after sending (``os._exit``): nothing of it must wait at exit for
    a thread the step left behind while the sync waits for it to end."""
    threading.Thread(target=_end_with_the_sync, name="crmhub-lifeline", daemon=True).start()
    killpoints.part_of(sync.pid, sync.kill_counts)
    os.environ.clear()
    os.environ.update(sync.environ)
    _log_like_the_sync(sync)
    send.send(_outcome(source, step))
    send.close()
    sync.logs.close()
    sync.logs.join_thread()  # every record handed over before the process ends
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _end_with_the_sync() -> None:
    """Kill this worker when the sync that started it has ended (killed: it never collects the outcome)."""
    sync = multiprocessing.parent_process()
    if sync is not None:
        sync.join()
        os.kill(os.getpid(), signal.SIGKILL)
