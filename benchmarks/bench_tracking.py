"""Tracking benchmark, as a script: the same code as `garant bench tracking`.

Usage: GARANT_KARRIO_PYTHON=/path/to/karrio-venv/bin/python \
    python benchmarks/bench_tracking.py --events 50000 --pg-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from garant.tools.bench_tracking import BenchCheckFailed, default_pg_url, run_tracking_bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samples-dir", type=Path, default=None, help="default: ../shared/carrier-samples"
    )
    parser.add_argument("--events", type=int, default=50_000, help="events to ingest")
    parser.add_argument(
        "--pg-url",
        default=None,
        help="PostgreSQL server URL; default GARANT_BENCH_PG_URL or GARANT_TEST_DATABASE_URL",
    )
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--parse-seconds", type=float, default=0.5, help="minimum per round")
    args = parser.parse_args(argv)
    try:
        run_tracking_bench(
            samples_dir=args.samples_dir,
            events=args.events,
            pg_url=None if args.sqlite_only else (args.pg_url or default_pg_url()),
            parse_seconds=args.parse_seconds,
        )
    except BenchCheckFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
