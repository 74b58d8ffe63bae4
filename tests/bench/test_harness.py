"""The harness end to end with the exact-key baseline: subprocess, scoring, report, failure capture."""

from pathlib import Path

import polars as pl

from bench.baseline import exact_key_clusters
from bench.datasets import Dataset, to_flat
from bench.errors import error_examples
from bench.matching_benchmark import dataset_names, run_tool
from bench.metrics import score_clusters
from bench.report import DatasetReport, ToolRun, render

ROWS = [
    # t1: same e-mail in two systems, and the third record shares only the tax id with the second
    {"source_system": "erp", "source_id": "1", "given_name": "Somchai", "family_name": "Jaidee",
     "email": "somchai@example.com", "truth_id": "t1"},
    {"source_system": "webshop", "source_id": "w1", "given_name": "SOMCHAI", "family_name": "JAIDEE",
     "email": "x@example.com;Somchai@example.com", "tax_id": "TH-1", "truth_id": "t1"},
    {"source_system": "legacy_db", "source_id": "9", "full_name": "สมชาย ใจดี", "tax_id": "th-1",
     "truth_id": "t1"},
    # t2 and t3: same name, different dates of birth -> must stay apart
    {"source_system": "erp", "source_id": "2", "given_name": "Anna", "family_name": "Müller",
     "date_of_birth": "1980-01-02", "truth_id": "t2"},
    {"source_system": "erp", "source_id": "3", "given_name": "Anna", "family_name": "Müller",
     "date_of_birth": "1991-05-06", "truth_id": "t3"},
    {"source_system": "webshop", "source_id": "w3", "given_name": "anna", "family_name": "müller",
     "date_of_birth": "1991-05-06", "truth_id": "t3"},
]


def dataset() -> Dataset:
    return Dataset("tiny", to_flat(pl.DataFrame(ROWS, infer_schema_length=None)))


def test_baseline_links_through_shared_keys_transitively() -> None:
    data = dataset()
    clusters = exact_key_clusters(data.records)
    scores = score_clusters(data.truth, clusters)
    assert scores.pair_f1 == 1.0 and scores.exact_recall == 1.0 and scores.impure_clusters == 0


def test_tool_runs_in_a_subprocess_and_is_scored(tmp_path: Path) -> None:
    data = dataset()
    records = tmp_path / "tiny.parquet"
    data.records.write_parquet(records)
    run = run_tool("baseline", data, records, tmp_path / "out", timeout=120)
    assert run.error is None
    assert run.scores is not None and run.scores.pair_f1 == 1.0
    assert run.peak_rss_mb is not None and run.peak_rss_mb > 10
    assert run.wall_s is not None and run.total_s is not None and run.process_s is not None
    assert run.wall_s < run.process_s <= run.total_s


def test_a_failing_tool_is_reported_not_raised(tmp_path: Path) -> None:
    run = run_tool("baseline", dataset(), tmp_path / "absent.parquet", tmp_path / "out", timeout=120)
    assert run.scores is None
    assert run.error is not None and "absent.parquet" in run.error


def test_report_has_a_ratio_row_when_both_tools_ran() -> None:
    data = dataset()
    perfect = score_clusters(data.truth, data.truth.rename({"truth_id": "cluster_id"}))
    lumped = score_clusters(data.truth, data.truth.with_columns(cluster_id=pl.lit("all")).drop("truth_id"))
    report = DatasetReport("tiny", "dedupe_only", 6, runs=[
        ToolRun("tiny", "crmhub", 6, lumped, wall_s=1.0, peak_rss_mb=100.0, total_s=2.0, process_s=1.5),
        ToolRun("tiny", "splink", 6, perfect, wall_s=4.0, peak_rss_mb=400.0, total_s=5.0, process_s=4.5),
        ToolRun("tiny", "goldenmatch", 6, perfect, wall_s=2.0, peak_rss_mb=200.0, total_s=3.0, process_s=3.0),
    ])
    lines = render([report]).splitlines()
    ratio_row = next(line for line in lines if "CRM Hub / Splink" in line)
    cells = [c.strip() for c in ratio_row.strip("|").split("|")]
    assert cells[3:6] == [f"{lumped.pair_precision:.2f}×", "1.00×", f"{lumped.pair_f1:.2f}×"]
    assert cells[-3:] == ["0.25×", "0.33×", "0.25×"]  # wall, whole process, peak memory
    golden_row = next(line for line in lines if "CRM Hub / GoldenMatch" in line)
    assert [c.strip() for c in golden_row.strip("|").split("|")][-3:] == ["0.50×", "0.50×", "0.50×"]


def test_multi_expands_to_one_data_set_per_size() -> None:
    assert dataset_names("febrl3,multi", "10k,1m") == ["febrl3", "multi_10k", "multi_1m"]
    assert dataset_names("febrl4", "100k") == ["febrl4", "multi_100k"]
    assert dataset_names("febrl3,multi_10k", None) == ["febrl3", "multi_10k"]


def test_error_examples_show_wrong_and_missed_merges() -> None:
    data = dataset()
    # cluster "m" fuses t2 and t3; t1 is split over "a" and "b"
    clusters = data.truth.with_columns(
        cluster_id=pl.Series(["a", "a", "b", "m", "m", "m"])
    ).drop("truth_id")
    impure = error_examples(data.frame, clusters, "impure")
    assert impure["cluster_id"].unique().to_list() == ["m"] and impure.height == 3
    split = error_examples(data.frame, clusters, "split")
    assert split["truth_id"].unique().to_list() == ["t1"]
    assert sorted(split["cluster_id"].to_list()) == ["a", "a", "b"]
    assert "given_name" in split.columns
