"""Run one matcher on one prepared data set in a fresh process and report time and memory.

A separate process per tool keeps the measurements clean: peak RSS is this process's own high-water
mark (plus any children it spawned), not the harness's or the other tool's, and wall time excludes
interpreter start-up and data loading, which are reported separately. ``written_at`` (epoch seconds,
taken once the clusters are on disk) lets the harness, which noted when it started this process, report
the whole process: interpreter start, imports, reading the data, matching and writing the result.

Usage: ``python -m bench.worker TOOL RECORDS.parquet OUT_DIR LINK_TYPE`` -> ``OUT_DIR/clusters.parquet``
and ``OUT_DIR/run.json``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import polars as pl

from bench.tools import TOOLS


def peak_rss_mb() -> float:
    """High-water RSS of this process or any child it waited for (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run(tool: str, records_path: Path, out_dir: Path, link_type: str) -> dict[str, float | int | str]:
    started = time.perf_counter()
    records = pl.read_parquet(records_path)
    loaded = time.perf_counter()
    rss_before = peak_rss_mb()
    clusters = TOOLS[tool](records, link_type)
    matched = time.perf_counter()
    report: dict[str, float | int | str] = {
        "tool": tool,
        "records": records.height,
        "load_s": loaded - started,
        "wall_s": matched - loaded,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_match_mb": rss_before,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    clusters.write_parquet(out_dir / "clusters.parquet")
    report["written_at"] = time.time()
    (out_dir / "run.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in TOOLS:
        print(f"usage: python -m bench.worker {{{','.join(TOOLS)}}} RECORDS.parquet OUT_DIR LINK_TYPE",
              file=sys.stderr)
        return 2
    run(argv[0], Path(argv[1]), Path(argv[2]), argv[3])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
