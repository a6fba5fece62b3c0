"""Short forms of `garant bench api`, `garant bench scale` and the `--json` lines of the
benchmarks: they finish, check their own answers, and print one JSON object per figure with
exactly the eight keys."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from typer.testing import CliRunner

from garant.cli import app as cli
from garant.tools import load as load_tool
from garant.tools.bench_api import run_api_bench
from garant.tools.bench_scale import MEASURES

KEYS = {"measure", "database", "workers", "garant_per_s", "baseline_per_s", "ratio", "p99_ms",
        "checked"}


def _pg_server() -> str:
    url = os.environ.get("GARANT_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests: set GARANT_TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests skipped: set GARANT_TEST_DATABASE_URL")
    return url


def _json_lines(stdout: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert all(set(line) == KEYS for line in lines), lines
    return lines


def test_bench_api_sqlite_checks_every_route_and_stops_its_servers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = CliRunner().invoke(cli, ["bench", "api", "--database", "sqlite", "--duration", "1",
                                      "--warmup", "0", "--connections", "4", "--orders", "6",
                                      "--json"])
    assert result.exit_code == 0, result.output
    figures = _json_lines(result.stdout)
    assert [f["measure"] for f in figures] == [
        "GET /api/v1/orders/{id}", "GET /api/v1/orders?limit=20", "GET /api/v1/tracking/{number}"
    ]
    for f in figures:
        assert f["database"] == "SQLite" and f["workers"] == 1 and f["checked"] is True
        assert f["garant_per_s"] > 0 and f["baseline_per_s"] > 0  # type: ignore[operator]
        assert f["ratio"] == round(f["garant_per_s"] / f["baseline_per_s"], 4)  # type: ignore[operator]
    assert "route" in result.stderr and "Load: " in result.stderr  # the table and method
    # Every uvicorn this process started has exited: none is left a child of ours.
    assert not [c for c in _children(os.getpid()) if "uvicorn" in c]


def test_bench_api_python_load_when_wrk_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_tool, "wrk_path", lambda: None)
    lines: list[str] = []
    report = run_api_bench(database="sqlite", duration=1, warmup=0, connections=4, orders=3,
                           echo=lines.append)
    assert report.all_checked and len(report.results) == 3
    assert any("wrk is not installed" in line for line in lines)


def _children(pid: int) -> list[str]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    out.append(f.read().replace(b"\0", b" ").decode())
        except (OSError, ValueError, IndexError):
            continue
    return out


@pytest.mark.postgres
def test_bench_scale_tiny_postgres_json_lines_and_explain() -> None:
    server = _pg_server()
    result = CliRunner().invoke(cli, ["bench", "scale", "--orders", "300", "--reference", "100",
                                      "--samples", "4", "--pg-url", server, "--explain",
                                      "--json"])
    assert result.exit_code == 0, result.output
    figures = _json_lines(result.stdout)
    assert [f["measure"] for f in figures] == [
        name for m in MEASURES
        for name in (f"scale: {m} at 100 orders", f"scale: {m} at 300 orders (baseline: 100)")
    ]
    assert all(f["checked"] is True and f["database"] == "PostgreSQL" for f in figures)
    assert "loaded up to 300 orders" in result.stderr
    assert result.stderr.count("Execution Time") == 5  # the five slowest statements' plans


def test_bench_deadlines_json_one_line_per_database_and_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run itself is tested by test_bench_smoke; here its report becomes JSON lines."""
    import garant.tools.bench_deadlines as bench

    def fake_run(**kwargs: Any) -> bench.BenchReport:
        kwargs["echo"]("method and table")
        report = bench.BenchReport(n=10, batch=5)
        for mode, rate in ((bench.CLAIM, 100.0), (bench.SWEEP, 25.0)):
            for w in bench.WORKER_COUNTS:
                ok = not (mode == bench.SWEEP and w == 2)  # one failed check, shown
                report.results.append(bench.RunResult("SQLite", mode, w, 10, 10, 10 / (rate * w),
                                                      [10], ok=ok))
        return report

    monkeypatch.setattr(bench, "run_deadline_bench", fake_run)
    result = CliRunner().invoke(cli, ["bench", "deadlines", "--sqlite-only", "--json"])
    assert result.exit_code == 1  # a check failed
    assert result.stderr == "method and table\n"
    assert _json_lines(result.stdout) == [
        {"measure": "deadline sweep", "database": "SQLite", "workers": 1, "garant_per_s": 25.0,
         "baseline_per_s": 100.0, "ratio": 0.25, "p99_ms": None, "checked": True},
        {"measure": "deadline sweep", "database": "SQLite", "workers": 2, "garant_per_s": 50.0,
         "baseline_per_s": 200.0, "ratio": 0.25, "p99_ms": None, "checked": False},
    ]
