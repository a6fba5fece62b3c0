"""`garant bench tracking`: how fast carrier payloads become normalised events (beside karrio's
parsers on the same files, when karrio is installed in a virtualenv of its own), and how many
events per second ``services.tracking.ingest`` stores (beside a raw bulk insert of the same rows).

The method is printed before the figures; every figure is measured in the run that prints it.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from garant.app import Garant
from garant.carriers.sandbox import Scenario, applies, journey, sandbox_number
from garant.clock import FixedClock
from garant.domain.shipment import handover_numbers
from garant.domain.tracking import TrackingEvent
from garant.services import tracking as tracking_service
from garant.services.tracking import ingest
from garant.settings import Settings
from garant.store import schema as t
from garant.store import tracking as store
from garant.store.db import make_engine
from garant.tools.bench_json import Figure
from garant.tools.bench_orders import shipped_orders
from garant.tools.bench_parse import DEFAULT_SAMPLES, KARRIO_ENV, parse_part
from garant.tools.scratch_db import scratch_postgres, scratch_sqlite

Out = Callable[[str], None]
class BenchCheckFailed(RuntimeError):
    """Raised after the report when a check failed (an event not stored exactly once)."""


def default_pg_url() -> str | None:
    return os.environ.get("GARANT_BENCH_PG_URL") or os.environ.get("GARANT_TEST_DATABASE_URL")


# ------------------------------------------------------------------ part 2: ingest


def make_events(n: int) -> list[TrackingEvent]:
    """N events from the sandbox carrier's journeys (TRK): parcels 7 minutes apart, each on a
    scenario and shipping method in turn, the same every run; the last journey is cut at N."""
    start, events = datetime(2026, 1, 5, 1, 30, tzinfo=UTC), list[TrackingEvent]()
    scenarios, parcel = list(Scenario), 0
    while len(events) < n:
        scenario = scenarios[parcel % len(scenarios)]
        method = BENCH_METHODS[parcel % len(BENCH_METHODS)]
        if not applies(scenario, method):
            method = "aliexpress_standard"
        number = sandbox_number(scenario, serial=parcel + 1)
        events += journey(number, method=method, scenario=scenario,
                          shipped_at=start + timedelta(minutes=7 * parcel), seed=parcel)
        parcel += 1
    return events[:n]


BENCH_METHODS = ("aliexpress_standard", "aliexpress_choice", "china_post_air_mail", "ems", "dhl",
                 "eu_warehouse")


def _rows(events: list[TrackingEvent]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The shipments (inserted untimed before a raw run) and the event rows ingest writes."""
    now, ids = datetime.now(UTC), dict[str, int]()
    for e in events:
        ids.setdefault(store.normalise(e.tracking_number), len(ids) + 1)
    shipments = [
        dict(id=i, carrier="cainiao", tracking_number=number, status="pending", sub_status="none",
             buyer_status="shipped", created_at=now, updated_at=now, version=1, notified=[])
        for number, i in ids.items()
    ]  # fmt: skip
    shipment_of = [ids[store.normalise(e.tracking_number)] for e in events]
    return shipments, [
        store.event_row(s, e, "import", now) for s, e in zip(shipment_of, events, strict=True)
    ]


def _raw_insert(url: str, rows: list[dict[str, Any]]) -> float:
    """Seconds to write prepared rows in one transaction: COPY (PostgreSQL), executemany
    (SQLite, instants as the naive UTC text SQLAlchemy stores there)."""
    cols = list(rows[0])
    if not url.startswith("sqlite"):
        tuples = [tuple(r[c] for c in cols) for r in rows]
        with psycopg.connect(url) as pg:
            start = time.perf_counter()
            with (
                pg.cursor() as cur,
                cur.copy(f"COPY tracking_events ({', '.join(cols)}) FROM STDIN") as copy,
            ):
                for row in tuples:
                    copy.write_row(row)
            pg.commit()
            return time.perf_counter() - start
    utc = "%Y-%m-%d %H:%M:%S.%f"
    tuples = [
        tuple(v.astimezone(UTC).strftime(utc) if isinstance(v, datetime) else v
              for v in (r[c] for c in cols))
        for r in rows
    ]  # fmt: skip
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    marks = ", ".join("?" * len(cols))
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO tracking_events ({', '.join(cols)}) VALUES ({marks})", tuples)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def _stored(url: str) -> tuple[int, int]:
    """(rows in tracking_events, distinct (shipment, dedupe key) among them)."""
    engine, te = make_engine(url), t.tracking_events
    try:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(te)).scalar_one()
            keys = select(te.c.shipment_id, te.c.dedupe_key).distinct().subquery()
            distinct = conn.execute(select(func.count()).select_from(keys)).scalar_one()
    finally:
        engine.dispose()
    return int(total), int(distinct)


@contextmanager
def _fresh_db(server: str | None, label: str) -> Iterator[str]:
    """A migrated empty database, removed afterwards: a temp SQLite file, or a PostgreSQL
    database created on ``server``."""
    if server is None:
        with scratch_sqlite() as url:
            yield url
    else:
        with scratch_postgres(server, f"garant_bench_tracking_{label}") as url:
            # A plain postgresql:// URL: the raw COPY baseline connects with psycopg itself.
            yield make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


