"""Frozen models and incremental matching: whole candidate components match as in the full frame."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from matching import (
    Constraints,
    MatchModel,
    ModelMismatchError,
    candidate_components,
    features_of,
    match_features,
    match_frame,
    train_model,
)
from matching.compare import DEFAULT_COMPARISONS
from schemas import RecordKey
from sources.generator import generate_dataset

KEY = ["source_system", "source_id"]


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    rows = generate_dataset(2_500, seed=23, malformed_rate=0).rows
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.all().cast(pl.Utf8))


@pytest.fixture(scope="module")
def model(data: pl.DataFrame) -> MatchModel:
    return train_model(data)


def _partition(clusters: pl.DataFrame, keep: pl.DataFrame) -> set[frozenset[tuple[str, str]]]:
    """Clusters as sets of record keys, restricted to the records in ``keep``."""
    kept = clusters.join(keep.select(KEY), on=KEY, how="semi")
    return {
        frozenset(zip(g["source_system"], g["source_id"], strict=True))
        for _, g in kept.group_by("cluster_id")
    }


def _unordered(pairs: pl.DataFrame) -> pl.DataFrame:
    left = pl.concat_str("left_system", "left_id", separator="|")
    right = pl.concat_str("right_system", "right_id", separator="|")
    return pairs.select(
        pl.min_horizontal(left, right).alias("a"), pl.max_horizontal(left, right).alias("b"), "score"
    )


def test_features_computed_once_give_the_same_model_and_components(
    data: pl.DataFrame, model: MatchModel
) -> None:
    """The sync's plan normalises once and hands the features to both steps: same results as each
    normalising for itself."""
    features = match_features(data)
    assert train_model(data, features=features).to_json() == model.to_json()
    assert candidate_components(data, model, features=features).equals(candidate_components(data, model))
    with_other_rows = match_features(data.reverse())
    assert not candidate_components(data, model, features=with_other_rows).equals(
        candidate_components(data, model)
    )


def test_a_shard_matched_on_its_rows_of_the_plans_features_matches_as_on_its_own(
    data: pl.DataFrame, model: MatchModel
) -> None:
    """The sync in one process normalises the plan's frame once; a shard (here every third component,
    sorted by key as the store reads it) takes its rows of those features: same pairs, same clusters."""
    components = candidate_components(data, model)
    shard = (
        data.join(components.filter(pl.col("component") % 3 == 0), on=KEY, how="semi")
        .sort(KEY)
    )
    features = features_of(match_features(data), data, shard)
    assert features is not None and features.height == shard.height
    own = match_frame(shard, model=model)
    shared = match_frame(shard, model=model, features=features)
    assert _partition(shared.clusters, shard) == _partition(own.clusters, shard)
    assert _unordered(shared.pairs).sort("a", "b").equals(_unordered(own.pairs).sort("a", "b"))
    stranger = pl.concat([shard.head(1).with_columns(pl.lit("nowhere").alias("source_id")), shard])
    assert features_of(match_features(data), data, stranger) is None


def test_model_json_round_trip_is_readable_and_scores_the_same(data: pl.DataFrame, model: MatchModel) -> None:
    text = model.to_json()
    readable = json.loads(text)
    name = next(c for c in readable["comparisons"] if c["name"] == "name")
    exact = next(lv for lv in name["levels"] if lv["level"] == "exact")
    assert exact["weight"] == pytest.approx(np.log2(exact["m"] / exact["u"]), abs=1e-3)
    assert readable["term_frequencies"]["name"]["records"] == data.height
    assert readable["trained_on_records"] == data.height

    loaded = MatchModel.from_json(text)
    assert loaded == model
    first = match_frame(data.head(800), model=model)
    second = match_frame(data.head(800), model=loaded)
    assert first.pairs["score"].to_list() == second.pairs["score"].to_list()
    assert second.model is loaded


def test_without_a_model_the_frame_trains_one_and_reports_it(data: pl.DataFrame) -> None:
    trained_here = match_frame(data)
    assert isinstance(trained_here.model, MatchModel)
    with_model = match_frame(data, model=trained_here.model)
    assert with_model.pairs["score"].to_list() == trained_here.pairs["score"].to_list()
    assert with_model.clusters.equals(trained_here.clusters)


def test_with_a_model_scores_do_not_depend_on_the_batch(data: pl.DataFrame, model: MatchModel) -> None:
    # a batch with few records and other name frequencies than the training data: same pair, same score
    # (a random batch splits blocks, so it may compare pairs the full run skipped: compare the common ones)
    full = _unordered(match_frame(data, model=model).pairs)
    batch = data.sample(fraction=0.3, seed=1)
    part = _unordered(match_frame(batch, model=model).pairs)
    joined = part.join(full, on=["a", "b"], suffix="_full")
    assert joined.height > 0.3 * part.height
    assert np.allclose(joined["score"].to_numpy(), joined["score_full"].to_numpy(), rtol=0, atol=1e-12)


def test_union_of_whole_components_clusters_exactly_like_the_full_frame(
    data: pl.DataFrame, model: MatchModel
) -> None:
    components = candidate_components(data, model)
    assert components.select(KEY).equals(data.select(KEY))
    assert components["component"].dtype == pl.Int64
    sizes = components.group_by("component").len()
    assert sizes.height > 10 and sizes["len"].max() > 2

    full = match_frame(data, model=model)
    # every match pair lies inside one component
    keys = zip(components["source_system"], components["source_id"], strict=True)
    comp = dict(zip(keys, components["component"], strict=True))
    for row in full.pairs.filter(pl.col("decision") != "distinct").iter_rows(named=True):
        assert comp[(row["left_system"], row["left_id"])] == comp[(row["right_system"], row["right_id"])]

    rng = np.random.default_rng(7)
    ids = sizes["component"].to_numpy()
    for share in (0.2, 0.5):
        chosen = rng.choice(ids, size=max(1, int(len(ids) * share)), replace=False)
        # the biggest component too, where capped blocks and agglomeration order matter most
        chosen = np.union1d(chosen, sizes.sort("len")["component"].tail(1).to_numpy())
        keep = components.filter(pl.col("component").is_in(chosen.tolist()))
        subset = data.join(keep.select(KEY), on=KEY, how="semi").sample(fraction=1.0, shuffle=True, seed=3)
        part = match_frame(subset, model=model)
        assert _partition(part.clusters, keep) == _partition(full.clusters, keep)


def test_oversized_block_records_share_one_component() -> None:
    # 35 contacts on one switchboard: the phone block exceeds its cap and is skipped; all of them must
    # still travel together, or a subset would see a small block and compare what the full run did not
    rows = [
        dict(
            source_system="erp",
            source_id=str(i),
            given_name=f"Person{i}",
            family_name=f"Family{i}",
            phone="+49 30 1111111",
            date_of_birth=f"19{50 + i}-01-01",
        )
        for i in range(35)
    ]
    frame = pl.DataFrame(rows)
    components = candidate_components(frame)
    assert components["component"].n_unique() == 1
    assert match_frame(frame).stats["oversized_blocks"]["phone"] == 1
    assert match_frame(frame.head(5)).stats["oversized_blocks"]["phone"] == 0


def test_must_link_joins_components() -> None:
    rows = [
        dict(source_system="erp", source_id="1", given_name="Anna", family_name="Schmidt"),
        dict(source_system="webshop", source_id="9", given_name="Jürgen", family_name="Lehmann"),
    ]
    frame = pl.DataFrame(rows)
    assert candidate_components(frame)["component"].n_unique() == 2
    link = Constraints(must_link=[(RecordKey("erp", "1"), RecordKey("webshop", "9"))])
    assert candidate_components(frame, constraints=link)["component"].n_unique() == 1


def test_model_for_other_comparisons_is_refused(model: MatchModel) -> None:
    broken = model.model_copy(deep=True)
    broken.comparisons = [c for c in broken.comparisons if c.name != "email"]
    with pytest.raises(ModelMismatchError, match="email"):
        broken.estimates(DEFAULT_COMPARISONS)


def test_twin_share_is_learnt_from_the_households_in_the_data(data: pl.DataFrame, model: MatchModel) -> None:
    # the generated customers live in households (spouses, parents, Jr./Sr.), so twins are possible ...
    assert model.twin_share >= 0.05
    # ... and a model stored before the statistic existed reads the conservative value
    legacy = json.loads(model.to_json())
    del legacy["twin_share"]
    assert MatchModel.model_validate(legacy).twin_share == 1.0


def test_twin_share_is_low_where_no_household_exists() -> None:
    home = {"family_name": "Ryan", "street": "26 Lance Hill Avenue", "postal_code": "3070", "country": "AU"}
    # one customer written three ways (given name replaced, as FEBRL corrupts it), nobody else at home
    rows = [
        dict(home, source_system="a", source_id=str(i), given_name=given, date_of_birth="1972-06-15")
        for i, given in enumerate(["Joel", "Emalcene", "Joel"])
    ]
    assert train_model(pl.DataFrame(rows)).twin_share < 0.05
    # two parents at the same home make the same two given names look like twins again
    parents = [
        dict(home, source_system="a", source_id=f"p{i}", given_name=given, date_of_birth=dob)
        for i, (given, dob) in enumerate([("Kevin", "1941-02-03"), ("Mary", "1944-09-30")])
    ]
    assert train_model(pl.DataFrame(rows + parents)).twin_share >= 0.05


def _birth_date_m(model: MatchModel) -> dict[str, float]:
    [dob] = [c for c in model.comparisons if c.name == "date_of_birth"]
    return {level.level: level.m for level in dob.levels}


def test_birth_date_m_is_learnt_from_records_the_name_id_and_postal_code_make_certain() -> None:
    rows = []
    for i in range(40):
        person = dict(
            given_name=f"Given{i}", family_name=f"Family{i}", postal_code=str(3000 + i), country="AU"
        )
        # one copy in eight carries a birth date replaced beyond a typo (FEBRL corrupts it so)
        second_born = "1901-01-01" if i % 8 == 0 else f"19{40 + i}-05-17"
        for copy, born in (("a", f"19{40 + i}-05-17"), ("b", second_born)):
            rows.append(
                dict(
                    person,
                    source_system=copy,
                    source_id=str(i),
                    date_of_birth=born,
                    tax_id=str(5_000_000 + i),
                )
            )
    [comparison] = [c for c in DEFAULT_COMPARISONS if c.name == "date_of_birth"]
    prior = dict(zip(comparison.levels[1:], comparison.prior_m, strict=True))
    learnt = _birth_date_m(train_model(pl.DataFrame(rows)))
    assert learnt["else"] > 10 * prior["else"]
    assert learnt["exact"] < prior["exact"]
    # without the id number nothing makes a pair certain: the priors stay
    anonymous = [{k: v for k, v in row.items() if k != "tax_id"} for row in rows]
    assert _birth_date_m(train_model(pl.DataFrame(anonymous))) == pytest.approx(prior)


def test_typing_errors_in_given_names_are_not_twins() -> None:
    # a household (parents and their son) whose son's record was copied with typos in the given name:
    # the copies are one customer, not twins, so the data still holds households
    home = {"family_name": "Ryan", "street": "26 Lance Hill Avenue", "postal_code": "3070", "country": "AU"}
    family = [("Kevin", "1941-02-03"), ("Mary", "1944-09-30"), ("Joel", "1972-06-15")]
    typos = ["Joell", "Jeol", "Joe1", "Jole"]
    rows = [
        dict(home, source_system="a", source_id=f"r{i}", given_name=given, date_of_birth=dob)
        for i, (given, dob) in enumerate(family + [(typo, "1972-06-15") for typo in typos])
    ]
    assert train_model(pl.DataFrame(rows)).twin_share >= 0.05
