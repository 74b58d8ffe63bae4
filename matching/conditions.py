"""Conditions over comparison levels and pair facts: the vocabulary the decision rules are written in.

A condition is a small frozen object (Splink keeps its comparison levels the same way): it can say in
words what it tests (``describe``, shown to stewards and hashed into the model fingerprint) and it turns
all candidate pairs at once into one boolean array (``mask``). Nothing runs per pair; every level mask
and pair fact is computed once per run and shared by all the rules that use it (``PairFacts``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from matching.compare import Comparison, PairContext
from matching.households import given_names_differ


class PairFacts:
    """What the conditions look at, per candidate pair: the levels reached and a few named facts.

    Facts are about the two records rather than one comparison (both organisations, written in two
    scripts, from one system...) or about the data set (``households``: does it hold family members at
    all, see ``matching.households``). A condition naming an unknown fact fails loudly at evaluation.
    The arrays handed out are shared between rules: never modify one in place.
    """

    def __init__(
        self,
        ctx: PairContext,
        levels: np.ndarray,
        comparisons: Sequence[Comparison],
        system: np.ndarray,
        households: bool,
    ) -> None:
        self.ctx = ctx
        self.levels = levels
        self.comparisons = {c.name: (i, c) for i, c in enumerate(comparisons)}
        self.n = len(levels)
        self._levels: dict[tuple[str, frozenset[str]], np.ndarray] = {}
        self._facts: dict[str, np.ndarray] = {}
        self._columns: dict[int, np.ndarray] = {}
        self._fact_functions: dict[str, Callable[[], np.ndarray]] = {
            "persons": lambda: self._both(pl.col("record_type") == "person"),
            "organizations": lambda: self._both(pl.col("record_type") == "organization"),
            "cross_script": lambda: self._differ("non_latin"),
            "same_system": lambda: system[ctx.left] == system[ctx.right],
            "one_suffix": self._one_suffix,
            # a person's mobile is their own device, as their e-mail is their own mailbox; the household
            # shares the landline
            "shared_mobile": lambda: self.fact("persons") & ctx.any_shared("mobiles"),
            "households": lambda: np.full(self.n, households),
            "given_names_differ": self._given_names_differ,
        }

    def _given_names_differ(self) -> np.ndarray:
        """Two persons' given names in one script, neither a typo nor an initial of the other, also
        with one side's name parts swapped (a legacy export's "BRAY" / "E." is Elliot Bray). The
        swapped readings are compared only for the pairs that differ plainly (a few of all pairs).
        Two equal keys are one name, so only the pairs whose keys differ are compared at all."""
        rows = np.flatnonzero(self.fact("persons") & ~self.fact("cross_script") & self._differ("given_key"))
        given_l, given_r = self._sides("given_key", rows)
        differ = np.zeros(self.n, dtype=bool)
        differ[rows] = given_names_differ(given_l, given_r)
        kept = differ[rows]
        rows, given_l, given_r = rows[kept], given_l.filter(kept), given_r.filter(kept)
        if not len(rows):
            return differ
        family_l, family_r = self._sides("family_key", rows)

        def related(a: pl.Series, b: pl.Series) -> np.ndarray:
            known: np.ndarray = (a.is_not_null() & b.is_not_null()).to_numpy()
            both_related: np.ndarray = known & ~given_names_differ(a, b)
            return both_related

        differ[rows[related(given_l, family_r) | related(family_l, given_r)]] = False
        return differ

    def _one_suffix(self) -> np.ndarray:
        marked = self.ctx.features["suffix"].is_not_null().to_numpy()
        one: np.ndarray = marked[self.ctx.left] != marked[self.ctx.right]
        return one

    # The facts below are computed per record and then paired, like ``PairContext``'s own ``both`` and
    # ``differ`` but without gathering a string column for every pair into its cache, where it would
    # stay to the end of the run (at a million records ~1 GB for the columns the facts read).

    def _both(self, test: pl.Expr) -> np.ndarray:
        """Both records pass ``test`` (a boolean expression over the features; unknown fails)."""
        hit = self.ctx.features.select(test.fill_null(False)).to_series().to_numpy()
        both: np.ndarray = hit[self.ctx.left] & hit[self.ctx.right]
        return both

    def _differ(self, column: str) -> np.ndarray:
        """Both records hold a value of ``column`` and the values differ (unknown is no difference)."""
        values = self.ctx.features[column]
        known = values.is_not_null().to_numpy()
        code = _codes(values)
        left, right = self.ctx.left, self.ctx.right
        differ: np.ndarray = known[left] & known[right] & (code[left] != code[right])
        return differ

    def _sides(self, column: str, rows: np.ndarray) -> tuple[pl.Series, pl.Series]:
        """``column`` of the left and of the right record of the pairs ``rows``."""
        values = self.ctx.features[column]
        return values.gather(self.ctx.left[rows]), values.gather(self.ctx.right[rows])

    def level(self, field: str, wanted: frozenset[str]) -> np.ndarray:
        """Pairs whose ``field`` comparison reached one of ``wanted``; none if the engine lacks it."""
        key = (field, wanted)
        if key not in self._levels:
            if field not in self.comparisons:
                self._levels[key] = np.zeros(self.n, dtype=bool)
            else:
                index, comparison = self.comparisons[field]
                unknown = wanted - set(comparison.levels)
                if unknown:
                    raise ValueError(f"comparison {field!r} has no level(s) {sorted(unknown)}")
                self._levels[key] = self._reached(index, comparison, wanted)
        return self._levels[key]

    def _reached(self, index: int, comparison: Comparison, wanted: frozenset[str]) -> np.ndarray:
        """One equality per wanted level over the comparison's column, copied out of the level matrix
        once: a lookup table indexed by the strided column cost 4x as much (40 masks over 6M pairs)."""
        if index not in self._columns:
            self._columns[index] = np.ascontiguousarray(self.levels[:, index])
        column = self._columns[index]
        reached = np.zeros(self.n, dtype=bool)
        for code, name in enumerate(comparison.levels):
            if name in wanted:
                reached |= column == code
        return reached

    def fact(self, name: str) -> np.ndarray:
        if name not in self._facts:
            if name not in self._fact_functions:
                raise ValueError(f"unknown pair fact {name!r}; known: {sorted(self._fact_functions)}")
            self._facts[name] = np.asarray(self._fact_functions[name](), dtype=bool)
        return self._facts[name]


def _codes(values: pl.Series) -> np.ndarray:
    """Per value a number, equal exactly for equal values (nulls get some code): a categorical cast
    over categories of its own (hashing; a dense rank sorts, 15x slower on a million names)."""
    if values.dtype == pl.Boolean:
        flags: np.ndarray = values.fill_null(False).to_numpy()
        return flags
    categories = pl.Categorical(pl.Categories.random())
    codes: np.ndarray = values.cast(pl.String).cast(categories).to_physical().fill_null(0).to_numpy()
    return codes


class Condition(Protocol):
    def mask(self, facts: PairFacts) -> np.ndarray: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Level:
    """The ``field`` comparison reached one of ``levels``."""

    field: str
    levels: frozenset[str]

    def mask(self, facts: PairFacts) -> np.ndarray:
        return facts.level(self.field, self.levels)

    def describe(self) -> str:
        return f"{self.field} {'/'.join(sorted(self.levels))}"

    def __repr__(self) -> str:
        # sorted: a frozenset's own order follows the per-process string hash seed, and the table's
        # fingerprint (``rules.table_fingerprint``) hashes this repr; it must be the same in every process
        return f"Level({self.field!r}, {sorted(self.levels)!r})"


@dataclass(frozen=True)
class Fact:
    """A named fact about the pair or the data set (see ``PairFacts``)."""

    name: str

    def mask(self, facts: PairFacts) -> np.ndarray:
        return facts.fact(self.name)

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class AtLeast:
    """At least ``n`` of the ``terms`` hold: ``all_of`` and ``any_of`` are its two ends."""

    n: int
    terms: tuple[Condition, ...]

    def mask(self, facts: PairFacts) -> np.ndarray:
        masks = [t.mask(facts) for t in self.terms]
        if self.n == 1:
            return functools.reduce(np.logical_or, masks)
        if self.n == len(masks):
            return functools.reduce(np.logical_and, masks)
        count = np.zeros(facts.n, dtype=np.int8)
        for mask in masks:
            count += mask
        return count >= self.n

    def describe(self) -> str:
        inner = ", ".join(t.describe() for t in self.terms)
        if len(self.terms) == 1:
            return inner
        if self.n == len(self.terms):
            return f"all of ({inner})"
        return f"any of ({inner})" if self.n == 1 else f"at least {self.n} of ({inner})"


@dataclass(frozen=True)
class Not:
    term: Condition

    def mask(self, facts: PairFacts) -> np.ndarray:
        return ~self.term.mask(facts)

    def describe(self) -> str:
        return f"not {self.term.describe()}"


@dataclass(frozen=True)
class Named:
    """A condition with a name a person reads instead of its parts (``describe``); the fingerprint
    still hashes the parts (``repr``)."""

    label: str
    term: Condition

    def mask(self, facts: PairFacts) -> np.ndarray:
        return self.term.mask(facts)

    def describe(self) -> str:
        return self.label


def levels(**fields: Iterable[str]) -> tuple[Level, ...]:
    """``levels(email={"exact"}, phone={"exact"})`` -> one ``Level`` per field."""
    return tuple(Level(name, frozenset(wanted)) for name, wanted in fields.items())


def all_of(*terms: Condition) -> AtLeast:
    return AtLeast(len(terms), terms)


def any_of(*terms: Condition) -> AtLeast:
    return AtLeast(1, terms)


def none_of(*terms: Condition) -> Not:
    return Not(any_of(*terms))


def at_least(n: int, *terms: Condition) -> AtLeast:
    return AtLeast(n, terms)
