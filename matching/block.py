"""Blocking: which record pairs are worth comparing at all.

Several independent keys, so that a true pair is still found when one field is missing, mistyped or
written in another script (the name keys are already transliterated). Each key groups the records by
its value (polars) and pairs the records of each block (numpy); the union over all keys is deduplicated
once. A block larger than ``max_block_size`` (a company switchboard
shared by 5 000 contacts, "john smith" over a million rows) is skipped and reported, never silently
exploded into millions of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class BlockingKey:
    name: str
    #: Feature columns whose values, all non-null, form the key.
    columns: tuple[str, ...]
    #: A list column to explode first (several e-mails or phones per record).
    explode: str | None = None
    max_block_size: int | None = None
    #: Only pairs whose two records differ in this (boolean) column: a key for pairs across scripts,
    #: where the same key within one script would pair father and son at one address.
    across: str | None = None


DEFAULT_KEYS: tuple[BlockingKey, ...] = (
    BlockingKey("email", ("emails",), explode="emails"),
    BlockingKey("phone", ("phones",), explode="phones", max_block_size=30),
    BlockingKey("tax_id", ("tax",)),
    BlockingKey("name+birth_year", ("any_name_key", "birth_year")),
    # a Chinese-script name's other reading (Cantonese, Wade-Giles) against a Latin spelling
    BlockingKey("alt_name+birth_year", ("alt_name_key", "birth_year")),
    # ... and its sound (RTGS "wongswat" / "WONGSAWAT", Cantonese "chow shuk wai") where the other
    # side has no birth date: with the postal code, or alone in small blocks
    BlockingKey("alt_phonetic_name+postal_code", ("alt_name_phon", "postal"), max_block_size=50),
    BlockingKey("alt_phonetic_name", ("alt_name_phon",), max_block_size=20),
    BlockingKey("name+postal_code", ("any_name_key", "postal"), max_block_size=50),
    BlockingKey("phonetic_name+dob", ("name_phon", "dob")),
    BlockingKey("phonetic_name+postal_code", ("name_phon", "postal"), max_block_size=50),
    BlockingKey("dob+postal_code", ("dob", "postal")),
    # the birth date and the house number, which survive a move of script ("198 SUKHUMVIT ROAD" /
    # "198 ถนนสุขุมวิท") where the name, street and postal code keys all missed
    BlockingKey("dob+house_number", ("dob", "house"), max_block_size=12),
    # ... and the name's sound with the house number across scripts ("何美玲, 忠孝東路88號" / "Meiling Ho,
    # No. 88 Zhongxiao East Road") where the other side has no birth date and no postal code
    BlockingKey(
        "cross_script_name+house_number", ("alt_name_phon", "house"), max_block_size=12, across="non_latin"
    ),
    # one name token and the postal code: a mistyped family name, a nickname, a one-word name
    BlockingKey(
        "name_token+postal_code", ("name_tokens", "postal"), explode="name_tokens", max_block_size=12
    ),
    # one name token and the whole birth date: the other token mistyped or in another romanisation, the
    # address moved ("MARGARE LEWIS" / "Margaret Lewis", "CVETKOVA" / "Цветкова")
    BlockingKey("name_token+dob", ("name_tokens", "dob"), explode="name_tokens", max_block_size=12),
    # a common company name at the same street and house number, the postal code left out on one side:
    # a company is one customer per address. Not for persons: the same "Robert Taylor" at one address
    # is a father and son as often as one customer (on the generated data one in eight such pairs).
    BlockingKey("org_name+street", ("org_key", "street"), max_block_size=12),
    BlockingKey("org_name", ("org_key",), max_block_size=30),
    BlockingKey("name", ("any_name_key",), max_block_size=20),
    BlockingKey("phonetic_name", ("name_phon",), max_block_size=20),
)


@dataclass
class BlockingStats:
    pairs_by_key: dict[str, int] = field(default_factory=dict)
    oversized_blocks: dict[str, int] = field(default_factory=dict)
    records_in_oversized_blocks: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0


def _key_frame(features: pl.DataFrame, key: BlockingKey) -> pl.DataFrame:
    side = [key.across] if key.across else []
    frame = features.select("_row", "record_type", *key.columns, *side)
    if key.explode:
        frame = frame.explode(key.explode)
    frame = frame.drop_nulls(list(key.columns))
    key_expr = pl.concat_str([pl.col("record_type"), *[pl.col(c) for c in key.columns]], separator="\x1f")
    return frame.select("_row", key_expr.alias("k"), *side).unique()


def _blocks(features: pl.DataFrame, key: BlockingKey) -> pl.DataFrame:
    """Per value of ``key`` (and record type): its rows (``_row``, a list) and their number (``len``).

    Grouped on the key's columns themselves rather than on ``_key_frame``'s joined string, which costs
    a string per row and key (the blocks are the same unless a value holds the separator; then these
    are finer, and ``blocking_components`` still keeps each in one component). A row is in each block
    once (the same e-mail twice in one record).
    """
    frame = features.select("_row", "record_type", *key.columns)
    if key.explode:
        frame = frame.explode(key.explode)
    frame = frame.drop_nulls(["record_type", *key.columns])
    if key.explode:
        frame = frame.unique()
    return frame.group_by("record_type", *key.columns).agg(pl.col("_row"), pl.len())


def _block_pairs(rows: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows within each block (``rows`` lists the blocks one after another, ``sizes``
    long), smaller row first: the self-join per block, without a join."""
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = np.arange(len(rows))
    partners = starts + np.repeat(sizes, sizes) - 1 - position  # the block's positions after this one
    first = np.repeat(position, partners)
    run_start = np.repeat(np.cumsum(partners) - partners, partners)
    second = first + 1 + (np.arange(len(first)) - run_start)
    a, b = rows[first], rows[second]
    return np.minimum(a, b), np.maximum(a, b)


