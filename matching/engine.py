"""The matching pipeline: normalise -> block -> compare -> score -> decide -> cluster -> explain."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.block import DEFAULT_KEYS, BlockingKey, blocking_components, candidate_pairs
from matching.cluster import ClusterParams, cluster
from matching.compare import DEFAULT_COMPARISONS, Comparison, PairContext, compare_pairs
from matching.explain import Explainer, display_frame, rule_bits
from matching.features import build_features
from matching.frame import conform
from matching.model import MatchModel
from matching.score import (
    FSModel,
    estimate_m,
    estimate_m_from_anchors,
    estimate_u,
    match_weights,
    probabilities,
)
from schemas import (
    DecisionKind,
    FieldComparison,
    MatchDecision,
    MatchingConfig,
    MatchPair,
    RecordKey,
    StewardDecision,
)

#: Agreement on one of these is needed for an automatic merge: phones and addresses are shared by
#: households and colleagues, so they can support a match but never make one on their own.
IDENTIFYING_LEVELS: dict[str, frozenset[str]] = {
    "name": frozenset({"exact", "phonetic", "fuzzy"}),
    "email": frozenset({"exact"}),
    "tax_id": frozenset({"exact"}),
}
#: Weaker agreements that identify a person only together: the same given name and birth date (the
#: family name changed with a marriage or was mistyped beyond recognition), the same birth date and a
#: mistyped id number. A household shares the family name, never the given name and birth date.
IDENTIFYING_TOGETHER: tuple[dict[str, frozenset[str]], ...] = (
    {
        "name": frozenset({"given_only"}),
        "date_of_birth": frozenset({"exact", "day_month_swapped", "one_typo"}),
    },
    {"tax_id": frozenset({"one_typo"}), "date_of_birth": frozenset({"exact", "day_month_swapped"})},
    # an equal id number in the same postal area: the name and birth date were mistyped or left out
    {"tax_id": frozenset({"exact"}), "address": frozenset({"exact", "same_street", "same_postal_code"})},
    # the name in a script or nickname no rule folds, everything else of the person agrees
    {
        "phone": frozenset({"exact"}),
        "date_of_birth": frozenset({"exact"}),
        "address": frozenset({"exact", "same_street"}),
    },
    # half the name, the birth date and the home (address or landline): a nickname (Thai ชื่อเล่น,
    # "Lek" for มาลี) or a given name no rule folds. Twins share all of this as well; ``match_frame``
    # demotes the pair when an e-mail, phone or id number disagrees (see TWIN_CONFLICTS)
    {
        "name": frozenset({"given_only", "family_only"}),
        "date_of_birth": frozenset({"exact"}),
        "address": frozenset({"exact", "same_street"}),
    },
    {
        "name": frozenset({"given_only", "family_only"}),
        "date_of_birth": frozenset({"exact"}),
        "phone": frozenset({"exact"}),
    },
)
#: The family name with the birth date and home is a customer with a nickname, or twins; twins keep
#: their own e-mail, mobile and id number, so any of these disagreeing keeps the pair apart. (The same
#: given name and birth date under another family name is a marriage, not twins: see above.)
HALF_NAME_BIRTHDAY: dict[str, frozenset[str]] = {
    "name": frozenset({"family_only"}),
    "date_of_birth": frozenset({"exact"}),
}
#: ... unless the data holds too few households for twins to be more than this share of such pairs
#: (``matching.households``: FEBRL has none, every such record there is a corrupted duplicate).
TWIN_SHARE_TO_DEMOTE = 0.05
#: Where the data holds no households (twin share below ``TWIN_SHARE_TO_DEMOTE``: the records sharing a
#: family name and home mostly share the birth date too, so they are copies of one customer, not family
#: members), the guards against family members are lifted: the birth date at the same home, half the
#: name with the birth date in the same town, or with an id number one keystroke off at the same address,
#: identifies the customer ...
NO_HOUSEHOLD_IDENTIFYING: tuple[dict[str, frozenset[str]], ...] = (
    {"date_of_birth": frozenset({"exact"}), "address": frozenset({"exact", "same_street"})},
    {
        "name": frozenset({"given_only", "family_only"}),
        "date_of_birth": frozenset({"exact"}),
        "address": frozenset({"exact", "same_street", "same_postal_code", "same_city"}),
    },
    {
        "name": frozenset({"given_only", "family_only"}),
        "tax_id": frozenset({"one_typo"}),
        "address": frozenset({"exact", "same_street"}),
    },
)
#: ... and the same person's name at the same home is no father and son: a birth date, id number or
#: Jr./Sr. disagreeing there is a typo (the FS weights still count it), not a veto.
NO_HOUSEHOLD_SAME_PERSON: dict[str, frozenset[str]] = {
    "name": IDENTIFYING_LEVELS["name"],
    "address": frozenset({"exact", "same_street", "same_postal_code"}),
}
TWIN_CONFLICTS: dict[str, frozenset[str]] = {
    "email": frozenset({"else"}),
    "phone": frozenset({"else"}),
    "tax_id": frozenset({"else"}),
}
#: ... but twins never share their own e-mail address or id number: one of these agreeing is one customer.
OWN_IDS: dict[str, frozenset[str]] = {
    "email": frozenset({"exact"}),
    "tax_id": frozenset({"exact", "one_typo"}),
}
#: A company's name in its own script against a Latin-script name that no reading or translation
#: matched ("ห้างหุ้นส่วนจำกัด เชียงใหม่เทรดดิ้ง" / "CHIANG MAI TRADING LP", "瑞豐食品" / "JUI FENG FOODS"):
#: the same legal form, switchboard and street address identify it. Sister companies keep their own
#: tax ids (a veto) and, in one script, names that compare as different.
CROSS_SCRIPT_COMPANY: dict[str, frozenset[str]] = {
    "legal_form": frozenset({"same"}),
    "phone": frozenset({"exact"}),
    "address": frozenset({"exact", "same_street"}),
}
#: A name in its own script against a Latin spelling that no reading matched (a Thai typo, an English
#: first name for 郭志豪, a Thai company name RTGS reads otherwise), the same e-mail address on both: the
#: name cannot be compared, the mailbox can (1M: 244 of 244 such pairs were one customer).
CROSS_SCRIPT_CUSTOMER: dict[str, frozenset[str]] = {"email": frozenset({"exact"})}
#: An organisation's tax id names the legal entity (sister companies and subsidiaries have their own): an
#: equal one merges whatever the name in another script or the address after a move say. So does a
#: person's where the data holds no households (see ``match_frame``).
SAME_TAX_ID: dict[str, frozenset[str]] = {"tax_id": frozenset({"exact"})}
#: ... and at least this many fields must agree in all (a namesake shares only the name).
SUPPORTING_LEVELS: dict[str, frozenset[str]] = {
    **IDENTIFYING_LEVELS,
    "name": IDENTIFYING_LEVELS["name"] | {"partial", "given_only", "family_only"},
    "tax_id": frozenset({"exact", "one_typo"}),
    "phone": frozenset({"exact"}),
    "date_of_birth": frozenset({"exact", "day_month_swapped", "one_typo"}),
    "address": frozenset({"exact", "same_street"}),
}
MIN_AGREEING_FIELDS = 2
#: Contact fields whose disagreement, when the name is all that agrees, says "a namesake": the same
#: "Nguyen Van Anh" with another e-mail, phone and address is a different person far more often than
#: the same one who changed all three (on the generated data ~50 namesakes per real duplicate).
CONFLICTING_LEVELS: dict[str, frozenset[str]] = {
    "email": frozenset({"else"}),
    "phone": frozenset({"else"}),
    "address": frozenset({"else", "same_city"}),
}
#: A name-only pair with at least this many conflicting contact fields is not worth a steward's time.
NAMESAKE_CONFLICTS = 1
#: Half a name (only the family or only the given name agrees) plus a shared address or phone is a
#: household, not a customer to review, unless something personal agrees too.
HALF_NAME: dict[str, frozenset[str]] = {"name": frozenset({"family_only", "given_only"})}
PERSONAL_LEVELS: dict[str, frozenset[str]] = {
    "email": frozenset({"exact", "fuzzy"}),
    "tax_id": frozenset({"exact", "one_typo"}),
    "date_of_birth": frozenset({"exact", "day_month_swapped", "one_typo"}),
}
#: Contact fields a person keeps for themself (a household shares the address and the landline): with
#: one of these disagreeing too, a record without the Jr./Sr. stays out of the suffixed record's cluster.
OWN_CONTACTS: dict[str, frozenset[str]] = {"email": frozenset({"else"}), "phone": frozenset({"else"})}
#: Agreements that identify a person beyond name and address. Without one of them, a pair whose contact
#: fields disagree goes to review instead of merging: "James Davis" and "JAMES DAVIS SR" at one address
#: with other e-mails and phones are father and son, "Sabine Bauer" born 1999-06-09 and 1999-09-06 in two
#: cities two namesakes. Two conflicts, or one with only a near-miss birth date, demote the pair.
STRONG_LEVELS: dict[str, frozenset[str]] = {
    "email": frozenset({"exact"}),
    "tax_id": frozenset({"exact"}),
    "phone": frozenset({"exact"}),
    "date_of_birth": frozenset({"exact"}),
}
#: The same given name and birth date identify only if no contact field disagrees, unless one of these
#: agrees (see ``match_frame``).
GIVEN_ONLY: dict[str, frozenset[str]] = {"name": frozenset({"given_only"})}
CONTACT_OR_ID: dict[str, frozenset[str]] = {
    "email": frozenset({"exact"}),
    "phone": frozenset({"exact"}),
    "tax_id": frozenset({"exact", "one_typo"}),
}
#: Any agreement beyond name and birth date: the street where, or how, the customer is reached, or an id.
#: Not the postal area or town: at a million records two "Malee"s born the same day in Khon Kaen are
#: likelier than a married name (1M: 41 of 42 such merges were two people).
BEYOND_NAME_AND_BIRTHDAY: dict[str, frozenset[str]] = {
    "email": frozenset({"exact", "fuzzy"}),
    "phone": frozenset({"exact"}),
    "tax_id": frozenset({"exact", "one_typo"}),
    "address": frozenset({"exact", "same_street"}),
}
#: A name in one script that only sounds or looks alike, not spelt the same.
SPELT_APART: dict[str, frozenset[str]] = {"name": frozenset({"phonetic", "fuzzy"})}
NEAR_MISS_DOB: dict[str, frozenset[str]] = {"date_of_birth": frozenset({"day_month_swapped", "one_typo"})}
OTHER_SITE: dict[str, frozenset[str]] = {"address": frozenset({"same_postal_code"})}
#: A company is one customer per address: the same name and legal form at the same street address is
#: one entity whatever e-mails and phones its departments gave (sister companies have names of their
#: own; 1M: 137 of 137 such pairs were one company).
COMPANY_AT_ADDRESS: dict[str, frozenset[str]] = {
    "name": frozenset({"exact"}),
    "legal_form": frozenset({"same"}),
    "address": frozenset({"exact"}),
}
SHARED_PHONE: dict[str, frozenset[str]] = {"phone": frozenset({"exact"})}
SAME_HOME: dict[str, frozenset[str]] = {"address": frozenset({"exact", "same_street", "same_postal_code"})}
#: A birth date a keystroke off is a typo only on the same street: a postal area is a whole town in
#: Taiwan or Thailand ("807" Kaohsiung), and there a namesake born a day or a decade apart outnumbers the
#: typo (1M: 0 of 94 merged pairs with the same name, postal code and such a birth date were one
#: customer). A day and month swapped is a date format, not a neighbouring day: the postal area will do.
TYPO_DOB: dict[str, frozenset[str]] = {"date_of_birth": frozenset({"one_typo"})}
SAME_STREET: dict[str, frozenset[str]] = {"address": frozenset({"exact", "same_street"})}
#: A birth date with day and month swapped at the same street address is one customer written by
#: a system with the other date format: a namesake at that home born the same year would be a twin with
#: the same name (1M: 150 of 150 such pairs with another phone were one customer).
SWAPPED_BIRTHDAY_AT_HOME: dict[str, frozenset[str]] = {
    "date_of_birth": frozenset({"day_month_swapped"}),
    **SAME_STREET,
}
#: A match on these is anchored on the customer's own identifier: in clustering, anchored cross pairs
#: that outnumber the vetoed ones (a sibling record with a mistyped id or birth date) lift the veto.
ANCHOR_LEVELS: dict[str, frozenset[str]] = {
    "tax_id": frozenset({"exact", "one_typo"}),
    # the given name alone still anchors: another family name with the same id is a marriage or a typo
    "name": IDENTIFYING_LEVELS["name"] | {"given_only"},
}
#: Levels that say "two different customers" whatever else agrees: father and son share name, address
#: and landline but not the birth date or the Jr./Sr.; sister companies share name stem, switchboard and
#: e-mail domain but not the tax id or the legal form. A vetoed pair is never merged, not even
#: transitively (clustering sees it as score 0). An equal tax id lifts the vetoes: it identifies the
#: customer, so "Co., Ltd." vs "Corporation" is one entity written two ways and a differing birth date
#: is a data-entry error (the FS weights still count it against the pair).
VETO_LEVELS: dict[str, frozenset[str]] = {
    "date_of_birth": frozenset({"else"}),
    "suffix": frozenset({"different"}),
    "tax_id": frozenset({"else"}),
    "legal_form": frozenset({"different"}),
}


@dataclass
class Constraints:
    """Steward decisions as pair constraints; they override any score."""

    must_link: list[tuple[RecordKey, RecordKey]] = field(default_factory=list)
    cannot_link: list[tuple[RecordKey, RecordKey]] = field(default_factory=list)

    @classmethod
    def from_decisions(cls, decisions: Iterable[StewardDecision]) -> Constraints:
        constraints = cls()
        for d in decisions:
            if d.kind is DecisionKind.SAME and d.left and d.right:
                constraints.must_link.append((RecordKey(*d.left), RecordKey(*d.right)))
            elif d.kind is DecisionKind.NOT_SAME and d.left and d.right:
                constraints.cannot_link.append((RecordKey(*d.left), RecordKey(*d.right)))
        return constraints


PAIR_COLUMNS = ("left_system", "left_id", "right_system", "right_id", "score", "decision")


def level_column(comparison: Comparison | str) -> str:
    """Name of the pairs frame's UInt8 column holding a comparison's level index."""
    return f"level_{getattr(comparison, 'name', comparison)}"


@dataclass
class MatchResult:
    """Scored pairs and clusters of one ``match_frame`` run.

    ``pairs`` has one row per candidate pair: ``left_system, left_id, right_system, right_id, score,
    decision, cut`` (a match pair clustering kept apart), ``rules`` (UInt8 bit mask over
    ``matching.explain.RULES``) and per comparison ``level_<name>`` (UInt8 index into that
    comparison's ``levels``). Explanations are not stored per pair; ``pair_rows`` builds them on demand.
    """

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    stats: dict[str, Any]
    #: The model the scores came from (trained on this frame unless one was passed in).
    model: MatchModel | None = None
    explainer: Explainer | None = field(default=None, repr=False)

    def pair_rows(
        self,
        decisions: Sequence[str | MatchDecision] = ("match", "review"),
        chunk_size: int = 50_000,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pairs with the given decisions as the hub stores them, ``chunk_size`` dicts at a time.

        Each dict: ``left_system, left_id, right_system, right_id, score`` (float), ``decision`` (str),
        ``explanation`` (list of ``{field, level, weight, left, right}``, one per comparison, then one
        ``{"field": "rule", "level": <rule>, ...}`` per decision rule that applied). Chunked so that
        a million records' match and review pairs never exist as Python objects all at once.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        wanted = [str(getattr(d, "value", d)) for d in decisions]
        rows = np.flatnonzero(self.pairs["decision"].is_in(wanted).to_numpy())
        columns = self.pairs.select(PAIR_COLUMNS)
        for start in range(0, len(rows), chunk_size):
            chunk = rows[start : start + chunk_size]
            part = columns[chunk].iter_rows(named=True)
            if self.explainer is None:
                yield [{**row, "explanation": []} for row in part]
                continue
            yield [
                {**row, "explanation": explanation}
                for row, explanation in zip(part, self.explainer.explanations(chunk), strict=True)
            ]

    def pair_models(self) -> list[MatchPair]:
        """Match and review pairs as pydantic models for the store and the steward queue."""
        cut_reason = "cut by clustering: the records' clusters disagree elsewhere"
        models = []
        for chunk in self.pair_rows():
            for row in chunk:
                entries = row["explanation"]
                cut = any(e["field"] == "rule" and e["level"] == "cut_by_clustering" for e in entries)
                models.append(
                    MatchPair(
                        left=RecordKey(row["left_system"], row["left_id"]),
                        right=RecordKey(row["right_system"], row["right_id"]),
                        score=row["score"],
                        decision=MatchDecision(row["decision"]),
                        comparisons=[FieldComparison.model_validate(e) for e in entries],
                        reason=cut_reason if cut else None,
                    )
                )
        return models

    def write(self, out_dir: str | Path) -> tuple[Path, Path]:
        """Write ``clusters.csv`` (source_system, source_id, golden_id) and ``pairs.csv``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        clusters_path, pairs_path = out / "clusters.csv", out / "pairs.csv"
        self.clusters.select(
            "source_system", "source_id", ("G" + pl.col("cluster_id").cast(pl.Utf8)).alias("golden_id")
        ).write_csv(clusters_path)
        self.pairs.select(PAIR_COLUMNS).write_csv(pairs_path)
        return clusters_path, pairs_path


def _peak_rss_mb() -> int:
    """The process's peak resident memory so far (MiB), per stage in the stats: where 1M records peak."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _rows_for(
    keys: list[tuple[RecordKey, RecordKey]], index: dict[tuple[str, str], int]
) -> tuple[list[tuple[int, int]], int]:
    rows, unknown = [], 0
    for a, b in keys:
        ra, rb = index.get(tuple(a)), index.get(tuple(b))
        if ra is None or rb is None or ra == rb:
            unknown += 1
            continue
        rows.append((min(ra, rb), max(ra, rb)))
    return rows, unknown


def _pair_mask(left: np.ndarray, right: np.ndarray, rows: list[tuple[int, int]]) -> np.ndarray:
    if not rows:
        return np.zeros(len(left), dtype=bool)
    wanted = pl.DataFrame(rows, schema={"l": pl.Int64, "r": pl.Int64}, orient="row").with_columns(
        pl.lit(True).alias("hit")
    )
    frame = pl.DataFrame({"l": left.astype(np.int64), "r": right.astype(np.int64)})
    return (
        frame.join(wanted, on=["l", "r"], how="left", maintain_order="left")["hit"]
        .fill_null(False)
        .to_numpy()
    )


def _agreeing(
    levels: np.ndarray, comparisons: tuple[Comparison, ...], wanted: dict[str, frozenset[str]]
) -> np.ndarray:
    """Per pair, how many comparisons reached one of the ``wanted`` levels."""
    count = np.zeros(len(levels), dtype=np.int8)
    for i, comparison in enumerate(comparisons):
        if good := wanted.get(comparison.name):
            count += np.array([name in good for name in comparison.levels])[levels[:, i]]
    return count


def _all_agreeing(
    levels: np.ndarray, comparisons: tuple[Comparison, ...], wanted: dict[str, frozenset[str]]
) -> np.ndarray:
    """Pairs on which every comparison of ``wanted`` reached one of its levels (a rule of several fields)."""
    return _agreeing(levels, comparisons, wanted) == len(wanted)


def _vetoed(levels: np.ndarray, comparisons: tuple[Comparison, ...], ctx: PairContext) -> np.ndarray:
    """Pairs a VETO_LEVELS field rules out (see there for the tax-id exceptions)."""
    names = [c.name for c in comparisons]
    if "tax_id" not in names:
        return _agreeing(levels, comparisons, VETO_LEVELS) > 0
    tax_level = np.array(comparisons[names.index("tax_id")].levels)[levels[:, names.index("tax_id")]]
    # a person's "tax id" field often holds some other number (social security id re-issued, FEBRL's
    # soc_sec_id); only an organisation's tax id reliably names the legal entity
    organization = ctx.both("record_type", "organization")
    tax_veto = (tax_level == "else") & organization
    rest = {k: v for k, v in VETO_LEVELS.items() if k != "tax_id"}
    return (
        (_agreeing(levels, comparisons, rest) > 0) & ~np.isin(tax_level, ["exact", "one_typo"])
    ) | tax_veto


def _estimate(
    features: pl.DataFrame,
    comparisons: tuple[Comparison, ...],
    levels: np.ndarray | None,
    train: bool,
) -> MatchModel:
    """u from random pairs of ``features`` (``train``), m by EM over candidate ``levels`` (if given)."""
    fs = FSModel.from_priors(comparisons)
    if train:
        estimate_u(features, fs)
        estimate_m_from_anchors(features, fs)
    if levels is not None:
        estimate_m(levels, fs)
    return MatchModel.from_estimates(fs, features)


def train_model(
    frame: pl.DataFrame,
    config: MatchingConfig | None = None,
    *,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    em: bool = False,
) -> MatchModel:
    """Estimate everything data-dependent (u, optionally m by EM, term frequencies) from ``frame``.

    Pass the result to ``match_frame(..., model=...)`` to score later batches exactly like this data.
    ``config`` is accepted for symmetry with ``match_frame``; thresholds are not part of the model
    (they are decisions, and stay in the hub's configuration).
    """
    del config
    features = build_features(conform(frame))
    levels = None
    if em:
        pairs, _ = candidate_pairs(features, blocking_keys)
        levels = compare_pairs(PairContext(features, pairs), comparisons)
    return _estimate(features, comparisons, levels, train=True)


def _key_rank(frame: pl.DataFrame) -> np.ndarray:
    """Per row, the rank of its (source_system, source_id): an order independent of the batch."""
    order = frame.select(pl.arg_sort_by("source_system", "source_id")).to_series().to_numpy()
    rank = np.empty(frame.height, dtype=np.int64)
    rank[order] = np.arange(frame.height)
    return rank


def _constraint_rows(
    frame: pl.DataFrame, constraints: Constraints
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    index = {
        k: i
        for i, k in enumerate(
            zip(frame["source_system"].to_list(), frame["source_id"].to_list(), strict=True)
        )
    }
    must_rows, unknown_must = _rows_for(constraints.must_link, index)
    cannot_rows, unknown_cannot = _rows_for(constraints.cannot_link, index)
    return must_rows, cannot_rows, unknown_must + unknown_cannot


def candidate_components(
    frame: pl.DataFrame,
    model: MatchModel | None = None,
    constraints: Constraints | None = None,
    *,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
) -> pl.DataFrame:
    """``source_system, source_id, component`` (Int64): connected components of the blocking graph.

    Normalise and block only, no scoring. Two records in different components are never compared and
    never clustered together, so after new or changed records arrive the hub re-matches just the
    components that contain them: ``match_frame`` over a union of whole components (with a fixed
    ``model``) gives exactly the clusters the full frame would give those records. Every record
    sharing any blocking value, oversized blocks included (see ``block.blocking_components``), and the
    two sides of every must-link constraint are in one component. ``model`` is accepted so callers can
    pass what they pass to ``match_frame``; blocking itself learns nothing from data.
    """
    del model
    frame = conform(frame)
    features = build_features(frame)
    must_rows, _, _ = _constraint_rows(frame, constraints or Constraints())
    labels = blocking_components(features, blocking_keys, must_rows)
    # number components by their first row so the labels read like cluster ids
    first = np.full(labels.max() + 1 if len(labels) else 0, len(labels), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels)))
    return pl.DataFrame(
        {
            "source_system": frame["source_system"],
            "source_id": frame["source_id"],
            "component": pl.Series(first[labels], dtype=pl.Int64),
        }
    )


def match_frame(
    frame: pl.DataFrame,
    config: MatchingConfig | None = None,
    constraints: Constraints | None = None,
    *,
    model: MatchModel | None = None,
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS,
    blocking_keys: tuple[BlockingKey, ...] = DEFAULT_KEYS,
    cluster_params: ClusterParams | None = None,
    train: bool = True,
    em: bool = False,
) -> MatchResult:
    """Deduplicate a flat frame (see :mod:`matching.frame`) into scored pairs and clusters.

    With ``model`` (from ``train_model``) nothing is estimated from ``frame``, term frequencies
    included: a pair's score depends only on its two records and the model, and clusters only on the
    pairs inside one candidate component (see ``candidate_components``). Without it a model is trained
    on ``frame`` first: ``train`` estimates u from random pairs of this data; ``em`` additionally
    re-estimates m with EM (off by default: on the generated multilingual set it drifts towards
    "everything matches"). ``result.model`` is the model used either way.
    """
    config = config or MatchingConfig()
    constraints = constraints or Constraints()
    seconds: dict[str, float] = {}
    peak_mb: dict[str, int] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 3)
        peak_mb[stage] = _peak_rss_mb()
        clock = now

    frame = conform(frame)
    features = build_features(frame)
    lap("normalize")

    pairs, block_stats = candidate_pairs(features, blocking_keys)
    lap("block")

    ctx = PairContext(features, pairs)
    levels = compare_pairs(ctx, comparisons)
    lap("compare")

    if model is None:
        model = _estimate(features, comparisons, levels if em else None, train)
    fs = model.estimates(comparisons)
    weights = match_weights(ctx, levels, fs, model.record_frequencies(features, comparisons))
    scores = probabilities(weights, fs)
    lap("score")

    must_rows, cannot_rows, unknown = _constraint_rows(frame, constraints)
    left, right = ctx.left.astype(np.int64), ctx.right.astype(np.int64)
    must_mask = _pair_mask(left, right, must_rows)
    cannot_mask = _pair_mask(left, right, cannot_rows)

    households = model.twin_share >= TWIN_SHARE_TO_DEMOTE
    veto = _vetoed(levels, comparisons, ctx) & ~must_mask
    if not households:  # (sister companies at one address are no household: their vetoes stand)
        veto &= ~ctx.both("record_type", "person") | (
            ~_all_agreeing(levels, comparisons, NO_HOUSEHOLD_SAME_PERSON)
        )
    supporting = _agreeing(levels, comparisons, SUPPORTING_LEVELS)
    conflicts = _agreeing(levels, comparisons, CONFLICTING_LEVELS)
    # a person's mobile is their own device, as their e-mail is their own mailbox; the household shares
    # the landline (a shared landline stays a contact that agrees, never an identity)
    shared_mobile = ctx.both("record_type", "person") & ctx.any_shared("mobiles")
    identifying = ((_agreeing(levels, comparisons, IDENTIFYING_LEVELS) > 0) | shared_mobile) & (
        supporting >= MIN_AGREEING_FIELDS
    )
    for together in IDENTIFYING_TOGETHER + (() if households else NO_HOUSEHOLD_IDENTIFYING):
        identifying |= _all_agreeing(levels, comparisons, together)
    organization = ctx.both("record_type", "organization")
    cross_script = ctx.differ("non_latin")
    identifying |= organization & cross_script & _all_agreeing(levels, comparisons, CROSS_SCRIPT_COMPANY)
    identifying |= cross_script & (_agreeing(levels, comparisons, CROSS_SCRIPT_CUSTOMER) > 0)
    near_miss_dob = _agreeing(levels, comparisons, NEAR_MISS_DOB) > 0
    same_home = _agreeing(levels, comparisons, SAME_HOME) > 0
    # an organisation's switchboard is shared by its sister companies: not strong there
    strong = _agreeing(levels, comparisons, STRONG_LEVELS) - (
        organization & (_agreeing(levels, comparisons, SHARED_PHONE) > 0)
    )
    swapped_at_home = _all_agreeing(levels, comparisons, SWAPPED_BIRTHDAY_AT_HOME)
    typo_off_the_street = (_agreeing(levels, comparisons, TYPO_DOB) > 0) & (
        _agreeing(levels, comparisons, SAME_STREET) == 0
    )
    # a company's other street in the same postal area is another site: a sister company on the shared
    # switchboard, the name written without its legal form ("goodwin software": 1M, 158 of 182 such
    # merges were wrong)
    other_site = organization & (_agreeing(levels, comparisons, OTHER_SITE) > 0)
    contradicted = (strong == 0) & (
        (conflicts + other_site >= 2)
        | (conflicts >= 1) & near_miss_dob & ~swapped_at_home
        # ... last: a name and a birth date one keystroke off, not even the postal area: at a million
        # records a namesake born on a neighbouring day is more likely than a typo
        | near_miss_dob & ~same_home
        | typo_off_the_street
    )
    open_pair = ~cannot_mask & ~veto
    above_match = scores >= config.match_threshold
    # "James Davis Sr." vs "James Davis": the father or his son? Only something personal tells.
    suffix_l, suffix_r = ctx.sides("suffix")
    one_suffix = (suffix_l.is_null() != suffix_r.is_null()).to_numpy()
    nothing_personal = _agreeing(levels, comparisons, PERSONAL_LEVELS) == 0
    nothing_personal &= ~shared_mobile
    father_or_son = one_suffix & nothing_personal
    contradicted |= father_or_son
    # two records of ONE system with an e-mail or phone of their own and nothing personal or shared
    # agreeing: a system updates its customer's contact details in place, so a second record with other
    # ones is a second customer (father and son at one address, the Jr. dropped) more often than a
    # re-registration
    system = frame["source_system"].rank("dense").to_numpy()
    one_system = system[left] == system[right]
    no_contact_or_id = _agreeing(levels, comparisons, CONTACT_OR_ID) == 0
    contradicted |= (
        one_system & (_agreeing(levels, comparisons, OWN_CONTACTS) > 0) & nothing_personal & no_contact_or_id
    )
    # the same given name and birthday with another family name, address or phone: at 100k records a
    # namesake-by-first-name born that day is likelier than a married name and a move at once
    given_only = _agreeing(levels, comparisons, GIVEN_ONLY) > 0
    contradicted |= given_only & (conflicts >= 1) & no_contact_or_id
    # ... or with nothing else known to agree: two "Anna"s born the same day (100k: 5 of 5 were two people)
    contradicted |= given_only & (_agreeing(levels, comparisons, BEYOND_NAME_AND_BIRTHDAY) == 0)
    # name and birthday alone against another e-mail, phone AND address: at a million records the
    # namesake born that day outnumbers the customer who changed all three (100k: 6 of 16 were namesakes)
    contradicted |= (conflicts >= len(CONFLICTING_LEVELS)) & no_contact_or_id
    # ... or against two of them, the name only sounding alike in one script (across scripts a sound is
    # all a name can share): 1M: 182 of 419 such merges were two people, across scripts 111 of 1,260
    spelt_apart = ~cross_script & (_agreeing(levels, comparisons, SPELT_APART) > 0)
    contradicted |= spelt_apart & (conflicts >= 2) & no_contact_or_id
    # half a name and the birthday: twins, unless nothing of their own (e-mail, mobile, id) disagrees,
    # their own e-mail or id agrees, or the data has too few households to hold twins
    if households:
        contradicted |= (
            _all_agreeing(levels, comparisons, HALF_NAME_BIRTHDAY)
            & (_agreeing(levels, comparisons, TWIN_CONFLICTS) > 0)
            & (_agreeing(levels, comparisons, OWN_IDS) == 0)
        )
    # a company's departments write other e-mails and phones at its one address: no contradiction there
    contradicted &= ~(organization & _all_agreeing(levels, comparisons, COMPANY_AT_ADDRESS))
    # an equal id merges an organisation, and a person where no household shares one (a parent's number
    # on a child's account)
    id_holder = organization | ctx.both("record_type", "person") & (not households)
    same_id_holder = id_holder & (_agreeing(levels, comparisons, SAME_TAX_ID) > 0) & open_pair
    by_score = above_match & identifying & ~contradicted & open_pair
    is_match = by_score | same_id_holder | must_mask
    namesake = (supporting <= 1) & (conflicts >= NAMESAKE_CONFLICTS)
    namesake |= (_agreeing(levels, comparisons, HALF_NAME) > 0) & nothing_personal
    is_review = ~is_match & open_pair & ~namesake & (scores >= config.review_threshold)
    no_identity = above_match & ~identifying & open_pair & ~must_mask
    contradicted_demoted = above_match & identifying & contradicted & open_pair & ~must_mask
    vetoed = veto & (scores >= config.review_threshold)
    namesake_demoted = namesake & ~is_match & open_pair & (scores >= config.review_threshold)
    lap("decide")

    outcome = cluster(
        frame.height,
        left,
        right,
        np.where(veto, 0.0, scores),
        is_match,
        must_rows,
        cannot_rows,
        cluster_params,
        rank=_key_rank(frame),
        # the customer's own identifier: id and name, or an id that identifies on its own
        anchored=is_match & _all_agreeing(levels, comparisons, ANCHOR_LEVELS) | same_id_holder,
        # ... and, where an e-mail or mobile of their own disagrees too, as good as a veto in clustering
        # until the unmarked record's cluster carries the same suffix: the father's record must not join
        # "Jr." through the son's other records, which carry no suffix either (a record with nothing of
        # its own to compare stays free to join)
        ambiguous=father_or_son & (_agreeing(levels, comparisons, OWN_CONTACTS) > 0) & ~veto,
        suffix=features["suffix"].rank("dense").fill_null(0).cast(pl.Int64).to_numpy() - 1,
    )
    labels = outcome.labels
    cut = is_match & (labels[left] != labels[right])
    lap("cluster")

    codes = np.where(is_match, 0, np.where(is_review, 1, 2)).astype(np.uint32)
    decision = pl.Series(["match", "review", "distinct"], dtype=pl.Utf8).gather(codes)
    rules = rule_bits(
        too_few_identifying_fields_agree=no_identity,
        vetoed_by_disagreeing_field=vetoed,
        steward_must_link=must_mask,
        steward_cannot_link=cannot_mask,
        cut_by_clustering=cut,
        namesake_contact_fields_disagree=namesake_demoted,
        contact_fields_disagree=contradicted_demoted,
        same_tax_id_holder=same_id_holder & ~by_score & ~must_mask,
    )
    systems, ids = frame["source_system"], frame["source_id"]
    pairs_out = pl.DataFrame(
        {
            "left_system": systems.gather(left),
            "left_id": ids.gather(left),
            "right_system": systems.gather(right),
            "right_id": ids.gather(right),
            "score": pl.Series(scores, dtype=pl.Float64),
            "decision": decision,
            "cut": pl.Series(cut, dtype=pl.Boolean),
            "rules": pl.Series(rules, dtype=pl.UInt8),
            **{
                level_column(c): pl.Series(levels[:, i].astype(np.uint8), dtype=pl.UInt8)
                for i, c in enumerate(comparisons)
            },
        }
    )
    explainer = Explainer(
        comparisons,
        display_frame(features, comparisons),
        ctx.left,
        ctx.right,
        levels,
        weights.astype(np.float32),
        rules,
    )
    clusters = pl.DataFrame(
        {"source_system": systems, "source_id": ids, "cluster_id": pl.Series(labels, dtype=pl.Int64)}
    )
    lap("output")

    counts = pairs_out["decision"].value_counts()
    stats = {
        "records": frame.height,
        "candidate_pairs": len(pairs),
        "pairs_by_decision": {d: 0 for d in ("match", "review", "distinct")}
        | dict(zip(counts["decision"].to_list(), counts["count"].to_list(), strict=True)),
        "blocking_keys": block_stats.pairs_by_key,
        "oversized_blocks": block_stats.oversized_blocks,
        "clusters": int(np.unique(labels).size),
        "cut_pairs": int(cut.sum()),
        "constraints": {
            "must_link": len(must_rows),
            "cannot_link": len(cannot_rows),
            "unknown_records": unknown,
            "conflicts": len(outcome.constraint_conflicts),
        },
        "model": {
            "match_rate": model.match_rate,
            "em_iterations": model.em_iterations,
            "trained_on_records": model.trained_on_records,
        },
        "seconds": seconds,
        "peak_rss_mb": peak_mb,
    }
    return MatchResult(pairs_out, clusters, stats, model, explainer)
