"""Spec-only benchmark data set (issue 14 item 5): written from ``SPEC.md``, never from the matcher.

``generate(n, seed)`` returns ``n`` flat records of three systems plus ``truth_id``, and the
corruption counts (how often each kind had the chance and how often it struck).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import polars as pl

from bench.specgen.corrupt import WITHIN_SOURCE_DUPLICATE, Corruptor
from bench.specgen.entities import EntityFactory
from bench.specgen.systems import PRESENCE, SYSTEM_NAMES, render
from schemas.customer import FLAT_COLUMNS

DEFAULT_SEED = 20261205
# The flat input contract the hub reads (schemas, not the matcher), plus the answer key.
COLUMNS = (*FLAT_COLUMNS, "truth_id")


@dataclass
class Generated:
    frame: pl.DataFrame
    seen: Counter[str]
    applied: Counter[str]
    relations: dict[str, int]


def generate(n_records: int, seed: int = DEFAULT_SEED) -> Generated:
    """``n_records`` records in a seeded, shuffled order; the same seed gives the same bytes."""
    rng = random.Random(seed)
    corruptor = Corruptor(random.Random(seed + 1))
    factory = EntityFactory(rng, seed)
    columns: dict[str, list[str | None]] = {name: [] for name in COLUMNS}
    count = 0
    while count < n_records:
        for entity in factory.group():
            systems = [s for s in SYSTEM_NAMES if rng.random() < PRESENCE[s]] or [rng.choice(SYSTEM_NAMES)]
            plan = []
            for system in systems:
                plan.append((system, False))
                if entity.moved_to:  # the old and the new address both live somewhere
                    plan.append((system if rng.random() < 0.5 else rng.choice(SYSTEM_NAMES), True))
                if corruptor.count("within_source_duplicate", rng.random() < WITHIN_SOURCE_DUPLICATE):
                    plan.append((system, False))
            for system, moved in plan:
                if count >= n_records:
                    break
                record = render(entity, system, rng, corruptor, moved)
                for name in COLUMNS:
                    columns[name].append(record.get(name))
                count += 1
    order = list(range(count))
    rng.shuffle(order)  # neither row order nor source id may betray which records belong together
    columns["source_id"] = [None] * count
    frame = pl.DataFrame(columns, schema={name: pl.String for name in COLUMNS})
    frame = frame.with_columns(pl.Series("order", order)).sort("order").drop("order")
    frame = frame.with_columns(
        (
            pl.col("source_system").str.slice(0, 1).str.to_uppercase()
            + pl.int_range(pl.len()).over("source_system").cast(pl.String).str.zfill(8)
        ).alias("source_id")
    )
    return Generated(frame, corruptor.seen, corruptor.applied, factory.relations)
