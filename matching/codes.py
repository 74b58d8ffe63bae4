"""Feature values as small integers, once per record, so that pairs compare integers instead of strings.

Gathering both sides' strings for millions of candidate pairs (and turning them into Python strings
for rapidfuzz) cost more than the comparisons themselves. A column is encoded once per record instead:
equal values share a code, null is -1. Pairs then gather two integer arrays; equality and nulls are
integer tests, and a string similarity is computed once per distinct (left, right) value pair, since
the same two names, streets or tokens meet in many pairs (~5 pairs per distinct one at 100k).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar, cast

import numpy as np
import polars as pl
from rapidfuzz import process

T = TypeVar("T")


@dataclass(frozen=True)
class Coded:
    """One or more same-length series encoded together: ``codes`` per element, the distinct values."""

    #: Per element, the index of its value in ``values``; -1 for null.
    codes: np.ndarray
    values: pl.Series

    @cached_property
    def texts(self) -> np.ndarray:
        """The distinct values as Python strings for rapidfuzz, index code + 1; "" at 0 for null (as
        rapidfuzz was always given "" for a missing side)."""
        return np.concatenate([np.array([""], dtype=object), self.values.fill_null("").to_numpy()])

    def code_of(self, value: str) -> int:
        """The code of ``value``, or -2 (matches no element) when no element holds it."""
        hits = (self.values == value).fill_null(False).arg_true()
        return int(hits[0]) if len(hits) else -2


def _group(values: pl.Series, keys: np.ndarray) -> Coded | None:
    """Code ``values`` by ``keys``; None if one key stands for two different values."""
    _, inverse = np.unique(keys, return_inverse=True)  # (return_index would sort stably: 2x slower)
    first = np.empty(inverse.max(initial=-1) + 1, dtype=np.int64)
    first[inverse] = np.arange(len(inverse))  # some element of each group: all are checked equal below
    distinct = values.gather(first)
    if not distinct.gather(inverse).eq_missing(values).all():
        return None
    codes = inverse.astype(np.int32)
    codes[values.is_null().to_numpy()] = -1
    return Coded(codes, distinct)


#: A column whose first ``SAMPLE`` values hold fewer than 1/``FEW_DISTINCT`` distinct ones (countries,
#: record types, birth dates) is coded through a hash table of its distinct values; any other through
#: sorted hashes, which a table of hundreds of thousands of names or addresses is slower than. Either
#: way the codes are exact; the sample only picks the faster route.
SAMPLE = 20_000
FEW_DISTINCT = 10


def _by_lookup(values: pl.Series) -> Coded:
    """Codes as positions in the distinct non-null values (a hash table lookup per value), numbered in
    order of appearance: the same values get the same codes in every run."""
    distinct = values.drop_nulls().unique(maintain_order=True)
    numbers = pl.int_range(len(distinct), dtype=pl.Int32, eager=True)
    codes = values.replace_strict(distinct, numbers, default=-1, return_dtype=pl.Int32).fill_null(-1)
    return Coded(codes.to_numpy(), distinct)


def encode(values: pl.Series) -> Coded:
    """Codes by a lookup of few distinct values, else by the values' 64-bit hashes (fast) or, if two
    collide, by the exact but slower dense rank."""
    sample = values.head(SAMPLE)
    if sample.n_unique() * FEW_DISTINCT <= len(sample):
        return _by_lookup(values)
    coded = _group(values, values.hash().to_numpy())
    if coded is None:
        coded = _group(values, values.rank("dense").fill_null(0).to_numpy())
    assert coded is not None  # ranks are exact
    return coded


class Codebook:
    """Per features frame, its columns' codes (and other per-record arrays), computed on first use.

    Shared by every ``PairContext`` over the same frame (``codebook_of``): the candidate pairs' chunks,
    the random pairs of the u estimate and the anchor pairs all gather from one encoding.
    """

    def __init__(self) -> None:
        self._memo: dict[str, object] = {}

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, computed once per key."""
        if key not in self._memo:
            self._memo[key] = make()
        return cast(T, self._memo[key])

    def clear(self) -> None:
        """Forget everything (it is computed again on demand): ~400 MB at a million records."""
        self._memo.clear()

    def coded(self, key: str, make: Callable[[], list[pl.Series]]) -> tuple[list[np.ndarray], Coded]:
        """Codes of the series ``make`` returns, encoded together (one value, one code in all of them)."""
        return self.memo(key, lambda: _encode_parts(make()))


def _encode_parts(parts: list[pl.Series]) -> tuple[list[np.ndarray], Coded]:
    coded = encode(pl.concat(parts) if len(parts) > 1 else parts[0])
    bounds = np.cumsum([0, *(len(p) for p in parts)])
    return [coded.codes[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)], coded


