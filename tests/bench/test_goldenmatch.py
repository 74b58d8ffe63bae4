"""GoldenMatch as a benchmark peer: its configuration, its clusters, and a scored run in the worker."""

from pathlib import Path

import polars as pl
import pytest

from bench.datasets import Dataset, load_dataset, to_flat
from bench.goldenmatch_runner import build_config, goldenmatch_clusters
from bench.matching_benchmark import run_tool
from bench.metrics import score_clusters

ROWS = [
    # t1: the same e-mail in two systems (exact matchkey), spelt in two cases
    {"source_system": "erp", "source_id": "1", "given_name": "Anna", "family_name": "Müller",
     "email": "anna.mueller@example.de", "street": "Hauptstraße 1", "postal_code": "10115",
     "date_of_birth": "1980-01-02", "truth_id": "t1"},
    {"source_system": "webshop", "source_id": "w1", "full_name": "ANNA MÜLLER",
     "email": "Anna.Mueller@example.de", "truth_id": "t1"},
    # t2: her namesake at the same address, born eleven years later: negative evidence keeps her apart
    {"source_system": "erp", "source_id": "2", "given_name": "Anna", "family_name": "Müller",
     "street": "Hauptstraße 1", "postal_code": "10115", "date_of_birth": "1991-05-06", "truth_id": "t2"},
    # t3: no shared identifier, a typo in the name and the street written out: the weighted matchkey
    {"source_system": "erp", "source_id": "3", "given_name": "Jon", "family_name": "Smith",
     "phone": "+1 555 0100", "street": "5 Main St", "postal_code": "90210", "truth_id": "t3"},
    {"source_system": "legacy_db", "source_id": "L3", "full_name": "SMITH JOHN",
     "phone": "+1 (555) 0100", "street": "5 Main St.", "postal_code": "90210", "truth_id": "t3"},
    # t4: a John Smith known only by name: the guard never links a pair on the name alone
    {"source_system": "webshop", "source_id": "w4", "full_name": "John Smith", "truth_id": "t4"},
]


def test_duplicates_merge_and_a_namesake_stays_apart() -> None:
    data = Dataset("tiny", to_flat(pl.DataFrame(ROWS, infer_schema_length=None)))
    clusters = goldenmatch_clusters(data.records)
    assert clusters.height == len(ROWS) and clusters["cluster_id"].null_count() == 0
    scores = score_clusters(data.truth, clusters)
    assert (scores.pair_precision, scores.pair_recall, scores.impure_clusters) == (1.0, 1.0, 0)


def test_configuration_uses_only_columns_that_carry_data() -> None:
    config = build_config({"name", "email", "postal_code"})
    exact, weighted = config.get_matchkeys()
    assert (exact.type, [f.field for f in exact.fields]) == ("exact", ["email"])
    assert [f.field for f in weighted.fields] == ["name", "postal_code"]
    assert [n.field for n in weighted.negative_evidence] == ["email"]
    assert weighted.guard == "(a_email != None and b_email != None)"
    assert [p.fields for p in config.blocking.passes] == [["email"], ["name"], ["postal_code", "name"]]


def test_goldenmatch_runs_in_the_worker_and_is_scored_from_its_clusters(tmp_path: Path) -> None:
    data = load_dataset("multi_500", seed=3)
    records = tmp_path / "multi_500.parquet"
    data.records.write_parquet(records)
    run = run_tool("goldenmatch", data, records, tmp_path / "out", timeout=300)
    assert run.error is None, run.error
    clusters = pl.read_parquet(tmp_path / "out" / "clusters.parquet")
    assert run.scores is not None and run.scores.missing_records == 0
    assert run.scores.as_dict() == pytest.approx(score_clusters(data.truth, clusters).as_dict())
    # it links duplicates (far fewer clusters than records), mostly right
    assert run.scores.predicted_clusters < 0.8 * data.frame.height
    assert run.scores.pair_f1 > 0.6
    assert run.wall_s is not None and run.process_s is not None and run.total_s is not None
    assert run.wall_s < run.process_s <= run.total_s
    assert (tmp_path / "out" / "impure_examples.csv").exists()