def _distinct(codes: np.ndarray) -> np.ndarray:
    """Sorted distinct values: a sort and a neighbour comparison (``np.unique`` hashes, 5x slower here)."""
    codes = np.sort(codes)
    if not len(codes):
        return codes
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _key_pairs(
    features: pl.DataFrame, key: BlockingKey, cap: int, n: int, stats: BlockingStats
) -> np.ndarray:
    """One key's distinct pairs as codes ``l * n + r``; its oversized blocks are counted in ``stats``."""
    blocks = _blocks(features, key)
    oversized = blocks.filter(pl.col("len") > cap)
    stats.oversized_blocks[key.name] = oversized.height
    stats.records_in_oversized_blocks[key.name] = int(oversized["len"].sum() or 0)
    usable = blocks.filter(pl.col("len").is_between(2, cap))
    rows = usable["_row"].explode().to_numpy().astype(np.int64)
    left, right = _block_pairs(rows, usable["len"].to_numpy().astype(np.int64))
    if key.across:
        side = features[key.across]
        known, value = side.is_not_null().to_numpy(), side.fill_null(False).to_numpy()
        keep = known[left] & known[right] & (value[left] != value[right])
        left, right = left[keep], right[keep]
    codes = left * n + right
    # without a list column each row has one value, so each pair is in one block only
    return _distinct(codes) if key.explode else codes


def candidate_pairs(
    features: pl.DataFrame, keys: tuple[BlockingKey, ...] = DEFAULT_KEYS, max_block_size: int = 200
) -> tuple[pl.DataFrame, BlockingStats]:
    """Return unique ``(l, r)`` row pairs with ``l < r``, sorted, plus per-key statistics."""
    stats = BlockingStats()
    n = int(np.max(features["_row"].to_numpy(), initial=0)) + 1
    parts = []
    for key in keys:
        codes = _key_pairs(features, key, key.max_block_size or max_block_size, n, stats)
        stats.pairs_by_key[key.name] = len(codes)
        parts.append(codes)
    codes = _distinct(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    dtype = features.schema["_row"]
    result = pl.DataFrame({"l": pl.Series(codes // n, dtype=dtype), "r": pl.Series(codes % n, dtype=dtype)})
    stats.candidate_pairs = result.height
    return result, stats


def blocking_components(
    features: pl.DataFrame,
    keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    extra_edges: list[tuple[int, int]] | None = None,
) -> np.ndarray:
    """Component label per record row of the graph "records sharing any blocking key value".

    Oversized blocks are included: a block is skipped or used depending on its size *in the frame being
    matched*, so all of a block's records must travel together for a subset of components to see the
    same block sizes (and so the same candidate pairs) as the full frame. Linking records through a
    key node instead of pairwise costs one edge per record and key, never a block-sized clique.
    """
    n = features.height
    parts = [
        _key_frame(features, key).select("_row", (pl.lit(key.name + "\x1e") + pl.col("k")).alias("k"))
        for key in keys
    ]
    keyed = pl.concat(parts) if parts else pl.DataFrame(schema={"_row": pl.UInt32, "k": pl.Utf8})
    node = keyed.select(pl.col("k").rank("dense").cast(pl.Int64) - 1 + n).to_series().to_numpy()
    rows = keyed["_row"].cast(pl.Int64).to_numpy()
    extra = np.array(extra_edges or [], dtype=np.int64).reshape(-1, 2)
    left = np.concatenate([rows, extra[:, 0]])
    right = np.concatenate([node, extra[:, 1]])
    size = n + (int(node.max()) - n + 1 if len(node) else 0)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    components: np.ndarray = labels[:n].astype(np.int64)
    return components
