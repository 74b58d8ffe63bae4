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
import json
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
        """Wrap the stores' write paths that every single and bulk (batch) write goes through."""
        shop = systems["webshop"].store
        shop_update = shop.update_customers

        def update_customers(updates: Any) -> Any:
            updates = list(updates)
            before = [shop.get_customer(customer_id) for customer_id, _ in updates]
            after = shop_update(updates)
            for (customer_id, _), old, new in zip(updates, before, after, strict=True):
                if new is not None and new != old:
                    self.counts["webshop", str(customer_id)] += 1
            return after

        shop.update_customers = update_customers
        erp = systems["erp"].store
        erp_upsert = erp._upsert

        def upsert(db: Any, kunnr: Any, fields: Any, changed_at: Any, recorded: Any) -> Any:
            outcome = erp_upsert(db, kunnr, fields, changed_at, recorded)
            if outcome.changed or outcome.created:
                self.counts["erp", str(kunnr)] += 1
            return outcome

        erp._upsert = upsert

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
    HubStore(url, upgrade=True).close()  # as a deployment runs `crmhub db-upgrade` once; syncs do not
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
    store = HubStore(world.database_url, upgrade=True)
    try:
        groups: dict[str, set[RecordKey]] = {}
        for key, golden_id in store.golden.membership().items():
            groups.setdefault(golden_id, set()).add(key)
        stored = frozenset(store.staging.load_records())
        quarantined = frozenset((q.source_system, q.source_id) for q in store.staging.quarantine())
        cursors_ok = webshop_cursor_covered(world, store)
    finally:
        store.close()
    return HubState(frozenset(frozenset(g) for g in groups.values()), stored, quarantined, cursors_ok)


def webshop_cursor_covered(world: World, store: HubStore) -> bool:
    """The web shop's cursor is the next page of its id-ordered scan: every customer on the pages
    before it must be in the hub (stored or quarantined), else a crash moved the cursor ahead of the
    data. (page 1: a scan ended or none began; nothing is claimed.)"""
    from connectors.shop_scan import ScanCursor

    cursor = store.staging.get_cursor("webshop")
    if cursor is None:
        return True
    config = yaml.safe_load(world.config_path.read_text(encoding="utf-8"))
    per_page = next(s.get("page_size", 100) for s in config["sources"] if s["name"] == "webshop")
    held = {k.source_id for k in store.staging.load_records() if k.source_system == "webshop"}
    held |= {q.source_id for q in store.staging.quarantine("webshop")}
    shop = world.local.systems["webshop"].store
    customers, _ = shop.list_customers(page=1, per_page=100_000, orderby="id")
    delivered = customers[: (ScanCursor.decode(cursor).page - 1) * min(per_page, 100)]
    return all(str(c["id"]) in held for c in delivered)


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


# ---- injected source faults ----------------------------------------------------------------------

#: (name, source, how to arm it, faults injected, recoverable by retries)
FAULTS: list[tuple[str, str, Any, int, bool]] = [
    ("erp 503 x3", "erp", lambda s: setattr(s.faults, "http_503", 3), 3, True),
    ("erp 429 x2", "erp", lambda s: (setattr(s.faults, "retry_after", 0), setattr(s.faults, "http_429", 2)),
     2, True),
    ("erp transient SOAP fault x3", "erp", lambda s: setattr(s.faults, "soap_transient", 3), 3, True),
    ("erp malformed page", "erp", lambda s: setattr(s.faults, "malformed", 1), 1, True),
    ("web shop 503 x3", "webshop", lambda s: s.faults.fail_next(3, 503), 3, True),
    ("web shop 500 x2", "webshop", lambda s: s.faults.fail_next(2, 500), 2, True),
    ("web shop 429 x2", "webshop", lambda s: s.faults.throttle_next(2, retry_after=0), 2, True),
    ("web shop malformed record", "webshop", lambda s: s.faults.malform_next(1), 1, True),
    ("erp 503 beyond retries", "erp", lambda s: setattr(s.faults, "http_503", 1000), 5, False),
    ("erp SOAP fault beyond retries", "erp", lambda s: setattr(s.faults, "soap_transient", 1000), 4, False),
    ("web shop 503 beyond retries", "webshop", lambda s: s.faults.fail_next(1000, 503), 5, False),
    ("web shop truncated JSON", "webshop", lambda s: s.faults.truncate_next(1), 1, False),
]


def seeded_keys(local: Any) -> set[tuple[str, str]]:
    from sources.run import seed_rows

    meta = json.loads((local.data_dir / "seeded.json").read_text())
    rows = seed_rows(meta["records"], meta["seed"])
    return {(r["source_system"], r["source_id"]) for system in rows.values() for r in system}


def fault_trial(root: Path, name: str, source: str, arm: Any, recoverable: bool, records: int) -> list[str]:
    """Arm one fault, sync, clear it, sync again: what went wrong (empty = survived)."""
    from hub.pipeline import SyncPipeline
    from schemas import load_config
    from sources.run import export_env

    world = start_world(root, records=records, seed=5)
    try:
        export_env(world.local)
        os.environ["CRMHUB_DATABASE_URL"] = world.database_url
        pipeline = SyncPipeline(load_config(world.config_path), HubStore(world.database_url, upgrade=True))
        arm(world.local.systems[source])
        first = pipeline.run(run_id="faulty")
        problems = []
        expected = set() if recoverable else {f"extract:{source}"}
        if set(first.failed) - {f"publish:{source}"} != expected:
            problems.append(f"failed {sorted(first.failed)}, expected {sorted(expected)}")
        system = world.local.systems[source]
        system.faults.clear() if hasattr(system.faults, "clear") else system.faults.arm(_no_faults())
        second = pipeline.run(run_id="clean")
        if second.failed:
            problems.append(f"clean rerun failed: {sorted(second.failed)}")
        held = {tuple(k) for k in pipeline.store.staging.load_records()}
        held |= {(q.source_system, q.source_id) for q in pipeline.store.staging.quarantine()}
        if lost := seeded_keys(world.local) - held:
            problems.append(f"{len(lost)} records lost")
        return problems
    finally:
        world.stop()
        os.environ.pop("CRMHUB_DATABASE_URL", None)


