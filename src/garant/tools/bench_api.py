"""`garant bench api`: the real Garant API under uvicorn beside a bare Starlette app serving
the very same JSON bytes, loaded alike (method printed with the results).

- Data (not timed): one buyer's orders built through the services (``tools.bench_seed``):
  timelines, ledger, a parcel with a carrier journey; on a scratch SQLite file or PostgreSQL
  database.
- Servers: ``python -m uvicorn --factory`` with the same options for both (one worker,
  127.0.0.1, a free port). Garant runs with carrier polling off and the public tracking limit
  raised out of the way (one client makes every request here); nothing else runs beside it.
- Baseline: the three routes' responses are first captured from Garant, then served as bytes
  by a Starlette app with no database, no auth and no middleware: the cost of HTTP and the
  framework alone.
- Checks: Garant runs on a clock stopped at the seeding time, so its answers do not move:
  every response must be a 200 with exactly the captured bytes, and the JSON is compared with
  the capture after each load. Should a value still follow the real clock (found by capturing
  twice a second apart), it is masked in the JSON comparison and the bytes are checked by size.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from garant.tools import load as load_tool
from garant.tools.bench_json import Figure
from garant.tools.scratch_db import (
    POSTGRES,
    SQLITE,
    describe,
    postgres_server_url,
    safe,
    scratch_postgres,
    scratch_sqlite,
    unreachable,
)
from garant.tools.servers import Server, servers, uvicorn_options

Echo = Callable[[str], None]
BASELINE_ENV = "GARANT_BENCH_BASELINE"
NOW_ENV = "GARANT_BENCH_NOW"


@dataclass(frozen=True)
class Route:
    key: str
    measure: str
    path: str
    auth: bool


@dataclass
class RouteResult:
    database: str
    route: Route
    garant: load_tool.Load
    baseline: load_tool.Load
    checked: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.garant.rate / self.baseline.rate if self.baseline.rate else 0.0

    def figure(self) -> Figure:
        return Figure(
            measure=self.route.measure,
            database=self.database,
            workers=1,
            garant_per_s=round(self.garant.rate, 1),
            baseline_per_s=round(self.baseline.rate, 1),
            p99_ms=round(self.garant.p99_ms, 2),
            checked=self.checked,
        )


@dataclass
class ApiReport:
    results: list[RouteResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def all_checked(self) -> bool:
        return bool(self.results) and all(r.checked for r in self.results)


# ------------------------------------------------------------------ the two applications


def garant_app() -> Any:
    """uvicorn factory: the real application, configured from GARANT_* like `garant serve`,
    on a clock stopped at GARANT_BENCH_NOW: every answer is then the same bytes, so each one
    can be checked exactly (reading a stopped clock costs what reading the system's does)."""
    from datetime import datetime

    from garant.app import Garant
    from garant.asgi import create_app
    from garant.clock import FixedClock

    garant = Garant.from_settings()
    garant.clock = FixedClock(datetime.fromisoformat(os.environ[NOW_ENV]))
    return create_app(garant)


def baseline_app() -> Any:
    """uvicorn factory: the same routes answering the captured bytes, nothing else."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route as StarletteRoute

    captured = json.loads(Path(os.environ[BASELINE_ENV]).read_text())
    bodies = {k: (base64.b64decode(v["body"]), v["headers"]) for k, v in captured.items()}

    def answer(key: str) -> Callable[[Request], Any]:
        body, headers = bodies[key]

        async def endpoint(request: Request) -> Response:
            return Response(body, media_type="application/json", headers=headers)

        return endpoint

    return Starlette(routes=[
        StarletteRoute("/api/v1/orders/{order_id}", answer("order")),
        StarletteRoute("/api/v1/orders", answer("list")),
        StarletteRoute("/api/v1/tracking/{number}", answer("tracking")),
    ])


# ------------------------------------------------------------------ captures and checks


@dataclass(frozen=True)
class Capture:
    body: bytes
    headers: dict[str, str]
    moving: frozenset[tuple[Any, ...]]  # JSON paths whose values follow the clock

    @property
    def slack(self) -> int | None:
        """None: every response must be these very bytes. Else the bytes it may differ by in
        size (a value that follows the real clock after all may lose a digit)."""
        return 2 * len(self.moving) if self.moving else None


def _get(server: Server, route: Route, token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if route.auth else {}
    return httpx.get(server.base_url + route.path, headers=headers, timeout=30)


def capture(server: Server, routes: list[Route], token: str) -> dict[str, Capture]:
    """Each route twice, a second apart: what differs moves with the clock."""
    first = {r.key: _get(server, r, token) for r in routes}
    time.sleep(1.1)
    second = {r.key: _get(server, r, token) for r in routes}
    out = {}
    for r in routes:
        a, b = first[r.key], second[r.key]
        if a.status_code != 200 or b.status_code != 200:
            raise RuntimeError(f"{r.path} answered {a.status_code}/{b.status_code}: {a.text[:300]}")
        moving = frozenset(_moving(a.json(), b.json()))
        headers = {"etag": a.headers["etag"]} if "etag" in a.headers else {}
        out[r.key] = Capture(a.content, headers, moving)
    return out


def _moving(a: Any, b: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            raise RuntimeError(f"the JSON at {path} changed shape between two captures")
        for k in a:
            yield from _moving(a[k], b[k], (*path, k))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            raise RuntimeError(f"the JSON at {path} changed length between two captures")
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _moving(x, y, (*path, i))
    elif a != b:
        yield path


def _masked(value: Any, moving: frozenset[tuple[Any, ...]], path: tuple[Any, ...] = ()) -> Any:
    if path in moving:
        return None
    if isinstance(value, dict):
        return {k: _masked(v, moving, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, moving, (*path, i)) for i, v in enumerate(value)]
    return value


def same_json(server: Server, route: Route, token: str, expected: Capture) -> bool:
    r = _get(server, route, token)
    if r.status_code != 200:
        return False
    try:
        got = r.json()
    except ValueError:
        return False
    want = json.loads(expected.body)
    return _masked(got, expected.moving) == _masked(want, expected.moving)


# ------------------------------------------------------------------ the run


@contextmanager
def _database(name: str, pg_server: str | None) -> Iterator[str]:
    if name == SQLITE:
        with scratch_sqlite() as url:
            yield url
    else:
        assert pg_server is not None
        with scratch_postgres(pg_server, "garant_bench_api") as url:
            yield url


def _garant_env(url: str, now: datetime) -> dict[str, str]:
    return {
        NOW_ENV: now.isoformat(),
        "GARANT_DATABASE_URL": url,
        "GARANT_SANDBOX": "false",
        "GARANT_CARRIER_POLLING": "false",
        "GARANT_PUBLIC_TRACKING_PER_MINUTE": "1000000000",
        "GARANT_SESSION_SECRET": "bench-" + "x" * 40,
        "GARANT_EVIDENCE_DIR": tempfile.gettempdir(),
    }


def _seed(url: str, orders: int, now: datetime) -> Any:
    from garant.app import Garant
    from garant.settings import Settings
    from garant.tools.bench_seed import seed_orders

    app = Garant.from_settings(Settings(database_url=url, carrier_polling=False))
    try:
        return seed_orders(app, orders, now=now)
    finally:
        app.engine.dispose()


def _bench_database(
    name: str, url: str, report: ApiReport, *, duration: float, warmup: float,
    connections: int, orders: int, echo: Echo,
) -> None:
    started = time.monotonic()
    now = datetime.now(UTC)
    seeded = _seed(url, orders, now)
    echo(f"{name}: {describe(name, url)}; seeded {len(seeded.order_ids)} orders in "
         f"{time.monotonic() - started:.1f} s")
    routes = [
        Route("order", "GET /api/v1/orders/{id}", f"/api/v1/orders/{seeded.tracked_order_id}",
              True),
        Route("list", "GET /api/v1/orders?limit=20", "/api/v1/orders?limit=20", True),
        Route("tracking", "GET /api/v1/tracking/{number}",
              f"/api/v1/tracking/{seeded.tracking_number}", False),
    ]
    token = seeded.buyer_token
    with servers() as group, tempfile.TemporaryDirectory(prefix="garant-bench-api-") as tmp:
        garant = group.start("garant", "garant.tools.bench_api:garant_app",
                              _garant_env(url, now))
        captures = capture(garant, routes, token)
        for key, cap in captures.items():
            if cap.moving:
                echo(f"{name}: {key}: values follow the real clock despite the stopped one, "
                     f"checked by size only: {sorted(map(str, cap.moving))[:5]}")
        baseline_file = Path(tmp) / "baseline.json"
        baseline_file.write_text(json.dumps({
            k: {"body": base64.b64encode(c.body).decode(), "headers": c.headers}
            for k, c in captures.items()
        }))
        baseline = group.start("baseline", "garant.tools.bench_api:baseline_app",
                               {BASELINE_ENV: str(baseline_file)})
        for route in routes:
            cap = captures[route.key]
            loads = {}
            for server in (garant, baseline):
                url_ = server.base_url + route.path
                auth = token if route.auth else None
                expect = load_tool.Expect(cap.body, cap.slack)
                if warmup > 0:
                    load_tool.run_load(url_, seconds=warmup, connections=connections,
                                       token=auth, expect=expect)
                loads[server.name] = load_tool.run_load(
                    url_, seconds=duration, connections=connections, token=auth, expect=expect)
            json_ok = all(same_json(s, route, token, cap) for s in (garant, baseline))
            g, b = loads["garant"], loads["baseline"]
            clean = g.bad == g.errors == b.bad == b.errors == 0
            note = "" if clean else (f"garant {g.bad} bad/{g.errors} errors, baseline "
                                     f"{b.bad} bad/{b.errors} errors")
            if not json_ok:
                note = (note + "; " if note else "") + "JSON differs from the capture"
            result = RouteResult(name, route, g, b, clean and json_ok, note)
            report.results.append(result)
            echo(f"{name}: {route.measure}: garant {g.rate:,.0f} req/s, baseline "
                 f"{b.rate:,.0f} req/s ({result.ratio:.1%})")


def method_lines(
    *, duration: float, warmup: float, connections: int, orders: int, databases: list[str]
) -> list[str]:
    return [
        "API benchmark (garant bench api)",
        f"  Data: {orders} orders of one buyer built through the services (timelines, ledger, "
        "invoices, shipments; one parcel with a sandbox-carrier journey ingested), "
        f"on {' and '.join(databases) or 'no database'}; not timed.",
        "  Routes: GET one order (bearer token, the parcel's order), GET the buyer's order "
        "list (limit=20, bearer token), GET public tracking of the parcel.",
        "  Garant: the real app (garant.asgi.create_app), carrier polling off, public "
        "tracking limit raised; baseline: bare Starlette serving the bytes captured from "
        "Garant for the same paths (no database, no auth, no middleware).",
        f"  Servers: python -m uvicorn --factory {' '.join(uvicorn_options())} (the same for "
        f"both; {_uvicorn_stack()}).",
        f"  Load: {load_tool.describe(connections)}; {warmup:g} s warm-up then {duration:g} s "
        "per route and server, one after the other.",
        "  Checked: every response a 200 with exactly the captured bytes (Garant's clock is "
        "stopped at the seeding time, so its answers do not move), and the JSON compared with "
        "the capture after each load.",
        f"  Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}",
        "",
    ]


def _uvicorn_stack() -> str:
    import importlib.util

    import uvicorn

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn {uvicorn.__version__}, {loop} loop, {http} parser"


def table(report: ApiReport) -> list[str]:
    header = (f"{'route':<32} {'database':<10} {'garant/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'base/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>7}  checked")
    lines = [header, "-" * len(header)]
    for r in report.results:
        g, b = r.garant, r.baseline
        lines.append(
            f"{r.route.measure:<32} {r.database:<10} {g.rate:>9,.0f} {g.p50_ms:>7.1f} "
            f"{g.p99_ms:>7.1f} {b.rate:>8,.0f} {b.p50_ms:>7.1f} {b.p99_ms:>7.1f} "
            f"{r.ratio:>7.1%}  {'yes' if r.checked else 'NO: ' + r.note}"
        )
    return lines


def run_api_bench(
    *,
    database: str = "both",
    duration: float = 10.0,
    warmup: float = 2.0,
    connections: int = 32,
    orders: int = 24,
    pg_url: str | None = None,
    echo: Echo = print,
) -> ApiReport:
    report = ApiReport()
    names = {"sqlite": [SQLITE], "postgres": [POSTGRES], "both": [SQLITE, POSTGRES]}[database]
    pg_server = postgres_server_url(pg_url) if POSTGRES in names else None
    if POSTGRES in names and pg_server is None:
        names.remove(POSTGRES)
        report.skipped.append("PostgreSQL: skipped, no server given (--pg-url, "
                              "GARANT_BENCH_DATABASE_URL or GARANT_TEST_DATABASE_URL)")
    if pg_server is not None and (problem := unreachable(pg_server)):
        names.remove(POSTGRES)  # say why and keep the SQLite half
        report.skipped.append(f"PostgreSQL: skipped, cannot use {safe(pg_server)}: {problem}")
    for line in method_lines(duration=duration, warmup=warmup, connections=connections,
                             orders=orders, databases=names):
        echo(line)
    for line in report.skipped:
        echo(line)
    for name in names:
        with _database(name, pg_server) as url:
            _bench_database(name, url, report, duration=duration, warmup=warmup,
                            connections=connections, orders=orders, echo=echo)
    echo("")
    for line in table(report):
        echo(line)
    return report
