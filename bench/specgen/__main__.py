"""``python -m bench.specgen --records N --seed S --out DIR`` -> ``DIR/spec_<N>.parquet`` + truth CSV."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.datasets import parse_size, size_label
from bench.specgen import DEFAULT_SEED, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.specgen", description=__doc__)
    parser.add_argument("--records", default="10k", help="number of records, e.g. 5000, 10k, 1m")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("bench/data"))
    args = parser.parse_args(argv)
    n = parse_size(args.records)
    started = time.perf_counter()
    generated = generate(n, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"spec_{size_label(n)}.parquet"
    generated.frame.write_parquet(path)
    generated.frame.select("source_system", "source_id", "truth_id").write_csv(
        args.out / f"spec_{size_label(n)}_truth.csv"
    )
    print(
        f"{path}: {generated.frame.height:,} records, {generated.frame['truth_id'].n_unique():,} customers, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
