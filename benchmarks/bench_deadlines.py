"""Deadline sweep benchmark, as a script: the same code as `garant bench deadlines`.

Usage: python benchmarks/bench_deadlines.py --n 100000 --pg-url postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import sys

from garant.tools.bench_deadlines import run_deadline_bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="orders with a due deadline")
    parser.add_argument("--batch", type=int, default=200, help="rows claimed per round")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL server URL")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    report = run_deadline_bench(
        n=args.n, batch=args.batch, pg_url=args.pg_url, sqlite_only=args.sqlite_only
    )
    return 0 if report.all_checks_passed else 1


if __name__ == "__main__":  # spawned benchmark workers re-import this file: guard the run
    sys.exit(main())
