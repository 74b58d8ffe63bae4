"""Sources' steps in worker processes (``hub.source_workers``): each source in a process of its own,
outcomes in the sources' order, a failing or dying worker failing only its source, and no worker
outliving a killed sync."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hub.source_workers import run_per_source, running_aside, worker_count

SOURCES = ["erp", "webshop", "legacy_db", "legacy_csv"]


def _step(source: str) -> dict[str, object]:
    if source == "webshop":
        raise RuntimeError("shop refused")
    if source == "legacy_db":
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
    return {"source": source, "pid": os.getpid()}


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_source_gets_its_outcome_in_order_whatever_the_worker_count(workers):
    outcomes = run_per_source(["erp", "webshop", "legacy_csv"], _step, workers)
    assert [o.source for o in outcomes] == ["erp", "webshop", "legacy_csv"]
    assert outcomes[0].result is not None and outcomes[0].result["source"] == "erp"
    assert outcomes[1].error == "RuntimeError: shop refused" and outcomes[1].result is None
    assert outcomes[2].result is not None and outcomes[2].result["source"] == "legacy_csv"
    pids = {o.result["pid"] for o in outcomes if o.result}
    if workers == 1:
        assert pids == {os.getpid()}
    else:  # a process of its own per source, none of them this one
        assert len(pids) == 2 and os.getpid() not in pids


def _worker_step(source: str) -> dict[str, object]:
    """In a worker: say so in a file named after the source (next to the flag file in CRMHUB_TEST_DIR)."""
    (Path(os.environ["CRMHUB_TEST_DIR"]) / source).write_text(str(os.getpid()))
    return {"source": source, "pid": os.getpid()}


def test_the_sync_works_along_and_a_worker_takes_what_it_has_not_reached(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMHUB_TEST_DIR", str(tmp_path))

    def here(source: str) -> dict[str, object]:
        if source == "erp":  # busy until a worker has done another source
            deadline = time.monotonic() + 120
            while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.05)
        return {"source": source, "pid": os.getpid()}

    outcomes = run_per_source(SOURCES, _worker_step, 2, here=here)
    assert [o.source for o in outcomes] == SOURCES and all(o.result for o in outcomes)
    pids = {o.source: o.result["pid"] for o in outcomes if o.result}
    assert pids["erp"] == os.getpid()
    in_workers = {path.name for path in tmp_path.iterdir()}
    assert in_workers and "erp" not in in_workers  # each source once: here or in a worker
    assert {source for source, pid in pids.items() if pid != os.getpid()} == in_workers


def test_a_small_step_is_done_here_before_any_worker_could_start(tmp_path: Path):
    """A fresh process: its fork server takes seconds to import the pipeline; four quick steps are done
    here by then, and no worker is started for them."""
    script = (
        "import os; from hub.source_workers import run_per_source; "
        "from tests.hub.test_source_workers import _step; "
        "out = run_per_source(['a', 'b', 'c', 'd'], _step, 2, "
        "here=lambda s: {'pid': os.getpid()}); "
        "print(sorted({o.result['pid'] == os.getpid() for o in out}))"
    )
    repo = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True]"


def test_a_worker_that_dies_fails_only_its_source_with_the_exit_code():
    outcomes = run_per_source(SOURCES, _step, 2)
    by_source = {o.source: o for o in outcomes}
    assert by_source["legacy_db"].error is not None
    assert "ended without a result" in by_source["legacy_db"].error
    assert f"exit code {-signal.SIGKILL}" in by_source["legacy_db"].error
    assert by_source["erp"].result and by_source["legacy_csv"].result


def _logging_step(source: str) -> dict[str, object]:
    logging.getLogger("crmhub.test_workers").debug("pulled %s", source)
    logging.getLogger("crmhub.test_workers.quiet").info("not wanted from %s", source)
    return {}


def test_a_worker_logs_through_the_syncs_loggers_at_their_levels():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("crmhub.test_workers")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logging.getLogger("crmhub.test_workers.quiet").setLevel(logging.WARNING)
    try:
        run_per_source(["erp", "webshop"], _logging_step, 2)
    finally:
        logger.removeHandler(handler)
    assert sorted(r.getMessage() for r in records) == ["pulled erp", "pulled webshop"]
    assert all(r.process != os.getpid() for r in records)  # logged in the workers, handled here


def test_worker_count_follows_the_request_and_the_sources():
    assert worker_count(3, 2) == 2
    assert worker_count(1, 4) == 1
    assert worker_count(None, 4) == min(4, len(os.sched_getaffinity(0)))
    assert worker_count(None, 4, worth_it=False) == 1  # automatic: a small step is not worth a worker
    assert worker_count(2, 4, worth_it=False) == 2  # a number set in the configuration is kept


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_no_worker_outlives_a_killed_sync(tmp_path: Path):
    pids = tmp_path / "pids"
    (tmp_path / "sleeper.py").write_text(
        textwrap.dedent(
            f"""
            import os, time

            def step(source):
                with open({str(pids)!r}, "a") as out:
                    out.write(f"{{os.getpid()}}\\n")
                time.sleep(60)
                return {{}}
            """
        )
    )
    script = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from sleeper import step; "
        "from hub.source_workers import run_per_source; run_per_source(['a', 'b'], step, 2)"
    )
    sync = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parents[2])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_lines(pids)) < 2:
            time.sleep(0.05)
        workers = [int(line) for line in _lines(pids)]
        assert len(workers) == 2
        sync.kill()
        sync.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)
    finally:
        sync.kill()


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped (a zombie no longer runs anything)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:  # gone, or going while read (ProcessLookupError)
        return False
    return status != "Z"


def _priority_step(source: str) -> dict[str, object]:
    if source == "webshop#orders":
        raise RuntimeError("orders refused")
    return {"source": source, "pid": os.getpid(), "niceness": os.getpriority(os.PRIO_PROCESS, 0)}


def test_steps_aside_run_in_processes_of_lower_priority_once_started_and_only_then(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMHUB_TEST_DIR", str(tmp_path))
    own = os.getpriority(os.PRIO_PROCESS, 0)
    with running_aside(["erp#orders", "webshop#orders"], _priority_step, niceness=7) as aside:
        outcomes = aside.outcomes()  # starts them, then waits
    assert [o.source for o in outcomes] == ["erp#orders", "webshop#orders"]
    assert outcomes[1].error == "RuntimeError: orders refused"
    result = outcomes[0].result
    assert result is not None and result["pid"] != os.getpid() and result["niceness"] == min(own + 7, 19)
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # this process keeps its own

    with running_aside(["erp#orders"], _worker_step) as aside:
        pass  # never started: never run
    assert not any(tmp_path.iterdir())
    with running_aside([], _worker_step) as aside:
        assert aside.outcomes() == []


@pytest.mark.parametrize("workers", [1, 2])
def test_drained_is_called_once_when_every_source_has_been_taken(workers):
    taken: list[int] = []
    outcomes = run_per_source(SOURCES[:1] + SOURCES[2:3], _step_ok, workers, drained=lambda: taken.append(1))
    assert [o.source for o in outcomes] == ["erp", "legacy_db"] and taken == [1]


def _step_ok(source: str) -> dict[str, object]:
    return {"source": source}
