"""Cluster metrics against hand-computed cases and an O(n²) brute force."""

from itertools import combinations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.metrics import score_clusters

TRUTH = ["a", "a", "a", "b", "b", "c"]


def frames(truth: list[str], clusters: list[object]) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = [str(i) for i in range(len(truth))]
    truth_frame = pl.DataFrame({"source_system": ["s"] * len(ids), "source_id": ids, "truth_id": truth})
    predicted = pl.DataFrame(
        {"source_system": ["s"] * len(clusters), "source_id": ids[: len(clusters)], "cluster_id": clusters}
    )
    return truth_frame, predicted


def test_perfect_clustering_scores_one_everywhere() -> None:
    scores = score_clusters(*frames(TRUTH, ["x", "x", "x", "y", "y", "z"]))
    assert (scores.pair_f1, scores.bcubed_f1, scores.exact_f1) == (1.0, 1.0, 1.0)
    assert scores.impure_clusters == 0 and scores.true_pairs == 4


def test_everything_merged_has_full_recall_and_poor_precision() -> None:
    scores = score_clusters(*frames(TRUTH, [1] * 6))
    assert scores.predicted_pairs == 15 and scores.true_positive_pairs == 4
    assert scores.pair_precision == pytest.approx(4 / 15) and scores.pair_recall == 1.0
    assert scores.bcubed_precision == pytest.approx((9 + 4 + 1) / 6 / 6) and scores.bcubed_recall == 1.0
    assert scores.exact_recall == 0.0 and scores.impure_clusters == 1


def test_split_and_merge_errors() -> None:
    # {0,1} {2,3,4} {5}: entity a is split, a and b are fused.
    scores = score_clusters(*frames(TRUTH, ["p", "p", "q", "q", "q", "r"]))
    assert scores.true_positive_pairs == 2 and scores.predicted_pairs == 4
    assert scores.pair_f1 == pytest.approx(0.5)
    assert scores.bcubed_precision == pytest.approx((4 / 2 + 1 / 3 + 4 / 3 + 1) / 6)
    assert scores.bcubed_recall == pytest.approx((4 / 3 + 1 / 3 + 4 / 2 + 1) / 6)
    # only the singleton c is reproduced exactly: 1 of 3 entities, 1 of 3 predicted clusters
    assert scores.exact_recall == pytest.approx(1 / 3) and scores.exact_precision == pytest.approx(1 / 3)
    assert scores.impure_clusters == 1


def test_exact_precision_and_recall_differ_when_entities_are_split() -> None:
    scores = score_clusters(*frames(TRUTH, ["x", "x", "x", "y", "z", "w"]))
    assert scores.exact_recall == pytest.approx(2 / 3)
    assert scores.exact_precision == pytest.approx(2 / 4)
    assert scores.pair_precision == 1.0 and scores.pair_recall == pytest.approx(3 / 4)


def test_records_the_tool_left_out_count_as_singletons() -> None:
    scores = score_clusters(*frames(TRUTH, ["x", "x", "x", "y"]))  # records 4 and 5 missing
    assert scores.missing_records == 2
    assert scores.true_positive_pairs == 3 and scores.predicted_clusters == 4


def test_missing_cluster_ids_never_collide_with_tool_ids() -> None:
    # a tool id that looks like the synthetic id of a missing record must stay a different cluster
    truth, predicted = frames(["a", "b"], ["missing:s:1"])
    assert score_clusters(truth, predicted).predicted_pairs == 0


def test_unknown_or_repeated_keys_are_refused() -> None:
    truth, predicted = frames(TRUTH, ["x"] * 6)
    with pytest.raises(ValueError, match="not in the data set"):
        score_clusters(truth, pl.concat([predicted, predicted.head(1).with_columns(source_id=pl.lit("99"))]))
    with pytest.raises(ValueError, match="repeat a record key"):
        score_clusters(truth, pl.concat([predicted, predicted.head(1)]))
    with pytest.raises(ValueError, match="lacks column"):
        score_clusters(truth, predicted.drop("cluster_id"))


def brute_force(truth: list[int], clusters: list[int]) -> tuple[int, int, int, float]:
    pairs = list(combinations(range(len(truth)), 2))
    true_pairs = {p for p in pairs if truth[p[0]] == truth[p[1]]}
    predicted = {p for p in pairs if clusters[p[0]] == clusters[p[1]]}
    b3_precision = sum(
        sum(1 for j in range(len(truth)) if clusters[j] == clusters[i] and truth[j] == truth[i])
        / sum(1 for j in range(len(truth)) if clusters[j] == clusters[i])
        for i in range(len(truth))
    ) / len(truth)
    return len(true_pairs), len(predicted), len(true_pairs & predicted), b3_precision


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=25))
def test_counts_agree_with_brute_force(labels: list[tuple[int, int]]) -> None:
    truth, clusters = [t for t, _ in labels], [c for _, c in labels]
    scores = score_clusters(*frames([str(t) for t in truth], clusters))
    true_pairs, predicted_pairs, tp, b3_precision = brute_force(truth, clusters)
    assert (scores.true_pairs, scores.predicted_pairs, scores.true_positive_pairs) == (
        true_pairs, predicted_pairs, tp,
    )
    assert scores.bcubed_precision == pytest.approx(b3_precision)
