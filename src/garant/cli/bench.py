"""`garant bench api` and `garant bench scale` (the other benchmarks are in ``cli/run.py``).

With ``--json`` the figures are printed one JSON object per line on stdout and everything a
person reads (method, progress, table) goes to stderr, so a script can read stdout alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from garant.cli.run import bench_app


def _echo(as_json: bool) -> Callable[[str], None]:
    return (lambda line: typer.echo(line, err=True)) if as_json else typer.echo


@bench_app.command("api")
def bench_api(
    database: str = typer.Option(
        "both", "--database", help="sqlite, postgres or both (PostgreSQL skipped without a URL)."
    ),
    duration: float = typer.Option(10.0, "--duration", min=1, help="Seconds of load per route."),
    warmup: float = typer.Option(
        2.0, "--warmup", min=0, help="Seconds of load first, not counted."
    ),
    connections: int = typer.Option(32, "--connections", min=1, help="Open connections."),
    orders: int = typer.Option(24, "--orders", min=2, help="Orders of the benchmark's buyer."),
    pg_url: str | None = typer.Option(
        None, "--pg-url", help="PostgreSQL server URL; default GARANT_BENCH_DATABASE_URL or "
        "GARANT_TEST_DATABASE_URL. A scratch database is created on it and dropped afterwards."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per figure on stdout."),
) -> None:
    """GET one order, the order list and public tracking under uvicorn, each beside a bare
    Starlette app serving the same JSON (wrk, 32 connections): req/s, p50, p99."""
    from garant.tools.bench_api import run_api_bench
    from garant.tools.bench_json import emit

    if database not in ("sqlite", "postgres", "both"):
        raise typer.BadParameter("use sqlite, postgres or both", param_hint="--database")
    report = run_api_bench(database=database, duration=duration, warmup=warmup,
                           connections=connections, orders=orders, pg_url=pg_url,
                           echo=_echo(as_json))
    if as_json:
        for result in report.results:
            emit(result.figure(), sys.stdout)
    if not report.all_checked:
        raise typer.Exit(1)


@bench_app.command("scale")
def bench_scale(
    orders: int = typer.Option(..., "--orders", min=1, help="N: orders to load (by COPY)."),
    reference: int = typer.Option(
        10_000, "--reference", min=11, help="The size N is compared with."
    ),
    samples: int = typer.Option(500, "--samples", min=1, help="Calls per measure and size."),
    max_seconds: float = typer.Option(
        60.0, "--max-seconds", min=1, help="Stop a measure after this long (50 calls at least)."
    ),
    explain: bool = typer.Option(
        False, "--explain", help="EXPLAIN (ANALYZE, BUFFERS) of the slowest statements at N."
    ),
    pg_url: str | None = typer.Option(
        None, "--pg-url", help="PostgreSQL server URL; default GARANT_BENCH_DATABASE_URL or "
        "GARANT_TEST_DATABASE_URL. A scratch database is created on it and dropped afterwards."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON line per figure on stdout."),
) -> None:
    """Order read and list p99 at N orders beside 10,000, in one run (PostgreSQL)."""
    from garant.cli._base import fail
    from garant.tools.bench_json import emit
    from garant.tools.bench_scale import run_scale_bench
    from garant.tools.scratch_db import postgres_server_url

    server = postgres_server_url(pg_url)
    if server is None:
        fail("garant bench scale needs PostgreSQL: --pg-url, GARANT_BENCH_DATABASE_URL or "
             "GARANT_TEST_DATABASE_URL")
    if not 10 < reference <= orders:
        fail(f"--orders must be at least --reference ({reference:,})")
    report = run_scale_bench(n=orders, server_url=server, reference=reference, samples=samples,
                             max_seconds=max_seconds, with_explain=explain, echo=_echo(as_json))
    if as_json:
        for figure in report.figures():
            emit(figure, sys.stdout)
    if not report.checked:
        raise typer.Exit(1)