def token_positions(tokens: pl.Series, count: int) -> tuple[list[np.ndarray], Coded]:
    """Per position ``0..count-1``, each record's token code there (-1: no such token), one vocabulary.

    Encodes the tokens the records have (2-3 per name) rather than ``count`` columns padded with nulls.
    """
    heads = tokens.list.head(count)
    lengths = heads.list.len().fill_null(0).to_numpy().astype(np.int64)
    coded = encode(heads.explode(empty_as_null=False, keep_nulls=False))
    record = np.repeat(np.arange(len(tokens)), lengths)
    position = np.arange(len(record)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = []
    for i in range(count):
        codes = np.full(len(tokens), -1, dtype=np.int32)
        at = position == i
        codes[record[at]] = coded.codes[at]
        positions.append(codes)
    return positions, coded


def value_lists(rows: np.ndarray, codes: np.ndarray, records: int) -> tuple[np.ndarray, np.ndarray]:
    """The value ``codes`` of each record of ``rows`` (one row per value) as (offsets, codes): record
    ``i``'s values are ``codes[offsets[i]:offsets[i + 1]]``."""
    order = np.argsort(rows, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=records))])
    return offsets, codes[order]


def any_shared(offsets: np.ndarray, codes: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per pair, whether the two records' value lists (``value_lists``) share a value.

    Every value of the left record against every value of the right one, all pairs at once: lists of
    e-mails or phones hold one or two values, so that is a few comparisons per pair, no join.
    """
    start_l, start_r = offsets[left], offsets[right]
    n_l, n_r = offsets[left + 1] - start_l, offsets[right + 1] - start_r
    combos = n_l * n_r
    pair = np.repeat(np.arange(len(left)), combos)
    within = np.arange(len(pair)) - np.repeat(np.cumsum(combos) - combos, combos)
    width = n_r[pair]
    hit = codes[start_l[pair] + within // width] == codes[start_r[pair] + within % width]
    out = np.zeros(len(left), dtype=bool)
    out[pair[hit]] = True
    return out


_shared: list[tuple[weakref.ref[pl.DataFrame], Codebook]] = []


def codebook_of(features: pl.DataFrame) -> Codebook:
    """The codebook of ``features`` (the last frame asked for keeps its book until it is freed)."""
    for ref, book in _shared:
        if ref() is features:
            return book
    book = Codebook()
    _shared[:] = [(weakref.ref(features), book)]
    weakref.finalize(features, _forget, book)
    return book


def column_codes(features: pl.DataFrame, column: str) -> Coded:
    """The encoding of one column of ``features``, from its shared codebook."""
    return codebook_of(features).coded(column, lambda: [features[column]])[1]


def _forget(book: Codebook) -> None:
    _shared[:] = [(ref, kept) for ref, kept in _shared if kept is not book]


def distinct_scores(
    left: Coded,
    left_codes: np.ndarray,
    right: Coded,
    right_codes: np.ndarray,
    scorer: Callable[..., float],
    workers: int,
    cutoff: float | None = None,
) -> np.ndarray:
    """``scorer`` of each (left, right) code pair (null as ""), computed once per distinct pair;
    ``cutoff``: rapidfuzz's ``score_cutoff`` (a similarity below it comes back as 0).

    The pairs' keys are sorted once; each distinct key's score is spread over its run of the sorted
    keys (a sequential gather) and scattered back once, where ``np.unique``'s inverse cost an argsort,
    a scatter to build the inverse and a random gather through it.
    """
    width = len(right.texts)
    keys = (left_codes.astype(np.int64) + 1) * width + (right_codes.astype(np.int64) + 1)
    order, ordered = _sort_keys(keys)
    starts = np.empty(len(keys), dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    distinct = ordered[starts]
    scores = process.cpdist(
        left.texts[distinct // width],
        right.texts[distinct % width],
        scorer=scorer,
        workers=workers,
        dtype=np.float32,
        score_cutoff=cutoff,
    )
    result = np.empty(len(keys), dtype=np.float32)
    result[order] = scores[np.cumsum(starts) - 1]
    return result


def _sort_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the sorting permutation, the sorted keys) of non-negative ``keys``.

    Each key's position is packed into its low bits and the packed keys sorted with ``np.sort``, which
    (vectorised) is ~3x faster than ``np.argsort``; keys too large to share 63 bits with a position
    are argsorted.
    """
    bits = max(len(keys) - 1, 1).bit_length()
    if int(keys.max(initial=0)) >= 1 << (63 - bits):
        order = np.argsort(keys)
        return order, keys[order]
    packed = np.sort((keys << bits) | np.arange(len(keys), dtype=np.int64))
    return packed & ((1 << bits) - 1), packed >> bits
