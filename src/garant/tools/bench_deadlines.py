"""`garant bench deadlines`: how many deadlines per second the sweep turns into cancellations,
with one and two worker processes, beside the raw claim rate of the same table.

Method (printed with the results):

- Setup, not timed: N paid orders are bulk-inserted with their ledger entries (capture + hold)
  and deadline rows, exactly as the store would hold them. Half have a ship-by already past
  (CAN-7); the other half have an open cancellation request whose 72 h ran out (CAN-4) and a
  ship-by still in the future. Each database is seeded once and copied for each run (SQLite:
  the file; PostgreSQL: ``CREATE DATABASE … TEMPLATE``), so every run starts from the same N.
- Sweep run: W worker processes each call ``services.deadlines.sweep`` until no due row is
  left. An effective transition is one deadline that changed its order (``applied``): order
  cancelled, refund planned, ledger entry, timeline, outbox, deadline marked done, in one
  transaction.
- Claim run: the same W processes, the same transactions without the domain: claim a batch
  (``store.deadlines.claim``), then per row re-check the claim and mark it done
  (``still_mine`` + ``finish``). The gap between the two rates is the cost of the domain work.
- Timing starts when every process is connected and ready, and ends when the last one has
  found nothing left (``time.monotonic``, system-wide on Linux).
- Checks afterwards: each order cancelled exactly once (one timeout transition, one refund),
  the ledger balanced for every order (paid = held + released + refunded, nothing held), no
  due deadline left; for claim runs, every row claimed exactly once.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, case, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from garant.app import Garant
from garant.clock import SystemClock
from garant.domain.orders import DeadlineKind
from garant.domain.policy import DEFAULT_POLICY
from garant.settings import Settings
from garant.store import deadlines as deadline_store
from garant.store import schema as t
from garant.store.db import make_engine
from garant.store.migrate import upgrade
from garant.store.policies import publish_policy
from garant.tools.bench_json import Figure

Echo = Callable[[str], None]
SWEEP, CLAIM = "sweep", "claim"
WORKER_COUNTS = (1, 2)
_CHUNK = 5000  # rows per bulk insert statement batch
_TIMEOUT_ACTIONS = ("expire_cancellation_request", "miss_ship_by")


@dataclass
class RunResult:
    database: str
    mode: str  # sweep or claim
    workers: int
    n: int
    done: int  # sweep: applied transitions; claim: rows claimed and marked done
    seconds: float
    per_worker: list[int]
    errors: int = 0
    check: str = ""
    ok: bool = False

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


@dataclass
class BenchReport:
    n: int
    batch: int
    results: list[RunResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def all_checks_passed(self) -> bool:
        return all(r.ok for r in self.results)

    def result(self, database: str, mode: str, workers: int) -> RunResult:
        return next(
            r for r in self.results if (r.database, r.mode, r.workers) == (database, mode, workers)
        )


# ------------------------------------------------------------------ setup (not timed)


def seed(engine: Engine, n: int, now: datetime) -> None:
    """N paid orders, each with exactly one deadline already due, inserted in bulk."""
    upgrade(engine)
    with engine.begin() as conn:
        publish_policy(conn, DEFAULT_POLICY, now)
        buyer, seller = (
            conn.execute(
                insert(t.users)
                .values(
                    name=f"bench {role}",
                    email=f"{role}@bench.garant",
                    role=role,
                    locale="fr",
                    created_at=now,
                )
                .returning(t.users.c.id)
            ).scalar_one()
            for role in ("buyer", "seller")
        )
    placed = now - timedelta(days=5)
    for start in range(1, n + 1, _CHUNK):
        ids = range(start, min(start + _CHUNK, n + 1))
        orders, ledger, requests, deadlines = [], [], [], []
        for i in ids:
            answer_due = i % 2 == 1  # odd: CAN-4 (seller silent); even: CAN-7 (ship-by)
            ship_by = now + timedelta(days=2) if answer_due else now - timedelta(hours=1)
            orders.append(_order_row(i, buyer, seller, placed, ship_by))
            for kind, memo in (("capture", "payment captured"), ("hold", "held in escrow")):
                ledger.append(_ledger_row(i, kind, memo, placed))
            deadlines.append(_deadline_row(i, DeadlineKind.SHIP_BY, ship_by))
            if answer_due:
                answer_by = now - timedelta(hours=1)
                requests.append(
                    {
                        "order_id": i,
                        "reason": "no_longer_needed",
                        "note": "",
                        "status": "open",
                        "requested_at": answer_by - timedelta(hours=72),
                        "answer_by": answer_by,
                        "answered_at": None,
                    }
                )
                deadlines.append(_deadline_row(i, DeadlineKind.SELLER_ANSWER, answer_by))
        with engine.begin() as conn:
            conn.execute(insert(t.orders), orders)
            conn.execute(insert(t.ledger_entries), ledger)
            if requests:
                conn.execute(insert(t.cancellation_requests), requests)
            conn.execute(insert(t.deadlines), deadlines)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # fresh statistics, as a long-running table has
    else:
        # Everything into the main file, so a plain copy of it is the whole database. Outside
        # any transaction: a checkpoint cannot run inside one.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def _order_row(
    i: int, buyer: int, seller: int, placed: datetime, ship_by: datetime
) -> dict[str, Any]:
    return {
        "id": i,
        "external_ref": None,
        "checkout_id": None,
        "buyer_id": buyer,
        "seller_id": seller,
        "state": "paid",
        "version": 3,
        "policy_version": DEFAULT_POLICY.version,
        "total_cents": 1990,
        "currency": "EUR",
        "items": [{"sku": "B-1", "title": "bench item", "quantity": 1, "unit_price_cents": 1990}],
        "shipping_method": "aliexpress_standard",
        "product_category": "default",
        "is_choice": False,
        "destination_country": "FR",
        "created_at": placed,
        "resume_state": None,
        "details_due_at": None,
        "previous_total_cents": None,
        "paid_at": placed,
        "verified_at": placed,
        "ship_by": ship_by,
        "extension_days_pending": None,
        "extensions_granted": 0,
        "tracking_number": None,
        "carrier": None,
        "previous_tracking_numbers": [],
        "shipment_status": None,
        "shipped_at": None,
        "delivered_at": None,
        "completed_at": None,
        "closed_at": None,
        "close_reason": None,
        "close_fault": None,
        "invoice_available": False,
        "security_flag": None,
    }


def _ledger_row(i: int, kind: str, memo: str, at: datetime) -> dict[str, Any]:
    source, destination = {
        "capture": ("buyer_payment", "clearing"),
        "hold": ("clearing", "escrow"),
    }[kind]
    return {
        "order_id": i,
        "kind": kind,
        "debit_account": source,
        "credit_account": destination,
        "amount_cents": 1990,
        "memo": memo,
        "created_at": at,
    }


def _deadline_row(i: int, kind: DeadlineKind, due_at: datetime) -> dict[str, Any]:
    return {
        "order_id": i,
        "kind": kind.value,
        "due_at": due_at,
        "status": "pending",
        "claimed_by": None,
        "lease_until": None,
        "attempts": 0,
        "fired_at": None,
        "last_error": None,
    }


# ------------------------------------------------------------------ databases


class Database:
    """A seeded template, and a fresh copy of it for each run."""

    name = ""

    def version(self) -> str:
        raise NotImplementedError

    def prepare(self, n: int, now: datetime) -> None:
        raise NotImplementedError

    @contextmanager
    def copy(self) -> Iterator[str]:
        raise NotImplementedError
        yield ""

    def close(self) -> None:
        raise NotImplementedError


class SQLiteDatabase(Database):
    name = "SQLite"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="garant-bench-"))
        self.template = self.dir / "template.db"

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version} (temp file, WAL, synchronous=NORMAL)"

    def prepare(self, n: int, now: datetime) -> None:
        engine = make_engine(f"sqlite:///{self.template}")
        seed(engine, n, now)
        engine.dispose()

    @contextmanager
    def copy(self) -> Iterator[str]:
        path = self.dir / f"run-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.template, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabase(Database):
    name = "PostgreSQL"

    def __init__(self, server_url: str) -> None:
        url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.url = url
        self.prefix = f"garant_bench_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self._drop(self.template)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _url(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def version(self) -> str:
        with self.admin.connect() as conn:
            server = conn.execute(text("SHOW server_version")).scalar()
        host = f"{self.url.host or 'localhost'}:{self.url.port or 5432}"
        return f"PostgreSQL {server} at {host} (scratch databases {self.prefix}_*)"

    def prepare(self, n: int, now: datetime) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        engine = make_engine(self._url(self.template))
        seed(engine, n, now)
        engine.dispose()

    @contextmanager
    def copy(self) -> Iterator[str]:
        name = f"{self.prefix}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        try:
            yield self._url(name)
        finally:
            self._drop(name)

    def close(self) -> None:
        self._drop(self.template)
        self.admin.dispose()


# ------------------------------------------------------------------ the timed part


def _worker(url: str, mode: str, name: str, batch: int, ready: Any, go: Any, out: Any) -> None:
    """One worker process: connect, wait for the start, work until nothing due is left."""
    settings = Settings(database_url=url, worker_batch=batch, lease_seconds=600)
    app = Garant(settings=settings, engine=make_engine(url), clock=SystemClock())
    with app.engine.connect() as conn:
        conn.execute(select(1))  # connected before the clock starts
    ready.put(name)
    go.wait()
    done = errors = 0
    while True:
        if mode == SWEEP:
            from garant.services.deadlines import sweep

            stats = sweep(app, name, limit=batch)
            claimed, errors = stats.claimed, errors + stats.errors
            done += stats.applied
        else:
            claimed, finished = _claim_and_finish(app, name, batch)
            done += finished
        if not claimed and not _due_left(app):
            break
    out.put((name, done, errors, time.monotonic()))
    app.engine.dispose()


def _claim_and_finish(app: Garant, worker: str, batch: int) -> tuple[int, int]:
    """What the sweep does, without the domain: same claim, same batch transaction (the rows
    re-checked and settled together), no order loaded or saved."""
    lease = timedelta(seconds=app.settings.lease_seconds)
    now = datetime.now(UTC)
    with app.engine.begin() as conn:
        claimed = deadline_store.claim(conn, worker, now, lease, batch)
    with app.engine.begin() as conn:
        mine = deadline_store.still_mine(conn, [c.id for c in claimed], worker)
        finished = deadline_store.finish(conn, dict.fromkeys(mine, True), worker, now)
    return len(claimed), finished


def _due_left(app: Garant) -> bool:
    """A worker whose claim came back empty stops only when no due row is left pending: on
    PostgreSQL an empty claim may just mean the other worker had the rows locked."""
    now = datetime.now(UTC)
    with app.engine.connect() as conn:
        row = conn.execute(
            select(t.deadlines.c.id)
            .where(t.deadlines.c.status == deadline_store.PENDING, t.deadlines.c.due_at <= now)
            .limit(1)
        ).first()
    return row is not None


def timed_run(url: str, mode: str, workers: int, batch: int) -> tuple[float, list[int], int]:
    ctx = mp.get_context("spawn")  # a clean interpreter: no engine or lock shared by fork
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        # daemon: an interrupted benchmark must not leave workers sweeping on their own
        ctx.Process(
            target=_worker,
            args=(url, mode, f"bench-{mode}-{i}", batch, ready, go, out),
            daemon=True,
        )
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    start = time.monotonic()
    go.set()
    reports = [out.get(timeout=24 * 3600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise RuntimeError(f"a benchmark worker failed (exit code {p.exitcode})")
    end = max(r[3] for r in reports)
    return end - start, [r[1] for r in sorted(reports)], sum(r[2] for r in reports)


# ------------------------------------------------------------------ checks


def check_sweep(url: str, n: int) -> tuple[bool, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            cancelled = conn.execute(
                select(func.count()).where(t.orders.c.state == "cancelled")
            ).scalar_one()
            per_order = (
                select(t.timeline.c.order_id, func.count().label("times"))
                .where(t.timeline.c.action.in_(_TIMEOUT_ACTIONS))
                .group_by(t.timeline.c.order_id)
                .subquery()
            )
            once = conn.execute(
                select(func.count()).select_from(per_order).where(per_order.c.times == 1)
            ).scalar_one()
            more = conn.execute(
                select(func.count()).select_from(per_order).where(per_order.c.times > 1)
            ).scalar_one()
            refunds = conn.execute(select(func.count()).select_from(t.refunds)).scalar_one()
            unbalanced = _unbalanced_orders(conn)
            due_left = conn.execute(
                select(func.count()).where(
                    t.deadlines.c.status.in_((deadline_store.PENDING, deadline_store.CLAIMED)),
                    t.deadlines.c.due_at <= datetime.now(UTC),
                )
            ).scalar_one()
    finally:
        engine.dispose()
    ok = cancelled == n and once == n and more == 0 and refunds == n and unbalanced == 0
    ok = ok and due_left == 0
    text_ = (
        f"{cancelled}/{n} orders cancelled; {once} by exactly one timeout transition, "
        f"{more} more than once; {refunds} refunds; ledger balanced and nothing held for "
        f"{n - unbalanced}/{n}; {due_left} due deadlines left"
    )
    return ok, text_


def _unbalanced_orders(conn: Any) -> int:
    """Orders where paid != held + released + refunded, or money is still held (PRT-6)."""
    le = t.ledger_entries

    def total(kind: str) -> Any:
        return func.sum(case((le.c.kind == kind, le.c.amount_cents), else_=0))

    sums = (
        select(
            le.c.order_id,
            total("capture").label("paid"),
            total("hold").label("hold"),
            total("release").label("released"),
            total("refund").label("refunded"),
        )
        .group_by(le.c.order_id)
        .subquery()
    )
    held = sums.c.hold - sums.c.released - sums.c.refunded
    return int(
        conn.execute(
            select(func.count())
            .select_from(sums)
            .where((sums.c.paid != held + sums.c.released + sums.c.refunded) | (held != 0))
        ).scalar_one()
    )


def check_claims(url: str, n: int) -> tuple[bool, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            due = t.deadlines.c.due_at <= datetime.now(UTC)
            done_once = conn.execute(
                select(func.count()).where(
                    due, t.deadlines.c.status == deadline_store.DONE, t.deadlines.c.attempts == 1
                )
            ).scalar_one()
            total_due = conn.execute(select(func.count()).where(due)).scalar_one()
            untouched = conn.execute(
                select(func.count()).where(t.orders.c.state == "paid")
            ).scalar_one()
    finally:
        engine.dispose()
    ok = done_once == n and total_due == n and untouched == n
    return ok, f"{done_once}/{n} due rows claimed exactly once and marked done; orders untouched"


# ------------------------------------------------------------------ the report


def _machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}"
    )


def _method(n: int, batch: int, databases: list[Database]) -> list[str]:
    return [
        "Deadline sweep benchmark (garant bench deadlines)",
        f"  N = {n:,} paid orders, each with one deadline already due: half a missed ship-by "
        "(CAN-7), half a cancellation request the seller left unanswered for 72 h (CAN-4).",
        "  Counted: effective transitions = deadlines that cancelled their order (refund, "
        "ledger, timeline, outbox, deadline done: one transaction each), per second of wall "
        "time from the start signal until the last worker finds nothing due.",
        "  Beside it: raw claims = the same claim + per-row transactions (re-check the claim, "
        "mark done) with no domain work, on the same seeded data.",
        f"  Workers: 1 and 2 separate processes (multiprocessing, spawn); batch {batch} rows "
        "per claim. Setup (bulk insert, copy of the seeded database) is not timed.",
        f"  Machine: {_machine()}",
        *[f"  Database: {db.version()}" for db in databases],
        "",
    ]


def _table(report: BenchReport) -> list[str]:
    header = (
        f"{'database':<11} {'workers':>7} {'transitions/s':>14} {'raw claims/s':>13} "
        f"{'domain cost':>12} {'sweep s':>8} {'claim s':>8}  per-worker transitions"
    )
    lines = [header, "-" * len(header)]
    databases = list(dict.fromkeys(r.database for r in report.results))
    for db in databases:
        for w in WORKER_COUNTS:
            s, c = report.result(db, SWEEP, w), report.result(db, CLAIM, w)
            ms = 1000 / s.rate - 1000 / c.rate if s.rate and c.rate else 0.0
            lines.append(
                f"{db:<11} {w:>7} {s.rate:>14,.0f} {c.rate:>13,.0f} {ms:>9.2f} ms "
                f"{s.seconds:>8.1f} {c.seconds:>8.1f}  {'+'.join(map(str, s.per_worker))}"
            )
    lines.append(
        "  domain cost = wall time per transition minus wall time per raw claim: what the "
        "domain work (load, decide, save) adds to each deadline"
    )
    return lines


def _pg_url(explicit: str | None) -> str | None:
    return (
        explicit
        or os.environ.get("GARANT_BENCH_PG_URL")
        or os.environ.get("GARANT_TEST_DATABASE_URL")
    )


def run_deadline_bench(
    *,
    n: int = 100_000,
    batch: int = 200,
    pg_url: str | None = None,
    sqlite_only: bool = False,
    echo: Echo = print,
    with_sqlite: bool = True,
) -> BenchReport:
    """``with_sqlite=False`` runs PostgreSQL alone (tests that already covered SQLite)."""
    report = BenchReport(n=n, batch=batch)
    databases: list[Database] = [SQLiteDatabase()] if with_sqlite else []
    url = None if sqlite_only else _pg_url(pg_url)
    if sqlite_only:
        report.skipped.append("PostgreSQL: skipped (--sqlite-only)")
    elif url is None:
        report.skipped.append(
            "PostgreSQL: skipped, no server given (--pg-url, GARANT_BENCH_PG_URL or "
            "GARANT_TEST_DATABASE_URL)"
        )
    else:
        try:
            databases.append(PostgresDatabase(url))
        except Exception as exc:  # say why and go on with SQLite: half a benchmark is news
            report.skipped.append(f"PostgreSQL: skipped, cannot use {_safe(url)}: {exc!r}")
    previous = _stop_on_sigterm()
    try:
        for line in _method(n, batch, databases):
            echo(line)
        for line in report.skipped:
            echo(line)
        for db in databases:
            _bench_one(db, report, echo)
        echo("")
        for line in _table(report):
            echo(line)
        echo("")
        echo("Checks after each run:")
        for r in report.results:
            mark = "OK  " if r.ok else "FAIL"
            echo(f"  {mark} {r.database} {r.mode} x{r.workers}: {r.check}")
    finally:
        for db in databases:
            db.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return report


def _stop_on_sigterm() -> Any:
    """SIGTERM unwinds like Ctrl-C, so the scratch files and databases are still removed.
    Returns the handler to restore (None off the main thread, where none can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def _raise_interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _bench_one(db: Database, report: BenchReport, echo: Echo) -> None:
    started = time.monotonic()
    db.prepare(report.n, datetime.now(UTC))
    echo(f"{db.name}: seeded {report.n:,} orders in {time.monotonic() - started:.1f} s")
    for mode in (CLAIM, SWEEP):
        for workers in WORKER_COUNTS:
            with db.copy() as url:
                seconds, per_worker, errors = timed_run(url, mode, workers, report.batch)
                check = check_sweep if mode == SWEEP else check_claims
                ok, text_ = check(url, report.n)
            result = RunResult(
                db.name,
                mode,
                workers,
                report.n,
                sum(per_worker),
                seconds,
                per_worker,
                errors,
                text_,
                ok and errors == 0,
            )
            report.results.append(result)
            echo(
                f"{db.name}: {mode} x{workers}: {result.done:,} in {seconds:.2f} s "
                f"= {result.rate:,.0f}/s"
            )


def figures(report: BenchReport) -> list[Figure]:
    """One figure per database and worker count (``--json``): transitions/s beside raw
    claims/s; checked when both runs passed their checks (exactly once, ledger balanced)."""
    out = []
    for db in dict.fromkeys(r.database for r in report.results):
        for w in WORKER_COUNTS:
            s, c = report.result(db, SWEEP, w), report.result(db, CLAIM, w)
            out.append(
                Figure(
                    measure="deadline sweep",
                    database=db,
                    workers=w,
                    garant_per_s=round(s.rate, 1),
                    baseline_per_s=round(c.rate, 1),
                    checked=s.ok and c.ok,
                )
            )
    return out


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
