"""`garant bench tracking` at 200 events: it finishes, prints its method before its tables, times
every sample file of a covered carrier, and every generated event is stored exactly once (the
checks the benchmark runs itself)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from garant.tools.bench_tracking import KARRIO_ENV, run_tracking_bench

N = 200
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "carrier-samples"


def _run(samples: Path, pg_url: str | None) -> str:
    lines: list[str] = []
    run_tracking_bench(
        samples_dir=samples,
        events=N,
        pg_url=pg_url,
        out=lines.append,
        parse_seconds=0.01,
        repeats=1,
    )
    return "\n".join(lines)


def _row(out: str, *cells: str) -> re.Match[str] | None:
    return re.search(r"^" + r"\s+".join(cells), out, re.MULTILINE)


@pytest.mark.ci_only
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/carrier-samples is absent")
def test_bench_tracking_parse_and_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KARRIO_ENV, raising=False)
    out = _run(SAMPLES, None)

    method = out.index("N = 200 events")  # the method comes before both tables
    assert method < out.index("\ncarrier ") < out.index("\ndatabase ")
    assert "karrio: not installed (set GARANT_KARRIO_PYTHON" in out
    assert "Parse: asendia: no Garant adapter, not measured" in out
    assert "Parse: spring: no Garant adapter, not measured" in out
    assert _row(out, "laposte", r"TrackingResponse\.json", "9 events", "[0-9,]+", "[0-9,]+$")
    assert _row(out, "ups", r"TrackingNumberNotFoundResponseJSON\.json", "TrackingNotFound")
    assert _row(out, "usps_international", r"TrackingResponse\.json", "12 events")
    assert _row(out, "SQLite", "[0-9,]+", "executemany", "[0-9,]+", r"[0-9.]+x")
    assert "OK   SQLite ingest: 200/200 events stored, 200 distinct (shipment, key)" in out
    assert re.search(r"ingest reported 200 added, 0 duplicates, \d+ new shipments", out)
    assert "OK   SQLite raw executemany: 200/200 rows stored, 200 distinct" in out
    assert "PostgreSQL: skipped, no server given" in out
    assert "FAIL" not in out


def test_bench_tracking_without_samples_still_ingests(tmp_path: Path) -> None:
    out = _run(tmp_path / "absent", None)

    assert f"Parse: skipped, carrier samples absent ({tmp_path / 'absent'})" in out
    assert "OK   SQLite ingest: 200/200 events stored" in out


@pytest.mark.ci_only
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/carrier-samples is absent")
@pytest.mark.skipif(not os.environ.get(KARRIO_ENV), reason=f"karrio: {KARRIO_ENV} not set")
def test_bench_tracking_beside_karrio() -> None:
    out = _run(SAMPLES, None)

    assert re.search(r"^karrio: \d{4}\.", out, re.MULTILINE), out
    # Both read 9 La Poste events from the same file, side by side on one row.
    row = _row(out, "laposte", r"TrackingResponse\.json", "9 events", r".*\| 9 events.*x$")
    assert row, out
    assert "karrio failed" not in out


@pytest.mark.postgres
def test_bench_tracking_postgres(tmp_path: Path) -> None:
    url = os.environ.get("GARANT_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the PostgreSQL tests: set GARANT_TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests skipped: set GARANT_TEST_DATABASE_URL")
    out = _run(tmp_path / "absent", url)

    assert _row(out, "PostgreSQL", "[0-9,]+", "COPY", "[0-9,]+", r"[0-9.]+x")
    assert "OK   PostgreSQL ingest: 200/200 events stored, 200 distinct (shipment, key)" in out
    assert "OK   PostgreSQL raw COPY: 200/200 rows stored, 200 distinct" in out
    assert "FAIL" not in out