def _no_faults() -> Any:
    from sources.erp.faults import FaultSettings

    return FaultSettings()


def run_faults(workdir: Path, records: int) -> bool:
    injected = survived = 0
    for n, (name, source, arm, count, recoverable) in enumerate(FAULTS):
        problems = fault_trial(workdir / f"fault{n}", name, source, arm, recoverable, records)
        injected += count
        survived += 0 if problems else count
        outcome = "absorbed (retried or quarantined)" if recoverable else "failed alone, rerun complete"
        print(f"fault {name:<32} x{count}: {'; '.join(problems) or outcome}", flush=True)
    print(f"\nfaults injected / survived: {injected} / {survived}\n", flush=True)
    return injected == survived


# ---- bad input -------------------------------------------------------------------------------------

#: Defects beyond the generator's BAD- rows: wrong types, wrong encoding, mixed scripts, hostile text.
EXTRA_BAD = {
    "wrong_type_date": {"date_of_birth": "yesterday"},
    "wrong_encoding": {"family_name": "M\ufffdller"},
    "mixed_scripts": {"given_name": "Pаul"},
    "control_in_city": {"city": "Ber\x00lin"},
    "oversized_name": {"family_name": "X" * 5000},
    "future_birth": {"date_of_birth": "2199-01-01"},
}


def run_bad_inputs(workdir: Path, records: int) -> bool:
    """Sync a population with the generator's malformed rows plus :data:`EXTRA_BAD`; count outcomes."""
    from hub.pipeline import SyncPipeline
    from schemas import load_config
    from sources.generator.malformed import BAD_PREFIX, MALFORMED_KINDS, corrupt
    from sources.run import export_env, seed_rows

    world = start_world(workdir / "bad", records=records, seed=13)
    try:
        template = {"source_system": "legacy_db", "record_type": "person", "given_name": "Greta",
                    "family_name": "Lindqvist", "full_name": "", "organization_name": "",
                    "email": "greta@example.com", "phone": "+49 30 1234567", "street": "Hauptstr. 5",
                    "postal_code": "10115", "city": "Berlin", "country": "DE", "date_of_birth": "1980-04-02",
                    "updated_at": "2026-01-02T03:04:05Z"}
        extra = [{**template, **defect, "source_id": f"B-{n}"} for n, defect in enumerate(EXTRA_BAD.values())]
        rng = random.Random(13)
        kinds = MALFORMED_KINDS * 8  # every generator defect kind, several variants each
        extra += [
            {**corrupt(rng, dict(template), kind, n), "source_id": f"G-{n}"} for n, kind in enumerate(kinds)
        ]
        world.local.systems["legacy_db"].seed(extra)
        export_env(world.local)
        os.environ["CRMHUB_DATABASE_URL"] = world.database_url
        pipeline = SyncPipeline(load_config(world.config_path), HubStore(world.database_url, upgrade=True))
        summary = pipeline.run(run_id="bad-input")
        meta = json.loads((world.local.data_dir / "seeded.json").read_text())
        rows = [r for system in seed_rows(meta["records"], meta["seed"]).values() for r in system]
        bad = {(r["source_system"], r["source_id"]) for r in rows if r["truth_id"].startswith(BAD_PREFIX)}
        bad |= {("legacy_db", row["source_id"]) for row in extra}
        everything = {(r["source_system"], r["source_id"]) for r in rows} | bad
        staging = pipeline.store.staging
        stored = {tuple(k) for k in staging.load_records()}
        quarantined = {(q.source_system, q.source_id) for q in staging.quarantine() if q.reason}
        lost = everything - stored - quarantined
        caught = bad & quarantined
        print(f"bad inputs tried / quarantined / lost: {len(bad)} / {len(caught)} / {len(lost)}")
        if accepted := sorted(bad - quarantined):
            print(f"  accepted after cleaning (stored, not quarantined): {accepted}")
        failures = sorted(summary.failed) or "none"
        print(f"  good records stored: {len(stored - bad)}; sync failures: {failures}")
        return not lost and not summary.failed
    finally:
        world.stop()
        os.environ.pop("CRMHUB_DATABASE_URL", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["kill", "faults", "bad-input"], help="run one part only")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--records", type=int, default=120)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rng", type=int, default=1)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="crmhub-reliability-"))
    try:
        ok = True
        if args.only in (None, "faults"):
            ok &= run_faults(workdir, records=80)
        if args.only in (None, "bad-input"):
            ok &= run_bad_inputs(workdir, records=300)
        if args.only in (None, "kill"):
            ok &= run_kills(workdir, args)
        return 0 if ok else 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_kills(workdir: Path, args: argparse.Namespace) -> bool:
    """The kill -9 loop: random named points and random times, each checked against a reference run."""
    rng = random.Random(args.rng)
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
    return not failures


if __name__ == "__main__":
    sys.exit(main())
