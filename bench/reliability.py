"""Reliability benchmark: kill -9 the sync at random points, rerun it, and check nothing was lost.

For each trial a fresh copy of the four local source systems is seeded, ``crmhub sync`` runs as a
subprocess and is killed (SIGKILL) either at a named crash point (``hub.killpoints``) or after a random
delay, then ``crmhub sync`` runs again to completion. The trial survives when the hub converged to the
same golden-record partition as an uninterrupted run, every seeded record is stored or quarantined
exactly as in that run, and no source system received any effective write twice (counted inside the
local systems: web-shop customer updates, ERP customer changes).

The harness (:func:`start_world`, :func:`run_sync`, :func:`check_converged`) is shared with
``tests/reliability``; the loop over many kill points lives here because it is too slow for CI.

    .venv/bin/python -m bench.reliability --trials 20
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.killpoints import KILL_ENV, POINTS
from hub.store import HubStore
from schemas import RecordKey

REPO = Path(__file__).resolve().parents[1]
Partition = frozenset[frozenset[RecordKey]]


class WriteCounter:
    """Effective writes per (system, id), counted inside the local systems' own stores.

    Only a write that changes something counts, the way each system sees it: the web shop bumps
    ``date_modified`` only then, the ERP moves its change stamp only then. A push applied twice shows
    up as a count of 2.
    """

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def attach(self, systems: dict[str, Any]) -> None:
        shop = systems["webshop"].store
        shop_update = shop.update_customer

        def update_customer(customer_id: int, changes: Any) -> Any:
            before = shop.get_customer(customer_id)
            after = shop_update(customer_id, changes)
            if after is not None and after != before:
                self.counts["webshop", str(customer_id)] += 1
            return after

        shop.update_customer = update_customer
        erp = systems["erp"].store
        erp_upsert = erp.upsert

        def upsert(kunnr: Any, fields: Any, changed_at: Any = None) -> Any:
            outcome = erp_upsert(kunnr, fields, changed_at)
            if outcome.changed or outcome.created:
                self.counts["erp", str(kunnr)] += 1
            return outcome

        erp.upsert = upsert

    def twice(self) -> dict[tuple[str, str], int]:
        return {key: n for key, n in self.counts.items() if n > 1}


@dataclass
class World:
    """One seeded set of local source systems, a hub store and a config file pointing at both."""

    root: Path
    local: Any  # sources.run.LocalSources
    config_path: Path
    database_url: str
    writes: WriteCounter = field(default_factory=WriteCounter)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
        env.update(self.local.env())
        env["CRMHUB_DATABASE_URL"] = self.database_url
        env["PYTHONPATH"] = str(REPO)
        env.update(extra)
        return env

    def stop(self) -> None:
        self.local.stop()


def write_config(path: Path, database_url: str) -> Path:
    """The shipped config/crmhub.yaml with another store (all sources, push-back on)."""
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["database_url"] = database_url
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def start_world(root: Path, records: int = 120, seed: int = 11, database_url: str | None = None) -> World:
    from sources.run import start_local_sources

    root.mkdir(parents=True, exist_ok=True)
    local = start_local_sources(root / "sources", records=records, seed=seed)
    url = database_url or f"sqlite:///{root}/hub.db"
    world = World(root, local, write_config(root / "crmhub.yaml", url), url)
    world.writes.attach(local.systems)
    return world


@dataclass
class SyncOutcome:
    returncode: int
    stdout: str
    stderr: str
    killed: bool


def run_sync(
    world: World, kill_at: str | None = None, kill_after: float | None = None, timeout: float = 300
) -> SyncOutcome:
    """``crmhub sync`` as a subprocess; killed at a named point (``kill_at``) or after ``kill_after`` s."""
    extra = {KILL_ENV: kill_at} if kill_at else {}
    cmd = [sys.executable, "-m", "crmhub.cli", "--config", str(world.config_path), "sync", "--json"]
    proc = subprocess.Popen(
        cmd, env=world.env(**extra), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed = False
    try:
        stdout, stderr = proc.communicate(timeout=kill_after if kill_after is not None else timeout)
    except subprocess.TimeoutExpired:
        if kill_after is None:
            proc.kill()
            raise
        proc.kill()  # SIGKILL: no cleanup, no finally blocks, exactly like a crashed worker
        stdout, stderr = proc.communicate()
        killed = True
    killed = killed or proc.returncode == -9
    return SyncOutcome(proc.returncode, stdout, stderr, killed)


@dataclass
class HubState:
    partition: Partition
    stored: frozenset[RecordKey]
    quarantined: frozenset[tuple[str, str | None]]
    cursors_ok: bool


def read_state(world: World) -> HubState:
    store = HubStore(world.database_url)
    try:
        groups: dict[str, set[RecordKey]] = {}
        for key, golden_id in store.membership().items():
            groups.setdefault(golden_id, set()).add(key)
        stored = frozenset(store.load_records())
        quarantined = frozenset((q.source_system, q.source_id) for q in store.quarantine())
        cursors_ok = webshop_cursor_covered(world, store)
    finally:
        store.close()
    return HubState(frozenset(frozenset(g) for g in groups.values()), stored, quarantined, cursors_ok)


def webshop_cursor_covered(world: World, store: HubStore) -> bool:
    """The web shop's cursor is a readable (date_modified, id) watermark: every customer at or before
    it must be in the hub (stored or quarantined), else a crash moved the cursor ahead of the data."""
    from connectors.rest_shop import Watermark, row_key

    cursor = store.get_cursor("webshop")
    if cursor is None:
        return True
    mark = Watermark.decode(cursor)
    held = {k.source_id for k in store.load_records() if k.source_system == "webshop"}
    held |= {q.source_id for q in store.quarantine("webshop")}
    shop = world.local.systems["webshop"].store
    customers, _ = shop.list_customers(page=1, per_page=100_000, orderby="modified")
    return all(
        str(c["id"]) in held for c in customers if (key := row_key(c)) is not None and key <= mark
    )


def check_converged(
    reference: HubState, reference_writes: Counter, world: World, after_kill: HubState
) -> list[str]:
    """What is wrong with ``world`` after kill + rerun, compared with the uninterrupted reference;
    ``after_kill`` is the hub as the killed run left it."""
    state = read_state(world)
    problems = [] if after_kill.cursors_ok else ["web shop cursor ahead of stored data after the kill"]
    if state.partition != reference.partition:
        problems.append(f"golden partition differs ({len(state.partition)} vs {len(reference.partition)})")
    if state.stored != reference.stored:
        problems.append(
            f"stored records differ: {len(reference.stored - state.stored)} lost, "
            f"{len(state.stored - reference.stored)} extra"
        )
    if state.quarantined != reference.quarantined:
        problems.append("quarantined records differ")
    if twice := world.writes.twice():
        problems.append(f"pushes applied twice: {sorted(twice)[:5]}")
    if world.writes.counts != reference_writes:
        ours, theirs = sum(world.writes.counts.values()), sum(reference_writes.values())
        problems.append(f"writes at the sources differ from an uninterrupted run ({ours} vs {theirs})")
    return problems


def reference_run(root: Path, records: int, seed: int) -> tuple[HubState, Counter]:
    world = start_world(root, records, seed)
    try:
        outcome = run_sync(world)
        if outcome.returncode != 0:
            raise RuntimeError(f"reference sync failed: {outcome.stderr[-2000:]}")
        return read_state(world), Counter(world.writes.counts)
    finally:
        world.stop()


def random_kill(rng: random.Random, duration: float) -> tuple[str | None, float | None]:
    """Half the trials at a named point (its n-th pass), half after a random share of a full run."""
    if rng.random() < 0.5:
        point = rng.choice(POINTS)
        nth = rng.randint(1, 3) if point.startswith("extract") or point.startswith("publish") else 1
        return f"{point}:{nth}", None
    return None, rng.uniform(0.5, max(1.0, duration))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--records", type=int, default=120)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rng", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.rng)
    workdir = Path(tempfile.mkdtemp(prefix="crmhub-kill-"))
    try:
        started = time.monotonic()
        reference, reference_writes = reference_run(workdir / "reference", args.records, args.seed)
        duration = time.monotonic() - started
        print(f"reference run: {len(reference.partition)} golden records from {len(reference.stored)} source "
              f"records, {sum(reference_writes.values())} writes at the sources, {duration:.1f}s", flush=True)
        survived, tried, missed, failures = 0, 0, 0, []
        for trial in range(args.trials):
            kill_at, kill_after = random_kill(rng, duration)
            world = start_world(workdir / f"trial{trial}", args.records, args.seed)
            try:
                first = run_sync(world, kill_at=kill_at, kill_after=kill_after)
                after_kill = read_state(world)
                second = run_sync(world)
                problems = check_converged(reference, reference_writes, world, after_kill)
                if second.returncode != 0:
                    problems.append(f"rerun failed: {second.stderr[-500:]}")
            finally:
                world.stop()
                shutil.rmtree(world.root, ignore_errors=True)
            where = kill_at or f"t={kill_after:.2f}s"
            if not first.killed:
                missed += 1  # the run finished before the kill: not a kill point
            else:
                tried += 1
            if problems:
                failures.append(f"{where}: {'; '.join(problems)}")
            elif first.killed:
                survived += 1
            print(f"trial {trial + 1:>3}: kill at {where:<24} killed={first.killed!s:<5} "
                  f"{'; '.join(problems) or 'ok'}", flush=True)
        print(f"\nkill points survived / tried: {survived} / {tried}")
        print(f"({missed} runs finished before their timed kill and are not counted)")
        for failure in failures:
            print(f"  FAILED {failure}")
        return 0 if not failures else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
