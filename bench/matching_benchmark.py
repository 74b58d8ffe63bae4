"""CRM Hub vs Splink on the same data: accuracy, wall time and peak memory, one process per tool.

    python -m bench.matching_benchmark --datasets febrl3,febrl4,multi_10k
    python -m bench.matching_benchmark --datasets multi --sizes 10k,100k,1m --tools crmhub,splink

Prepared inputs go to ``bench/data/``; the report, and per tool and data set the clusters plus examples
of wrong merges (``impure_examples.csv``) and missed merges (``split_examples.csv``), go to
``bench/results/`` (both git-ignored). A tool that fails or times out is reported as failed; the other
tools still run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import polars as pl

from bench.datasets import Dataset, load_dataset
from bench.errors import error_examples
from bench.metrics import score_clusters
from bench.report import DatasetReport, ToolRun, render
from bench.tools import TOOLS

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_DATASETS = "febrl3,febrl4,multi_10k"
#: How much of a failed worker's stderr ends up in the report.
ERROR_TAIL = 600


def dataset_names(datasets: str, sizes: str | None) -> list[str]:
    """``multi`` in ``--datasets`` expands to one ``multi_<size>`` per ``--sizes`` entry (default 10k)."""
    names: list[str] = []
    for name in filter(None, (n.strip() for n in datasets.split(","))):
        if name == "multi":
            names += [f"multi_{s.strip()}" for s in (sizes or "10k").split(",") if s.strip()]
        else:
            names.append(name)
    if sizes and "multi" not in datasets.split(","):
        names += [f"multi_{s.strip()}" for s in sizes.split(",") if f"multi_{s.strip()}" not in names]
    return list(dict.fromkeys(names))


def run_tool(tool: str, dataset: Dataset, records_path: Path, out_dir: Path, timeout: float) -> ToolRun:
    """Run one tool in its own interpreter on ``records_path`` and score what it writes to ``out_dir``."""
    for stale in ("clusters.parquet", "run.json"):
        (out_dir / stale).unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.worker", tool, str(records_path), str(out_dir), dataset.link_type]
    spawned_at = time.time()  # the worker's ``written_at`` is on the same clock: whole-process time
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return ToolRun(dataset.name, tool, dataset.frame.height, error=f"timed out after {timeout:.0f} s")
    total = time.perf_counter() - started
    if done.returncode != 0:
        tail = done.stderr.strip()[-ERROR_TAIL:] or f"exit status {done.returncode}"
        return ToolRun(dataset.name, tool, dataset.frame.height, total_s=total, error=tail)
    run = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    clusters = pl.read_parquet(out_dir / "clusters.parquet")
    try:
        scores = score_clusters(dataset.truth, clusters)
    except ValueError as exc:  # a tool returning keys it was never given is a tool failure, not a score
        error = f"invalid output: {exc}"
        return ToolRun(dataset.name, tool, dataset.frame.height, total_s=total, error=error)
    for kind in ("impure", "split"):
        error_examples(dataset.frame, clusters, kind).write_csv(out_dir / f"{kind}_examples.csv")
    return ToolRun(
        dataset.name, tool, dataset.frame.height, scores=scores,
        wall_s=run["wall_s"], peak_rss_mb=run["peak_rss_mb"], total_s=total,
        process_s=run["written_at"] - spawned_at,
    )


def benchmark(
    names: list[str], tools: list[str], seed: int, timeout: float, dedupe_only: bool = False
) -> list[DatasetReport]:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    reports = []
    for name in names:
        print(f"[bench] loading {name}", file=sys.stderr, flush=True)
        dataset = load_dataset(name, seed=seed)
        if dedupe_only:  # CRM Hub always dedupes the union; this gives Splink the same task
            dataset.link_type = "dedupe_only"
        records_path = DATA_DIR / f"{dataset.name}.parquet"
        dataset.records.write_parquet(records_path)
        report = DatasetReport(dataset.name, dataset.link_type, dataset.frame.height, dataset.notes)
        for tool in tools:
            print(f"[bench] {dataset.name}: running {tool}", file=sys.stderr, flush=True)
            run = run_tool(tool, dataset, records_path, RESULTS_DIR / dataset.name / tool, timeout)
            status = f"failed: {run.error.splitlines()[-1]}" if run.error else f"{run.wall_s:.1f} s"
            print(f"[bench] {dataset.name}: {tool} {status}", file=sys.stderr, flush=True)
            report.runs.append(run)
        reports.append(report)
    return reports


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.matching_benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=DEFAULT_DATASETS,
                        help="comma list of febrl3, febrl4, multi_<size> or multi (default: %(default)s)")
    parser.add_argument("--sizes", help="sizes of the multilingual data set, e.g. 10k,100k,1m")
    parser.add_argument("--tools", default="crmhub,splink,goldenmatch,baseline",
                        help=f"comma list of {', '.join(TOOLS)} (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed for multi_* data sets")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per tool and data set")
    parser.add_argument("--dedupe-only", action="store_true",
                        help="run Splink as dedupe_only even on FEBRL4 (CRM Hub's task there)")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "matching.md")
    args = parser.parse_args(argv)
    unknown = [t for t in args.tools.split(",") if t not in TOOLS]
    if unknown:
        parser.error(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(TOOLS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = dataset_names(args.datasets, args.sizes)
    reports = benchmark(names, args.tools.split(","), args.seed, args.timeout, args.dedupe_only)
    header = [
        f"Python {platform.python_version()} on {platform.machine()}, {_cpu_count()} CPUs; "
        f"{_versions()}; generator seed {args.seed}.",
    ]
    markdown = render(reports, header)
    print(markdown)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(markdown, encoding="utf-8")
    raw = [{**asdict(r), "runs": [asdict(run) for run in r.runs]} for r in reports]
    args.output.with_suffix(".json").write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return 1 if any(run.error for r in reports for run in r.runs) else 0


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("splink", "goldenmatch", "duckdb", "polars", "rapidfuzz"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


if __name__ == "__main__":
    raise SystemExit(main())
