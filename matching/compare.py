"""Declarative comparisons (Splink-style): each field compares into ordered levels, column-wise.

A comparison turns all candidate pairs at once into one small integer per pair, the level reached
(0 is always "null": one side has no value, which carries no evidence). String similarities come from
``rapidfuzz.process.cpdist`` over whole arrays with worker threads; multi-valued fields (e-mails,
phones) are checked for any shared value with polars joins. No Python code runs per pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from matching.codes import (
    Codebook,
    Coded,
    any_shared,
    codebook_of,
    distinct_scores,
    encode,
    token_positions,
    value_lists,
)

WORKERS = 2
#: Candidate pairs compared at once (bounds the memory of the gathered sides; see ``compare_pairs``).
COMPARE_CHUNK = 500_000
#: Name tokens compared one by one (longer names: the rest is ignored by the token comparison).
MAX_TOKENS = 4
#: A similarity asked for with a threshold (``at_least``) is computed with rapidfuzz's score_cutoff this
#: far below it: a score that low fails the threshold in float32 as well (its rounding is ~3e-8), while
#: every score that may reach it comes back exactly as without a cutoff.
CUTOFF_MARGIN = 1e-6


class PairContext:
    """Columns of the left and right record of every candidate pair, fetched lazily and cached.

    Comparisons work on the columns' integer codes (``matching.codes``), shared with every other
    context over the same features; ``sides`` still gathers the strings for the few string tests.
    """

    def __init__(
        self,
        features: pl.DataFrame,
        pairs: pl.DataFrame,
        workers: int = WORKERS,
        codebook: Codebook | None = None,
    ) -> None:
        self.features = features
        self.pairs = pairs
        self.left = pairs["l"].to_numpy()
        self.right = pairs["r"].to_numpy()
        self.workers = workers
        self.codebook = codebook_of(features) if codebook is None else codebook
        self._cache: dict[str, tuple[pl.Series, pl.Series]] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.left)

    def over(self, pairs: pl.DataFrame) -> PairContext:
        """A context over other pairs of the same records (sharing the codebook)."""
        return PairContext(self.features, pairs, self.workers, self.codebook)

    def sides(self, column: str) -> tuple[pl.Series, pl.Series]:
        """The column's values for the left and for the right record of each pair."""
        if column not in self._cache:
            values = self.features[column]
            self._cache[column] = (values.gather(self.left), values.gather(self.right))
        return self._cache[column]

    def release(self) -> None:
        """Forget the codes of this context and its codebook (all computed again on demand)."""
        self._codes.clear()
        self.codebook.clear()

    def side_rows(self, column: str, rows: np.ndarray) -> tuple[pl.Series, pl.Series]:
        """The column's values of the left and right record of the pairs ``rows`` only."""
        values = self.features[column]
        return values.gather(self.left[rows]), values.gather(self.right[rows])

    def coded(self, column: str) -> Coded:
        """The column's record-level encoding."""
        return self.codebook.coded(column, lambda: [self.features[column]])[1]

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """The codes of the column's left and right value per pair (-1: null)."""
        if column not in self._codes:
            codes = self.coded(column).codes
            self._codes[column] = (codes[self.left], codes[self.right])
        return self._codes[column]

    def null(self, column: str) -> np.ndarray:
        a, b = self.codes(column)
        return (a < 0) | (b < 0)

    def is_value(self, column: str, value: str) -> tuple[np.ndarray, np.ndarray]:
        """Whether the left and whether the right record hold ``value``."""
        code = self.coded(column).code_of(value)
        a, b = self.codes(column)
        return a == code, b == code

    def both(self, column: str, value: str) -> np.ndarray:
        """True where the left and the right record both hold ``value`` (both are organisations, say)."""
        a, b = self.is_value(column, value)
        both: np.ndarray = a & b
        return both

    def equal(self, column: str) -> np.ndarray:
        return _same(*self.codes(column))

    def differ(self, column: str) -> np.ndarray:
        """True where both records hold a value and the values differ (unknown is no difference)."""
        a, b = self.codes(column)
        differ: np.ndarray = (a != b) & (a >= 0) & (b >= 0)
        return differ

    def equal_mapped(
        self,
        column: str,
        key: str,
        left: Callable[[pl.Series], pl.Series],
        right: Callable[[pl.Series], pl.Series],
    ) -> np.ndarray:
        """True where ``left`` of the left record's value equals ``right`` of the right one's (both
        non-null). The maps run on the column's distinct values (26k birth dates for a million
        records), encoded together under ``key``; records reach them through their codes."""
        values = self.coded(column).values
        (mapped_l, mapped_r), _ = self.codebook.coded(key, lambda: [left(values), right(values)])
        a, b = self.codes(column)
        return _same(_through(mapped_l, a), _through(mapped_r, b))

    def per_value(
        self, column: str, test: Callable[[pl.Series], np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``test`` (a boolean per value, False for null) of the left and right records' values, run once
        on the column's distinct values."""
        coded = self.coded(column)
        passed = self.codebook.memo(f"_test:{column}:{test.__qualname__}", lambda: test(coded.values))
        a, b = self.codes(column)
        return _gather(passed, a, False), _gather(passed, b, False)

    def per_record(
        self, key: str, make: Callable[[pl.DataFrame], np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """``make``'s per-record array (computed once per features frame) for the left and right records."""
        values = self.codebook.memo(key, lambda: make(self.features))
        return values[self.left], values[self.right]

    def similarity(
        self,
        column: str,
        scorer: Callable[..., float] = JaroWinkler.normalized_similarity,
        only: np.ndarray | None = None,
        against: str | None = None,
        at_least: float | None = None,
    ) -> np.ndarray:
        """Similarity in [0, 1] (or the scorer's distance) per pair; meaningless where a side is null.

        ``only``: compute just the masked pairs (0 elsewhere), when the others are decided already.
        ``against``: the right record's value from this column instead (another form of the same field).
        ``at_least``: the caller only asks whether a (similarity) score reaches it; lower ones may come
        back as 0, which lets rapidfuzz give up early on hopeless pairs (see ``CUTOFF_MARGIN``).
        """
        scale = 100.0 if scorer in _PERCENT_SCORERS else 1.0
        cutoff = None if at_least is None else (at_least - CUTOFF_MARGIN) * scale
        other = against or column
        a, _ = self.codes(column)
        _, b = self.codes(other)
        left, right = self.coded(column), self.coded(other)
        if only is None:
            out = distinct_scores(left, a, right, b, scorer, self.workers, cutoff)
        else:
            rows = np.flatnonzero(only)
            out = np.zeros(len(self), dtype=np.float32)
            if len(rows):
                out[rows] = distinct_scores(left, a[rows], right, b[rows], scorer, self.workers, cutoff)
        return out / 100.0 if scorer in _PERCENT_SCORERS else out

    def reaches(
        self,
        column: str,
        threshold: float,
        scorer: Callable[..., float] = JaroWinkler.normalized_similarity,
        only: np.ndarray | None = None,
        against: str | None = None,
    ) -> np.ndarray:
        """Where the similarity (see ``similarity``) reaches ``threshold``."""
        reached: np.ndarray = self.similarity(column, scorer, only, against, at_least=threshold) >= threshold
        return reached

    def any_shared(self, column: str) -> np.ndarray:
        """True where the two records share at least one value of a list column."""
        offsets, codes = self.codebook.memo(f"_lists:{column}", lambda: self._value_lists(column))
        return any_shared(offsets, codes, self.left.astype(np.int64), self.right.astype(np.int64))

    def _value_lists(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """The codes of each record's values of a list column (nulls dropped), by ``_row``."""
        values = self.features.select(pl.col("_row"), pl.col(column).alias("v")).explode("v").drop_nulls()
        rows = values["_row"].cast(pl.Int64).to_numpy()
        return value_lists(rows, encode(values["v"]).codes, self.features.height)

    def token_cover(
        self,
        column: str,
        max_tokens: int = MAX_TOKENS,
        only: np.ndarray | None = None,
        at_least: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per pair, how well every token of each side is matched by some token of the other side.

        Returns (left_cover, right_cover, best): the weakest best Jaro-Winkler over the left (right)
        tokens, and the best Jaro-Winkler of any token pair (one name part agrees, the other not).
        Order-insensitive and per token, so "hoffmann jurgen" vs "hoffmann stefan" is 0.6 (one name
        differs), while a typo or another romanisation of each token stays high. Computed over the
        token pairs ``(i, j) < max_tokens**2`` of the pairs that have both tokens, each distinct pair of
        tokens once, never per pair. ``only``: a mask of the pairs that need it (the others get cover
        1.0, e.g. exact names). ``at_least``: the caller only compares covers with thresholds from it
        up; token similarities below it may count as 0 (as in ``similarity``).
        """
        key = f"_cover:{column}:{at_least}"
        if key not in self._cache:
            n = len(self)
            lefts, rights, vocabulary = self._token_codes(column, max_tokens)
            wanted = np.ones(n, dtype=bool) if only is None else only
            l_valid = [(c >= 0) & wanted for c in lefts]
            r_valid = [(c >= 0) & wanted for c in rights]
            best_l = [np.zeros(n, dtype=np.float32) for _ in range(max_tokens)]
            best_r = [np.zeros(n, dtype=np.float32) for _ in range(max_tokens)]
            jobs = [
                (i, j, np.flatnonzero(l_valid[i] & r_valid[j]))
                for i in range(max_tokens)
                for j in range(max_tokens)
            ]
            jobs = [(i, j, rows) for i, j, rows in jobs if len(rows)]
            if jobs:
                sims = distinct_scores(
                    vocabulary,
                    np.concatenate([lefts[i][rows] for i, _, rows in jobs]),
                    vocabulary,
                    np.concatenate([rights[j][rows] for _, j, rows in jobs]),
                    JaroWinkler.normalized_similarity,
                    self.workers,
                    None if at_least is None else at_least - CUTOFF_MARGIN,
                )
                bounds = np.cumsum([0, *(len(rows) for _, _, rows in jobs)])
                for (i, j, rows), start, stop in zip(jobs, bounds[:-1], bounds[1:], strict=True):
                    sim = sims[start:stop]
                    best_l[i][rows] = np.maximum(best_l[i][rows], sim)
                    best_r[j][rows] = np.maximum(best_r[j][rows], sim)
            cover_l = np.ones(n, dtype=np.float32)
            cover_r = np.ones(n, dtype=np.float32)
            best = np.zeros(n, dtype=np.float32)
            for i in range(max_tokens):
                cover_l = np.where(l_valid[i], np.minimum(cover_l, best_l[i]), cover_l)
                cover_r = np.where(r_valid[i], np.minimum(cover_r, best_r[i]), cover_r)
                best = np.maximum(best, best_l[i])
            self._cache[key] = (cover_l, cover_r, best)  # type: ignore[assignment]
        return self._cache[key]  # type: ignore[return-value]

    def _token_codes(self, column: str, max_tokens: int) -> tuple[list[np.ndarray], list[np.ndarray], Coded]:
        """Codes of the first ``max_tokens`` tokens of the left and right names (one vocabulary)."""
        tokens = self.features[column]
        positions, vocabulary = self.codebook.memo(
            f"_tokens:{column}:{max_tokens}", lambda: token_positions(tokens, max_tokens)
        )
        return [p[self.left] for p in positions], [p[self.right] for p in positions], vocabulary

    def list_len(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        return self.per_record(f"_len:{column}", lambda f: f[column].list.len().fill_null(0).to_numpy())

    def list_null(self, column: str) -> np.ndarray:
        n_l, n_r = self.list_len(column)
        empty: np.ndarray = (n_l == 0) | (n_r == 0)
        return empty


def _through(mapped: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per code, the code of its mapped value (null stays null)."""
    return _gather(mapped, codes, -1)


def _gather(per_value: np.ndarray, codes: np.ndarray, null: bool | int) -> np.ndarray:
    """``per_value[code]`` for each code, ``null`` where the code is -1 (no value). A column without
    any value has an empty table that not even the masked-out -1 may index (no birth date anywhere)."""
    if not per_value.size:
        return np.full(codes.shape, null)
    gathered: np.ndarray = np.where(codes >= 0, per_value[codes], null)
    return gathered


def _same(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Equal codes, neither null."""
    same: np.ndarray = (left == right) & (left >= 0)
    return same


_PERCENT_SCORERS = (fuzz.token_set_ratio, fuzz.token_sort_ratio, fuzz.ratio, fuzz.partial_ratio)


@dataclass(frozen=True)
class Comparison:
    """One field's comparison: level names (index 0 = null), priors for m and u, the level function."""

    name: str
    levels: tuple[str, ...]
    #: Fallback P(level | match) and P(level | non-match) for levels 1..n, used before/without estimation.
    prior_m: tuple[float, ...]
    prior_u: tuple[float, ...]
    compute: Callable[[PairContext], np.ndarray]
    #: Feature column shown to stewards as the compared value.
    display: str
    #: Whether the exact level gets a term-frequency adjustment (common names are weaker evidence).
    tf_column: str | None = None


def _levels(null: np.ndarray, *conditions: np.ndarray) -> np.ndarray:
    """First true condition wins: level 1, 2, ...; last level is "else"; null overrides all."""
    result = np.select(list(conditions), list(range(1, len(conditions) + 1)), default=len(conditions) + 1)
    result[null] = 0
    return result.astype(np.int8)


#: The token cover of a "fuzzy" name (the lowest cover threshold of the name levels).
FUZZY_COVER = 0.88
#: Consonants a sound skeleton needs before two equal ones count as the same name.
MIN_SKELETON = 5


def _name_levels(ctx: PairContext, key: str, phon: str, tokens: str) -> np.ndarray:
    """Name levels from whole-key equality and a per-token alignment (see ``PairContext.token_cover``).

    Sorted-key Jaro-Winkler alone ranks "hoffmann jurgen" / "hoffmann stefan" as fuzzy (the shared
    family name dominates the prefix); requiring every token on both sides to find a partner does not.
    """
    exact = ctx.equal(key)
    # exact names need no alignment; covers are only compared with FUZZY_COVER and higher thresholds
    cover_l, cover_r, best = ctx.token_cover(tokens, only=~exact, at_least=FUZZY_COVER)
    # a skeleton of a few consonants is shared by unrelated names ("lihua zheng" and "chihchiang li" are
    # both "r snk"): equal short ones count only with one name part spelt alike ("he wenjie" / "he
    # wenchieh"); at a million records the unrelated ones were merged through a shared house number
    long_enough, _ = ctx.per_value(phon, _long_skeleton)
    # ... and a sound shared across two countries is two spelling conventions' two names ("Evelyne
    # Johann" DE / "Shannon O'Brien" US, 吳秀英 HK / "WU CHIEN-HUNG" TW): at a million records all 179
    # such merges were wrong; a name spelt alike still matches across a border
    phonetic = ctx.equal(phon) & (long_enough | (best >= 0.92)) & ~ctx.differ("country")
    both = np.minimum(cover_l, cover_r)
    n_l, n_r = ctx.list_len(tokens)
    # one name's tokens all inside the other's (a missing middle name), the shorter having >= 2 tokens
    subset = ((cover_l >= 0.95) & (n_l >= 2)) | ((cover_r >= 0.95) & (n_r >= 2))
    # given and family name in their own fields on both sides: which one still agrees
    parts_known = ~ctx.null("given_key") & ~ctx.null("family_key")
    open_pairs = parts_known & ~exact
    given = _equal_or_close(ctx, "given_key", open_pairs) & parts_known
    family = _equal_or_close(ctx, "family_key", open_pairs) & parts_known
    # one side wrote a single name part and it is one of the other side's parts ("Pacey" vs "Casey
    # Pacey"): as much as a shared family name says, no more (it may be the given name)
    single = ((cover_l >= 0.95) & (n_l == 1) & (n_r >= 2)) | ((cover_r >= 0.95) & (n_r == 1) & (n_l >= 2))
    # two persons' full names sharing one part, the other part a nickname or beyond a typo ("ต้น
    # วงศ์สวัสดิ์" / "SOMSAK WONGSAWAT", "Mara Jackson" / "Matthew Jackson"): which part agrees is unknown
    # when a side has only a full name, so it says no more than a shared family name
    half = ctx.both("record_type", "person") & (best >= 0.92) & (n_l >= 2) & (n_r >= 2) & ~(given | family)
    if key == "any_name_key":  # the primary reading: also the name without its spaces (a split word)
        compact = ~ctx.null("name_compact") & ~exact
        phonetic |= compact & ctx.reaches("name_compact", 0.96, only=compact)
        # ... or in the other order on one side (family name first, see features "name_compact_turned")
        if "name_compact_turned" in ctx.features.columns:
            compact &= ~phonetic
            phonetic |= compact & (
                ctx.reaches("name_compact", 0.96, only=compact, against="name_compact_turned")
            )
            phonetic |= compact & (
                ctx.reaches("name_compact_turned", 0.96, only=compact, against="name_compact")
            )
    # a given name alone on both sides ("emiily" / "emiily", no family name) is half a name however rare
    # the word: two Emilys with the same typo are no more one person than two who share a first name
    family_l, family_r = ctx.codes("family_key")
    given_alone = (
        ctx.both("record_type", "person")
        & (n_l == 1)
        & (n_r == 1)
        & (family_l < 0)
        & (family_r < 0)
        & ~ctx.null("given_key")
    )
    whole = phonetic | (both >= 0.95)
    return _levels(
        ctx.null(key),
        exact & ~given_alone,
        whole & ~given_alone,
        (both >= FUZZY_COVER) & ~given_alone,
        subset,
        given & ~family | given_alone & (exact | whole),
        family & ~given | single | half,
    )


def _equal_or_close(ctx: PairContext, column: str, open_pairs: np.ndarray) -> np.ndarray:
    """Equal values, or among ``open_pairs`` a Jaro-Winkler of at least 0.92; equal pairs are not scored
    again (the score of a value against itself is 1 anyway)."""
    equal = ctx.equal(column)
    close: np.ndarray = equal | ctx.reaches(column, 0.92, only=open_pairs & ~equal)
    return close


def _long_skeleton(sound: pl.Series) -> np.ndarray:
    """Per value: a sound skeleton of at least ``MIN_SKELETON`` consonants (spaces aside)."""
    long_enough: np.ndarray = (
        (sound.str.replace_all(" ", "").str.len_chars() >= MIN_SKELETON).fill_null(False).to_numpy()
    )
    return long_enough


_NAME_LEVELS = ("null", "exact", "phonetic", "fuzzy", "partial", "given_only", "family_only", "else")
_NAME_LEVEL = {name: i for i, name in enumerate(_NAME_LEVELS)}


def _name(ctx: PairContext) -> np.ndarray:
    """Name levels; a name against one in another script is also compared in a second form.

    ``alt_name_*`` equals the primary columns except for records with a second reading (Chinese, Thai),
    so for pairs where exactly one side has one, comparing ``alt_name_*`` on both sides is exactly "that
    side's other reading against the other side's name". An Arabic-script name against any other is
    also compared on consonant skeletons (``nz.abjad_key``). The best result counts.
    """
    levels = _name_levels(ctx, "any_name_key", "name_phon", "name_tokens")
    if "reading_key" in ctx.features.columns:
        alt_l, alt_r = (side >= 0 for side in ctx.codes("reading_key"))
        _lift(ctx, levels, alt_l != alt_r, ("alt_name_key", "alt_name_phon", "alt_name_tokens"))
    if "abjad_key" in ctx.features.columns:
        _lift(
            ctx,
            levels,
            ctx.differ("arabic_script"),
            ("abjad_key", "abjad_key", "abjad_tokens"),
            _skeleton_levels,
        )
    if "org_written" in ctx.features.columns:
        _lift_truncated(ctx, levels)
    return levels


#: A name cut at a legacy field width keeps at least this many characters of the full one.
MIN_TRUNCATED = 15


def _lift_truncated(ctx: PairContext, levels: np.ndarray) -> None:
    """An organisation's name cut inside a word at a legacy field width ("SCHNEIDER MASCHINENBAU UN") is
    the start of its full name: fuzzy. Cut at a word boundary it may be a sister company's shorter
    name ("Schneider Maschinenbau" / "Schneider Maschinenbau Süd"), so only a cut inside a word counts."""
    rows = np.flatnonzero(ctx.both("record_type", "organization") & (levels > _NAME_LEVEL["fuzzy"]))
    if not len(rows):
        return
    a, b = ctx.side_rows("org_written", rows)
    shorter = a.str.len_chars() <= b.str.len_chars()
    names = pl.DataFrame({"short": a.zip_with(shorter, b), "long": b.zip_with(shorter, a)})
    length = pl.col("short").str.len_chars()
    cut = names.select(
        (length >= MIN_TRUNCATED)
        & (length < pl.col("long").str.len_chars())
        & pl.col("long").str.starts_with(pl.col("short"))
        & pl.col("short").str.contains("[a-z0-9]$")
        & pl.col("long").str.slice(length, 1).str.contains("^[a-z0-9]$")
    ).to_series()
    levels[rows[cut.fill_null(False).to_numpy()]] = _NAME_LEVEL["fuzzy"]


def _skeleton_levels(found: np.ndarray) -> np.ndarray:
    """Equal skeletons count as "phonetic"; skeletons are too short for a fuzzy level ("ms" vs "mss" says
    nothing), so none is taken (0 = no evidence)."""
    found = np.where(found == _NAME_LEVEL["exact"], _NAME_LEVEL["phonetic"], found)
    return np.where(found == _NAME_LEVEL["fuzzy"], 0, found)


def _lift(
    ctx: PairContext,
    levels: np.ndarray,
    sides_differ: np.ndarray,
    columns: tuple[str, str, str],
    accept: Callable[[np.ndarray], np.ndarray] = lambda found: found,
) -> None:
    """Compare the pairs whose two sides differ (in script or reading) and whose names agree less than
    "partial" again on other ``(key, phonetic, tokens)`` columns; keep a better level found there."""
    cross = np.flatnonzero(sides_differ & (levels > _NAME_LEVEL["partial"]))
    if not len(cross):
        return
    found = accept(_name_levels(ctx.over(ctx.pairs[cross]), *columns))
    better = (found >= 1) & (found < levels[cross])
    levels[cross[better]] = found[better]


def _suffix(ctx: PairContext) -> np.ndarray:
    """Jr./Sr./II/III: equal is weak support, different is father vs son (a veto)."""
    return _levels(ctx.null("suffix"), ctx.equal("suffix"))


#: "Công ty", "公司", "شرکت", "บริษัท", "Company": a company of some form. Against a specific form it says
#: nothing (a mistyped "Công ty TNNHH" leaves only "Công ty"), so only two specific forms can differ.
GENERIC_LEGAL_FORM = "co"


def _legal_form(ctx: PairContext) -> np.ndarray:
    a, b = ctx.is_value("org_form", GENERIC_LEGAL_FORM)
    one_generic = (a != b) & ~ctx.null("org_form")
    return _levels(ctx.null("org_form") | one_generic, ctx.equal("org_form"))


def _email(ctx: PairContext) -> np.ndarray:
    # "fuzzy" only for a typo-sized difference in a personal-looking address: ghasemi.bahram78@ vs
    # ghasemi.bahram64@ are two people, and info@ vs info1@ at one domain are two sister companies.
    # (only pairs with two different first addresses are looked at: equal ones share an address anyway)
    differ = ~ctx.null("email1") & ~ctx.equal("email1")
    fuzzy = differ & (ctx.similarity("email1", Levenshtein.distance, only=differ) <= 1)
    rows = np.flatnonzero(fuzzy)
    if len(rows):
        a_rows, b_rows = ctx.side_rows("email1", rows)
        local = np.minimum(
            *(
                side.str.split("@").list.first().str.len_chars().fill_null(0).to_numpy()
                for side in (a_rows, b_rows)
            )
        )
        # ... and never a difference in digits: james.davis7@ and james.davis@ are two mailboxes (the
        # provider numbers the second James Davis), not a typo
        a_digits, b_digits = (side.str.replace_all(r"\D", "") for side in (a_rows, b_rows))
        # ... nor in a separator alone: curtis.williams@ and curtiswilliams@ are the father's and the
        # son's mailboxes (a typist drops a letter, the provider hands out the name without its dot)
        a_bare, b_bare = (side.str.replace_all(r"[._\-]", "") for side in (a_rows, b_rows))
        fuzzy[rows] = (
            (local >= 8)
            & (a_digits == b_digits).fill_null(False).to_numpy()
            & (a_bare != b_bare).fill_null(True).to_numpy()
        )
    return _levels(ctx.list_null("emails"), ctx.any_shared("emails"), fuzzy)


def _phone(ctx: PairContext) -> np.ndarray:
    return _levels(ctx.list_null("phones"), ctx.any_shared("phones"))


def _swap_day_month(dates: pl.Series) -> pl.Series:
    """ "1980-03-07" -> "1980-07-03": the US and European orders of the same date."""
    return dates.str.slice(0, 5) + dates.str.slice(8, 2) + "-" + dates.str.slice(5, 2)


def _birth_year(dates: pl.Series) -> pl.Series:
    return dates.str.slice(0, 4)


def _dob(ctx: PairContext) -> np.ndarray:
    swapped = ctx.equal_mapped("dob", "_dob:swapped", _swap_day_month, lambda dates: dates)
    null, equal = ctx.null("dob"), ctx.equal("dob")
    typo = _one_keystroke(ctx, "dob", ~null & ~equal & ~swapped)  # a wrong or transposed digit
    year = _birth_year
    same_year = ctx.equal_mapped("dob", "_dob:year", year, year)
    return _levels(null, equal, swapped, typo, same_year)


def _one_keystroke(ctx: PairContext, column: str, open_pairs: np.ndarray) -> np.ndarray:
    """Where the values are at most one edit (OSA) apart, scored only for ``open_pairs``: the levels
    before it decide the others (null, equal), and most candidate pairs are those (~3x fewer scored)."""
    typo: np.ndarray = ctx.similarity(column, OSA.distance, only=open_pairs) <= 1
    return typo


def _tax(ctx: PairContext) -> np.ndarray:
    # a one-keystroke difference (typo, transposed digits) is a mistyped id, not another entity
    null, equal = ctx.null("tax"), ctx.equal("tax")
    return _levels(null, equal, _one_keystroke(ctx, "tax", ~null & ~equal))


def _address(ctx: PairContext) -> np.ndarray:
    """Street, postal code and city as ONE comparison: they are not independent evidence.

    Scoring them separately would count "same address" three times, which is exactly how a household
    (or colleagues at one office) outweighs different names and birth dates.
    """
    postal = ctx.equal("postal")
    postal_null = ctx.null("postal")
    street_null = ctx.null("street")
    city_equal = ctx.equal("city")
    city_open = ~ctx.null("city") & ~city_equal
    city = city_equal | (city_open & ctx.reaches("city", 0.88, only=city_open))
    same_place = postal | (postal_null & city)
    # the same town with a postal code one keystroke off ("5031" / "5013"): the same street there is the
    # same address with a typo, though a neighbouring postal area says nothing more than the town
    postal_open = city & ~postal & ~postal_null
    mistyped_postal = postal_open & (ctx.similarity("postal", OSA.distance, only=postal_open) <= 1)
    street_open = (same_place | mistyped_postal) & ~street_null & ~ctx.equal("street")
    street_close = ctx.reaches("street", 0.85, fuzz.token_set_ratio, only=street_open)
    null = postal_null & street_null & ctx.null("city")
    # same postal code and the same house number(s): the same address written in another script; a
    # different house number on the same street is a neighbour (or a namesake down the road), not a match
    same_number = same_place & ctx.equal("house")
    other_number = ~ctx.null("house") & ~ctx.equal("house")
    same_street = ~street_null & (ctx.equal("street") | street_close & ~other_number)
    return _levels(
        null,
        same_place & ~street_null & ctx.equal("street"),
        same_place & same_street | same_number | mistyped_postal & same_street,
        same_place,
        city,
    )


DEFAULT_COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "name",
        _NAME_LEVELS,
        (0.75, 0.1, 0.08, 0.03, 0.02, 0.01, 0.01),
        (0.0005, 0.001, 0.003, 0.01, 0.005, 0.01, 0.9705),
        _name,
        display="name",
        tf_column="any_name_key",
    ),
    Comparison(
        "legal_form", ("null", "same", "different"), (0.97, 0.03), (0.4, 0.6), _legal_form, "org_form"
    ),
    Comparison("suffix", ("null", "same", "different"), (0.999, 0.001), (0.5, 0.5), _suffix, "suffix"),
    Comparison(
        "email",
        ("null", "exact", "fuzzy", "else"),
        (0.8, 0.05, 0.15),
        (0.0001, 0.0005, 0.9994),
        _email,
        "email1",
    ),
    Comparison("phone", ("null", "exact", "else"), (0.75, 0.25), (0.001, 0.999), _phone, "phones"),
    Comparison(
        "date_of_birth",
        ("null", "exact", "day_month_swapped", "one_typo", "same_year", "else"),
        (0.91, 0.02, 0.04, 0.0295, 0.0005),
        (0.0001, 0.00001, 0.002, 0.015, 0.9829),
        _dob,
        "dob",
    ),
    Comparison(
        "tax_id",
        ("null", "exact", "one_typo", "else"),
        (0.9, 0.07, 0.03),
        (0.00001, 0.0001, 0.99989),
        _tax,
        "tax",
    ),
    Comparison(
        "address",
        ("null", "exact", "same_street", "same_postal_code", "same_city", "else"),
        (0.55, 0.15, 0.2, 0.05, 0.05),
        (0.0002, 0.0005, 0.01, 0.04, 0.9493),
        _address,
        "address",
    ),
)


def compare_pairs(
    ctx: PairContext,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    chunk_size: int = COMPARE_CHUNK,
) -> np.ndarray:
    """Level matrix: one row per candidate pair, one int8 column per comparison.

    Pairs are compared ``chunk_size`` at a time, each chunk in its own context: the gathered string
    sides and the Python strings rapidfuzz needs cost ~0.5 KB per pair while they live, which for the
    3M candidate pairs of a million records was 1.3 GB at once. ``ctx``'s own cache stays empty.
    """
    if len(ctx) == 0:
        return np.zeros((0, len(comparisons)), dtype=np.int8)
    if len(ctx) <= chunk_size:
        return np.column_stack([c.compute(ctx) for c in comparisons]).astype(np.int8)
    out = np.empty((len(ctx), len(comparisons)), dtype=np.int8)
    for start in range(0, len(ctx), chunk_size):
        sub = ctx.over(ctx.pairs.slice(start, chunk_size))
        out[start : start + len(sub)] = np.column_stack([c.compute(sub) for c in comparisons])
    return out
