"""Long-running commands: `garant serve`, `garant worker`, `garant demo`, `garant bench …`."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from garant.cli._base import app, open_garant, require_current_schema, sub_app

bench_app = sub_app("Benchmarks, printed with their method.")
app.add_typer(bench_app, name="bench")


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, "--host", help="Default: GARANT_HOST (127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", help="Default: GARANT_PORT (8000)."),
) -> None:
    """Serve the API (/api/v1, docs at /api/docs). Deadlines need `garant worker` beside it."""
    import uvicorn

    from garant.asgi import create_app

    with open_garant() as garant:
        # Migrating is a deliberate step (`garant db upgrade`), never a side effect of a start:
        # several servers starting at once must not race to alter the schema.
        require_current_schema(garant)
        host = host or garant.settings.host
        port = port or garant.settings.port
        typer.echo(f"Garant API on http://{host}:{port}/api/docs")
        uvicorn.run(create_app(garant), host=host, port=port, log_level="info")


@app.command("worker")
def worker(
    once: bool = typer.Option(False, "--once", help="Do everything due now, then exit."),
    name: str | None = typer.Option(None, "--name", help="Default: hostname-pid (unique)."),
) -> None:
    """Fire due deadlines and relay the outbox; stops cleanly on SIGTERM or Ctrl-C."""
    from garant.worker import default_worker_name, run_worker

    _log_to_stderr()
    with open_garant() as garant:
        require_current_schema(garant)
        totals = run_worker(garant, worker_name=name or default_worker_name(), once=once)
    if once:
        typer.echo(totals.summary())


@app.command("demo")
def demo(
    port: int | None = typer.Option(None, "--port", help="Default: GARANT_PORT (8000)."),
    data_only: bool = typer.Option(
        False, "--data-only", help="Build var/demo.db and exit, without serving."
    ),
) -> None:
    """A fresh sandbox on var/demo.db: demo accounts and an order in every status and every
    cancellation path, then the API and the worker until Ctrl-C."""
    from garant.tools.demo import run_demo

    run_demo(port=port, serve=not data_only, echo=typer.echo)


@bench_app.command("deadlines")
def bench_deadlines(
    n: int = typer.Option(100_000, "--n", min=1, help="Orders with a due deadline."),
    batch: int = typer.Option(200, "--batch", min=1, help="Rows claimed per round."),
    pg_url: str | None = typer.Option(
        None,
        "--pg-url",
        help="PostgreSQL server URL; default GARANT_BENCH_PG_URL or GARANT_TEST_DATABASE_URL. "
        "A scratch database is created on it and dropped afterwards.",
    ),
    sqlite_only: bool = typer.Option(False, "--sqlite-only", help="Skip PostgreSQL."),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON line per figure on stdout; the method goes to stderr."
    ),
) -> None:
    """Deadline sweep throughput (1 and 2 worker processes) beside the raw claim rate."""
    import sys

    from garant.tools.bench_deadlines import figures, run_deadline_bench
    from garant.tools.bench_json import emit

    report = run_deadline_bench(
        n=n, batch=batch, pg_url=pg_url, sqlite_only=sqlite_only,
        echo=(lambda line: typer.echo(line, err=True)) if as_json else typer.echo,
    )
    if as_json:
        for figure in figures(report):
            emit(figure, sys.stdout)
    if not report.all_checks_passed:
        raise typer.Exit(1)


@bench_app.command("tracking")
def bench_tracking(
    events: int = typer.Option(50_000, "--events", min=1, help="Events to ingest."),
    samples_dir: Path | None = typer.Option(
        None, "--samples-dir", help="Default: ../shared/carrier-samples."
    ),
    pg_url: str | None = typer.Option(
        None, "--pg-url", help="Default GARANT_BENCH_PG_URL or GARANT_TEST_DATABASE_URL."
    ),
    sqlite_only: bool = typer.Option(False, "--sqlite-only", help="Skip PostgreSQL."),
    parse_seconds: float = typer.Option(
        0.5, "--parse-seconds", min=0.001, help="Minimum time per round and file."
    ),
    as_json: bool = typer.Option(
        False,
        "--json",
        help="One JSON object per figure (parse and ingest) on stdout; the report on stderr.",
    ),
) -> None:
    """Carrier parse throughput (beside karrio when GARANT_KARRIO_PYTHON is set) and ingest
    events/s, order moves included, beside a raw COPY / executemany."""
    import sys

    from garant.tools.bench_json import Figure, emit
    from garant.tools.bench_tracking import BenchCheckFailed, default_pg_url, run_tracking_bench

    def figure(f: Figure) -> None:
        emit(f, sys.stdout)

    try:
        run_tracking_bench(samples_dir=samples_dir, events=events,
                           out=lambda line: typer.echo(line, err=as_json),
                           pg_url=None if sqlite_only else (pg_url or default_pg_url()),
                           parse_seconds=parse_seconds, figures=figure if as_json else None)
    except BenchCheckFailed:
        raise typer.Exit(1) from None


@bench_app.command("protection")
def bench_protection(
    steps: int = typer.Option(2000, "--steps", min=1, help="Rule steps in total (about)."),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="An EMPTY database to run on, refused if it holds users or orders. PostgreSQL: "
        "migrated, emptied before each example and at the end. A SQLite file: migrated, each "
        "example runs on a copy. Default: a temporary SQLite file, deleted afterwards.",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Default: drawn at random, printed."),
) -> None:
    """Random buyer-protection histories (hypothesis state machine) on a real database: the
    ledger invariants (PRT-6) and the windows (PRT-4, DSP-4..6) after every step."""
    try:
        from garant.tools.protection_check import (
            NotEmpty,
            Report,
            method_lines,
            result_lines,
            run_protection_check,
        )
    except ModuleNotFoundError as exc:
        if exc.name != "hypothesis":
            raise
        typer.echo(
            "error: `garant bench protection` needs hypothesis, a development dependency: "
            "pip install -e '.[dev]' (or pip install hypothesis)",
            err=True,
        )
        raise typer.Exit(2) from None

    def start(report: Report) -> None:
        for line in method_lines(report):
            typer.echo(line)

    try:
        report = run_protection_check(database_url, steps, seed, on_start=start)
    except NotEmpty as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for line in result_lines(report):
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)
