"""How much do steward decisions teach the matcher? F1 after 50, 200 and 500 simulated labels.

A simulated steward works through the review queue, most uncertain pair first (the workbench's order:
score nearest the middle of the review band), and answers from the ground truth. After k answers the
hub would (a) honour them as constraints on the next sync, and (b) at the next re-match of everything,
retrain the model with them as labels (``matching.labels``: m re-estimated, thresholds calibrated).
Both are scored on the whole data set, so the table shows what the labels did beyond the pairs
they name::

    .venv/bin/python -m bench.steward_labels --datasets multi_10k,spec_10k --labels 0,50,200,500
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl

from bench.datasets import TRUTH, load_dataset
from bench.metrics import score_clusters
from matching import Constraints, match_frame, train_model
from schemas import MatchingConfig, RecordKey

RESULTS = Path(__file__).parent / "results" / "steward_labels.md"


def review_order(pairs: pl.DataFrame, config: MatchingConfig) -> pl.DataFrame:
    """Review pairs, most uncertain first (the workbench's queue order without cluster sizes)."""
    middle = (config.review_threshold + config.match_threshold) / 2
    return (
        pairs.filter(pl.col("decision") == "review")
        .with_columns((pl.col("score") - middle).abs().alias("_uncertainty"))
        .sort("_uncertainty", "left_system", "left_id", "right_system", "right_id")
    )


def answers(queue: pl.DataFrame, truth: pl.DataFrame, k: int) -> Constraints:
    """The first ``k`` review pairs answered from the truth: same -> must-link, else cannot-link."""
    entity = {(s, i): t for s, i, t in truth.select("source_system", "source_id", TRUTH).iter_rows()}
    constraints = Constraints()
    for ls, li, rs, ri in (
        queue.head(k).select("left_system", "left_id", "right_system", "right_id").iter_rows()
    ):
        pair = (RecordKey(ls, li), RecordKey(rs, ri))
        if entity[(ls, li)] == entity[(rs, ri)]:
            constraints.must_link.append(pair)
        else:
            constraints.cannot_link.append(pair)
    return constraints


def run(dataset: str, label_counts: list[int]) -> list[dict[str, object]]:
    data = load_dataset(dataset)
    config = MatchingConfig()
    first = match_frame(data.records, config)
    queue = review_order(first.pairs, config)
    rows = []
    for k in label_counts:
        constraints = answers(queue, data.truth, k)
        started = time.perf_counter()
        honoured = match_frame(data.records, config, constraints, model=first.model)
        retrained = train_model(data.records, config, constraints=constraints)
        taught = match_frame(data.records, config, constraints, model=retrained)
        calibration = retrained.calibration
        for label, result in (("constraints only", honoured), ("constraints + retrained", taught)):
            scores = score_clusters(data.truth, result.clusters)
            rows.append(
                {
                    "data set": dataset,
                    "labels": k,
                    "same / not same": f"{len(constraints.must_link)} / {len(constraints.cannot_link)}",
                    "model": label,
                    "pair P": scores.pair_precision,
                    "pair R": scores.pair_recall,
                    "pair F1": scores.pair_f1,
                    "exact F1": scores.exact_f1,
                    "review left": result.stats["pairs_by_decision"]["review"],
                    "thresholds": (
                        f"{calibration.match_threshold:.3f} / {calibration.review_threshold:.3f}"
                        if label != "constraints only" and calibration and calibration.match_threshold
                        else f"{config.match_threshold} / {config.review_threshold}"
                    ),
                    "seconds": f"{time.perf_counter() - started:.1f}",
                }
            )
    return rows


def to_markdown(rows: list[dict[str, object]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.steward_labels", description=__doc__)
    parser.add_argument("--datasets", default="multi_10k")
    parser.add_argument("--labels", default="0,50,200,500")
    args = parser.parse_args(argv)
    counts = [int(k) for k in args.labels.split(",")]
    rows = [row for name in args.datasets.split(",") for row in run(name, counts)]
    table = to_markdown(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
