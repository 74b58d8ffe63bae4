"""Steward decisions as labels: m re-estimated from "same" pairs, thresholds calibrated in the band."""

from __future__ import annotations

import numpy as np
import polars as pl
from fixtures import HOUSEHOLD, PEOPLE, frame
from test_score import _customers, _m

from matching import Constraints, match_frame, train_model
from matching.labels import MIN_LABELS, Calibration, calibrate
from schemas import RecordKey


def test_labelled_duplicates_re_estimate_m() -> None:
    data = _customers(300, moved=False)
    # the stewards said: each of these erp/shop pairs with another family name in the shop is one customer
    renamed = data.with_columns(
        pl.when((pl.col("source_system") == "shop") & (pl.col("source_id").str.slice(1).cast(int) < 60))
        .then(pl.lit("Married"))
        .otherwise(pl.col("family_name"))
        .alias("family_name")
    )
    same = [(RecordKey("erp", f"e{i}"), RecordKey("shop", f"s{i}")) for i in range(60)]
    plain = train_model(renamed)
    taught = train_model(renamed, constraints=Constraints(must_link=same))
    assert _m(taught, "name", "given_only") > 2 * _m(plain, "name", "given_only")
    assert taught.calibration is not None and taught.calibration.same == 60
    assert taught.calibration.match_threshold is None  # no "not the same" labels: nothing to calibrate


def test_calibration_stays_in_the_review_band_and_needs_enough_labels() -> None:
    rng = np.random.default_rng(1)
    same = np.concatenate([rng.uniform(0.8, 0.92, 60), rng.uniform(0.95, 1.0, 200)])
    not_same = rng.uniform(0.5, 0.75, 60)
    match, review = calibrate(same, not_same, match=0.92, review=0.5)
    assert match == same[:60].min()  # the lowest score above which the labels are still precise
    assert 0.75 <= review < match  # hardly a labelled duplicate below it
    assert calibrate(same[: MIN_LABELS - 1], not_same, 0.92, 0.5) == (None, None)
    # labels above the match threshold (sent to review by a rule) say nothing about the band
    assert calibrate(rng.uniform(0.95, 1.0, 100), not_same, 0.92, 0.5) == (None, None)


def test_calibrated_thresholds_decide_the_next_match() -> None:
    data = frame(PEOPLE, HOUSEHOLD)
    model = train_model(data)
    assert model.thresholds(0.92, 0.5) == (0.92, 0.5)  # no labels: the configured ones
    strict = model.model_copy(
        update={
            "calibration": Calibration(same=30, not_same=30, match_threshold=0.999999, review_threshold=0.6)
        }
    )
    assert strict.thresholds(0.92, 0.5) == (0.999999, 0.6)
    normal, calibrated = match_frame(data, model=model), match_frame(data, model=strict)
    merged = normal.pairs.filter((pl.col("decision") == "match") & (pl.col("score") < 0.999999))
    assert merged.height  # pairs the configured threshold merges by score ...
    keys = ["left_id", "right_id"]
    again = calibrated.pairs.join(merged.select(keys), on=keys)
    assert (again["decision"] != "match").all()  # ... and the calibrated one does not