ORDERLESS_EVERY = 10  # every 10th parcel carries no order: ingest creates its shipment


def _parcels_with_orders(events: list[TrackingEvent]) -> list[str]:
    """The parcels (origin numbers, first seen first) that get a shipped order: all but every
    ``ORDERLESS_EVERY``-th. A local number announced by a handover is the same parcel."""
    local = {number for _, number in handover_numbers(events)}
    parcels = [n for n in dict.fromkeys(store.normalise(e.tracking_number) for e in events)
               if n not in local]  # fmt: skip
    return [n for i, n in enumerate(parcels) if i % ORDERLESS_EVERY != ORDERLESS_EVERY - 1]


@contextmanager
def _timed_order_moves() -> Iterator[list[float]]:
    """Seconds spent in ``services.tracking.move_orders`` (the moved orders loaded and saved
    as one batch), to show how much of the ingest figure the order side takes."""
    spent: list[float] = []
    real = getattr(tracking_service, "move_orders", None)
    if real is None:  # an ingest without that seam: no breakdown
        yield spent
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    tracking_service.move_orders = timed
    try:
        yield spent
    finally:
        tracking_service.move_orders = real


def _notices(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(t.outbox)
            return int(conn.execute(query.where(t.outbox.c.topic.like("notify.%"))).scalar_one())
    finally:
        engine.dispose()


def _ingest_part(
    kind: str, server: str | None, events: list[TrackingEvent], out: Out
) -> tuple[str, list[str], list[Figure]]:
    n, raw_name = len(events), "COPY" if server else "executemany"
    first = min(e.occurred_at for e in events)
    clock = FixedClock(first - timedelta(days=1))  # the orders ship the day before
    with _fresh_db(server, "ingest") as url:
        app = Garant(Settings(database_url=url), make_engine(url), clock)
        orders = shipped_orders(app, _parcels_with_orders(events))  # untimed
        before = _notices(url)  # the "shipped" notices of the orders' setup
        clock.current = max(e.occurred_at for e in events) + timedelta(days=1)
        with _timed_order_moves() as moves:
            start = time.perf_counter()
            report = ingest(app, events, source="import")
            ours = time.perf_counter() - start
        version = ".".join(map(str, app.engine.dialect.server_version_info or ()))
        app.engine.dispose()
        total, distinct = _stored(url)
        notices = _notices(url) - before
    out(f"{kind} {version}: ingest of {n:,} events ({len(orders):,} orders) in {ours:.2f} s")
    shipments, rows = _rows(events)
    with _fresh_db(server, "raw") as url:
        engine = make_engine(url)
        with engine.begin() as conn:  # not timed: the parcels the rows belong to
            conn.execute(insert(t.shipments), shipments)
        engine.dispose()
        raw = _raw_insert(url, rows)
        raw_total, raw_distinct = _stored(url)
    out(f"{kind} {version}: raw {raw_name} of {n:,} rows in {raw:.2f} s")
    ok = total == distinct == report.added == n and report.duplicates == 0
    ok_raw = raw_total == raw_distinct == n
    # An order may move twice: its parcel's local number may fall in the next batch.
    ok_orders = report.orders_moved >= len(orders) // 2 and notices == report.notifications
    line = (f"{kind:<11} {n / ours:>14,.0f} {raw_name:>12} {n / raw:>12,.0f} "
            f"{ours / raw:>10.1f}x {ours:>9.2f} {raw:>7.2f} {raw / ours:>8.1%}")  # fmt: skip
    tracking_side = ours - sum(moves)
    split = (f"{sum(moves):.2f} s of {ours:.2f} s in order moves (move_orders: one batch load "
             f"and save); the rest: {n / tracking_side:,.0f} events/s, "
             f"{raw / tracking_side:.1%} of raw") if moves else "no breakdown"  # fmt: skip
    checked = ok and ok_raw and ok_orders
    figures = [Figure(measure="tracking_ingest", database=kind.lower(), workers=1,
                      garant_per_s=round(n / ours, 1), baseline_per_s=round(n / raw, 1),
                      checked=checked)]  # fmt: skip
    if moves:
        figures.append(Figure(measure="tracking_ingest_without_order_moves",
                              database=kind.lower(), workers=1,
                              garant_per_s=round(n / tracking_side, 1),
                              baseline_per_s=round(n / raw, 1), checked=checked))  # fmt: skip
    checks = [
        f"  {'OK  ' if ok else 'FAIL'} {kind} ingest: {total:,}/{n:,} events stored, {distinct:,}"
        f" distinct (shipment, key); ingest reported {report.added:,} added, "
        f"{report.duplicates:,} duplicates, {report.new_shipments:,} new shipments",
        f"  {'OK  ' if ok_orders else 'FAIL'} {kind} orders: {report.orders_moved:,} of "
        f"{len(orders):,} shipped orders moved, {notices:,} buyer notices in the outbox "
        f"({report.notifications:,} reported); {split}",
        f"  {'OK  ' if ok_raw else 'FAIL'} {kind} raw {raw_name}: {raw_total:,}/{n:,} rows "
        f"stored, {raw_distinct:,} distinct (shipment, key)",
    ]
    return line, checks, figures


# ------------------------------------------------------------------ the report


def _method(samples: Path, n: int, min_time: float, repeats: int, pg: str | None) -> list[str]:
    db = f"PostgreSQL at {make_url(pg).render_as_string(hide_password=True)}" if pg else "none"
    return [
        "Tracking benchmark (garant bench tracking)",
        f"  Part 1, parse + normalise: each file of {samples} whose folder has an adapter, read "
        "once, then parsed by get_adapter(slug).parse (decode JSON/XML, build normalised "
        f"TrackingEvents) again and again for at least {min_time:g} s; payloads/s = parses / "
        f"CPU seconds of the process (time.process_time), median of {repeats} rounds after one "
        "untimed parse; "
        "events/s = payloads/s x events per parse. Error answers are timed too.",
        f"  Beside it, karrio, when {KARRIO_ENV} names the python of a virtualenv with karrio "
        "and its connectors: that python, kept running, times the connector's "
        "parse_tracking_response on the same file's text (wrapped as karrio's proxy wraps an "
        "HTTP answer) right before ours, with the same function (its source is sent along); "
        "karrio logs at WARNING, and its network is blocked.",
        f"  Part 2, ingest: N = {n:,} events of the sandbox carrier's journeys (every "
        "scenario and shipping method in turn: deliveries, customs holds, failed attempts, "
        "returns, losses, handovers to La Poste; real offsets), parcels 7 minutes apart, the "
        f"same every run. All parcels but every {ORDERLESS_EVERY}th belong to a shipped order "
        "(one made through the services, the others bulk copies of its rows; untimed), so the "
        "figure includes the order moves and the buyers' notices. Timed: one "
        "services.tracking.ingest(app, events, source='import'): batches of parcels, one "
        "transaction each (look up and lock the shipments, create the unknown ones, insert the "
        "events, summarise, move the orders, write the notices, update the summaries).",
        "  Beside it, the same rows (store.event_row; built, and their shipments inserted, "
        "untimed) written raw in one transaction: PostgreSQL COPY tracking_events FROM STDIN "
        "(psycopg cursor.copy); SQLite executemany INSERT, the app's pragmas (WAL, "
        "synchronous=NORMAL). Every run gets a fresh database migrated by Alembic (untimed): a "
        "temp SQLite file, or a scratch PostgreSQL database created and dropped by the bench.",
        "  Checked afterwards: tracking_events holds N rows, N distinct (shipment, key); some "
        "orders moved, and the outbox holds the notices ingest reported.",
        f"  Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; {db}",
    ]


def run_tracking_bench(
    *,
    samples_dir: Path | None,
    events: int,
    pg_url: str | None,
    out: Out = print,
    parse_seconds: float = 0.5,
    repeats: int = 3,
    figures: Callable[[Figure], None] | None = None,
) -> None:
    """Print the method, then both parts. ``pg_url`` None skips PostgreSQL (callers pass
    ``default_pg_url()`` for the environment's server). ``figures`` receives each figure, of
    parsing and of ingest (``garant bench tracking --json``). Raises ``BenchCheckFailed``,
    after the report, when an event was not stored exactly once."""
    if events < 1:
        raise ValueError("events must be at least 1")
    samples = samples_dir or DEFAULT_SAMPLES
    for line in [*_method(samples, events, parse_seconds, repeats, pg_url), ""]:
        out(line)
    parse_table = parse_part(samples, parse_seconds, repeats, out, figures)
    generated, ingest_rows, checks = make_events(events), [], []
    for kind, server in (("SQLite", None), ("PostgreSQL", pg_url)):
        if kind == "PostgreSQL" and server is None:
            checks.append("  PostgreSQL: skipped, no server given (--pg-url, GARANT_BENCH_PG_URL "
                          "or GARANT_TEST_DATABASE_URL)")  # fmt: skip
            continue
        try:
            line, done, measured = _ingest_part(kind, server, generated, out)
        except Exception as exc:  # say it, keep the other figures, fail at the end
            done, line = [f"  FAIL {kind}: could not run: {exc!r}"[:300]], f"{kind:<11} failed"
            measured = [Figure(measure="tracking_ingest", database=kind.lower(), checked=False)]
        for figure in measured:
            if figures is not None:
                figures(figure)
        ingest_rows.append(line)
        checks += done
    header = (f"{'database':<11} {'ingest rows/s':>14} {'raw':>12} {'raw rows/s':>12} "
              f"{'raw/ingest':>11} {'ingest s':>9} {'raw s':>7} {'of raw':>8}")  # fmt: skip
    report = ["", *parse_table, "", header, "-" * len(header), *ingest_rows, "", "Checks:"]
    for line in [*report, *checks]:
        out(line)
    if any("FAIL" in c for c in checks):
        raise BenchCheckFailed("a check failed: see the checks above")
