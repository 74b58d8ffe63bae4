"""CLI: ``python -m sources.generator --records 100000 --seed 7 --out bench/data/multi_100k.csv``.

Streams rows straight to the CSV, so memory stays flat even for millions of records.
"""

from __future__ import annotations

import argparse
import sys
import time

from sources.generator.dataset import DEFAULT_MALFORMED_RATE, iter_rows
from sources.generator.flat import write_flat_csv
from sources.generator.render import SYSTEMS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sources.generator", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="approximate number of source records")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="CSV file to write (parent folders are created)")
    parser.add_argument(
        "--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {','.join(SYSTEMS)}"
    )
    parser.add_argument(
        "--malformed-rate",
        type=float,
        default=DEFAULT_MALFORMED_RATE,
        help="share of deliberately malformed BAD- rows (0 to leave them out)",
    )
    parser.add_argument("--no-truth", action="store_true", help="omit the truth_id column")
    args = parser.parse_args(argv)
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    started = time.perf_counter()
    try:
        rows = iter_rows(args.records, args.seed, systems, args.malformed_rate)
        count = write_flat_csv(rows, args.out, include_truth=not args.no_truth)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"wrote {count} records to {args.out} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
