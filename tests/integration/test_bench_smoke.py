"""`garant bench deadlines` at N=200: it finishes, prints its method and table, and every
order got exactly one effect (the checks the benchmark itself runs afterwards)."""

from __future__ import annotations

import os

import pytest

from garant.tools.bench_deadlines import (
    CLAIM,
    SWEEP,
    WORKER_COUNTS,
    BenchReport,
    run_deadline_bench,
)

N = 200
BATCH = 50  # several claims per run, so two workers really share the rows


def _assert_one_effect_per_order(report: BenchReport, database: str) -> None:
    for mode in (CLAIM, SWEEP):
        for workers in WORKER_COUNTS:
            r = report.result(database, mode, workers)
            assert r.ok, r.check
            assert r.done == N and sum(r.per_worker) == N and r.errors == 0
            assert len(r.per_worker) == workers
            assert r.rate > 0


def test_bench_deadlines_sqlite_smoke() -> None:
    lines: list[str] = []
    report = run_deadline_bench(n=N, batch=BATCH, sqlite_only=True, echo=lines.append)
    out = "\n".join(lines)

    _assert_one_effect_per_order(report, "SQLite")
    assert report.all_checks_passed
    assert out.index("N = 200 paid orders") < out.index("transitions/s")  # method first
    assert "PostgreSQL: skipped (--sqlite-only)" in out
    assert "OK   SQLite sweep x2: 200/200 orders cancelled; 200 by exactly one" in out
    assert "ledger balanced and nothing held for 200/200" in out


@pytest.mark.postgres
def test_bench_deadlines_postgres_smoke() -> None:
    url = os.environ.get("GARANT_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests: set GARANT_TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests skipped: set GARANT_TEST_DATABASE_URL")
    lines: list[str] = []
    report = run_deadline_bench(n=N, batch=BATCH, pg_url=url, echo=lines.append, with_sqlite=False)

    assert not report.skipped, report.skipped
    _assert_one_effect_per_order(report, "PostgreSQL")
    assert any(line.startswith("  Database: PostgreSQL") for line in lines)
