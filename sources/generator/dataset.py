"""Assemble customers, renderings, duplicates and malformed rows into a deterministic dataset.

Generation streams in chunks of about 20k rows: each chunk is shuffled before source ids
are assigned, so neither row order nor id order leaks which rows belong together, and a 1M-record
CSV never needs all rows in memory (``iter_rows``). ``generate_dataset`` collects for convenience.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sources.generator.customers import CustomerFactory, HardNegative
from sources.generator.malformed import BAD_PREFIX, MALFORMED_KINDS, corrupt
from sources.generator.render import SYSTEMS, Renderer

#: Fixed "now" of generated data, so that a seed gives the same bytes on every day it is run.
DEFAULT_AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
DEFAULT_MALFORMED_RATE = 0.005
DUPLICATE_RATE = 0.04  # share of customers entered twice into one system
CHUNK_ROWS = 20_000

# How many systems a real customer is in (1-4), and how likely each system is to know a customer.
_SYSTEM_COUNT_WEIGHTS = (0.35, 0.35, 0.2, 0.1)
_SYSTEM_WEIGHTS = {"erp": 0.8, "webshop": 0.6, "legacy_db": 0.45, "legacy_csv": 0.35}
_DUPLICATE_WEIGHTS = {"webshop": 0.6, "erp": 0.2, "legacy_db": 0.1, "legacy_csv": 0.1}


@dataclass
class Dataset:
    """Generated rows plus the truth needed to score a matcher on them."""

    rows: list[dict[str, str]]
    hard_negatives: list[HardNegative] = field(default_factory=list)
    seed: int = 0

    def clusters(self) -> dict[str, list[tuple[str, str]]]:
        """truth_id -> source keys ``(system, id)`` of that real customer (malformed rows excluded)."""
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row in self.rows:
            if not row["truth_id"].startswith(BAD_PREFIX):
                out[row["truth_id"]].append((row["source_system"], row["source_id"]))
        return dict(out)

    def truth_pairs(self) -> set[frozenset[tuple[str, str]]]:
        """All pairs of source records that are the same real customer."""
        return {
            frozenset(pair) for keys in self.clusters().values() for pair in itertools.combinations(keys, 2)
        }

    @property
    def malformed_rows(self) -> list[dict[str, str]]:
        return [r for r in self.rows if r["truth_id"].startswith(BAD_PREFIX)]

    @property
    def valid_rows(self) -> list[dict[str, str]]:
        return [r for r in self.rows if not r["truth_id"].startswith(BAD_PREFIX)]


class _SourceIds:
    """Per-system id shapes: erp "0000104711", webshop integers, legacy_db "K-12345", legacy_csv "C12345"."""

    _FORMATS = {"erp": "{:010d}", "webshop": "{}", "legacy_db": "K-{:05d}", "legacy_csv": "C{:05d}"}
    _STARTS = {"erp": 100_000, "webshop": 1_000, "legacy_db": 10_000, "legacy_csv": 10_000}

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.next = dict(self._STARTS)

    def assign(self, row: dict[str, str]) -> None:
        system = row["source_system"]
        n = self.next[system]
        # Gaps, as in real systems where records were deleted or ids reserved.
        self.next[system] = n + (1 if self.rng.random() < 0.85 else self.rng.randint(2, 9))
        row["source_id"] = self._FORMATS[system].format(n)


def _system_subsets(systems: tuple[str, ...]) -> tuple[list[tuple[str, ...]], list[float]]:
    """All non-empty system subsets with their probability (size distribution x per-system likelihood)."""
    subsets, weights = [], []
    for k in range(1, len(systems) + 1):
        combos = list(itertools.combinations(systems, k))
        raw = [_product(_SYSTEM_WEIGHTS[s] for s in combo) for combo in combos]
        size_weight = (
            _SYSTEM_COUNT_WEIGHTS[k - 1] if k < len(systems) else sum(_SYSTEM_COUNT_WEIGHTS[k - 1 :])
        )
        for combo, w in zip(combos, raw, strict=True):
            subsets.append(combo)
            weights.append(size_weight * w / sum(raw))
    return subsets, list(itertools.accumulate(weights))


def _product(values) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def _check_args(n_records: int, systems: tuple[str, ...], malformed_rate: float) -> None:
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise ValueError(f"unknown or no systems {unknown or systems!r}; known: {', '.join(SYSTEMS)}")
    if len(set(systems)) != len(systems):
        raise ValueError(f"systems listed twice: {systems!r}")
    if n_records < 1:
        raise ValueError(f"n_records must be positive, got {n_records}")
    if not 0.0 <= malformed_rate < 0.5:
        raise ValueError(f"malformed_rate must be in [0, 0.5), got {malformed_rate}")


def iter_chunks(
    n_records: int,
    seed: int = 7,
    systems: tuple[str, ...] = SYSTEMS,
    malformed_rate: float = DEFAULT_MALFORMED_RATE,
    as_of: datetime = DEFAULT_AS_OF,
    hard_negatives: list[HardNegative] | None = None,
) -> Iterator[list[dict[str, str]]]:
    """Yield shuffled chunks of rows until about ``n_records`` exist; fills ``hard_negatives`` if given."""
    systems = tuple(systems)
    _check_args(n_records, systems, malformed_rate)
    rng = random.Random(seed)
    factory = CustomerFactory(rng, as_of.date())
    renderer = Renderer(rng, int(as_of.timestamp()))
    ids = _SourceIds(rng)
    subsets, cum_weights = _system_subsets(systems)
    dup_systems = list(systems)
    dup_weights = [_DUPLICATE_WEIGHTS[s] for s in systems]
    choices, rnd = rng.choices, rng.random
    produced, bad_due, bad_serial = 0, 0.0, 0
    while produced < n_records:
        chunk: list[dict[str, str]] = []
        while len(chunk) < CHUNK_ROWS and produced + len(chunk) < n_records:
            kind, customers = factory.unit()
            if hard_negatives is not None and kind != "single":
                hard_negatives.append(HardNegative(kind, tuple(c.truth_id for c in customers)))
            before = len(chunk)
            for customer in customers:
                in_systems = choices(subsets, cum_weights=cum_weights)[0]
                duplicate = choices(dup_systems, weights=dup_weights)[0] if rnd() < DUPLICATE_RATE else None
                if duplicate is not None and duplicate not in in_systems:
                    in_systems = (*in_systems, duplicate)
                chunk.extend(renderer.customer_rows(customer, in_systems, duplicate))
            bad_due += malformed_rate * (len(chunk) - before)
            while bad_due >= 1.0:
                bad_due -= 1.0
                kind = MALFORMED_KINDS[bad_serial % len(MALFORMED_KINDS)]
                victim = factory.person(factory.locale())
                system = rng.choice(systems)
                row = renderer.row(victim, system, renderer.end - rng.randint(0, renderer.span), False)
                bad_serial += 1
                chunk.append(corrupt(rng, row, kind, bad_serial))
        rng.shuffle(chunk)
        for row in chunk:
            ids.assign(row)
        produced += len(chunk)
        yield chunk


def iter_rows(
    n_records: int,
    seed: int = 7,
    systems: tuple[str, ...] = SYSTEMS,
    malformed_rate: float = DEFAULT_MALFORMED_RATE,
    as_of: datetime = DEFAULT_AS_OF,
) -> Iterator[dict[str, str]]:
    """Stream rows (for CSVs too big to hold); same rows, same order as :func:`generate_dataset`."""
    for chunk in iter_chunks(n_records, seed, systems, malformed_rate, as_of):
        yield from chunk


def generate_dataset(
    n_records: int = 1000,
    seed: int = 7,
    systems: tuple[str, ...] = SYSTEMS,
    malformed_rate: float = DEFAULT_MALFORMED_RATE,
    as_of: datetime = DEFAULT_AS_OF,
) -> Dataset:
    """Generate about ``n_records`` source records (all systems together) with known truth.

    Deterministic for ``seed`` (and ``as_of``). ``malformed_rate=0.0`` leaves out the BAD- rows.
    """
    hard: list[HardNegative] = []
    rows = [
        row for chunk in iter_chunks(n_records, seed, systems, malformed_rate, as_of, hard) for row in chunk
    ]
    return Dataset(rows=rows, hard_negatives=hard, seed=seed)
