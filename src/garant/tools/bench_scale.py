"""`garant bench scale --orders N`: do reads stay as fast at N orders as at 10,000?

Method (printed with the results):

- PostgreSQL, a scratch database of its own. Ten template orders are built through the
  services (timelines, ledger, invoices, shipments, one parcel with a carrier journey), then
  cloned by COPY (``tools.scale_load``): first up to 10,000 orders, ANALYZE, measured; then up
  to N, ANALYZE, measured again in the same run, on the same server.
- Measured, one call at a time from this process, the real code: ``order_view`` (the full
  order as GET /api/v1/orders/{id} returns it) of a random order as its buyer, and the list
  route (``api.orders.list_orders``, 20 items) as a random buyer, as a random seller (first
  page) and as a random seller from a cursor deep in their list (80 % of the way). p50/p99 of
  each call's wall time; a short warm-up first.
- Checked: the orders loaded are all there, each view is the order asked for, each page has
  20 orders of the caller, newest first, below the cursor.
- ``--explain``: the statements that took longest on average at N, each with EXPLAIN
  (ANALYZE, BUFFERS) run again with the same parameters.
"""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, text

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.settings import Settings
from garant.store.db import make_engine
from garant.tools import scale_load
from garant.tools.bench_json import Figure
from garant.tools.bench_seed import SCENARIOS, seed_orders
from garant.tools.scratch_db import describe, scratch_postgres

Echo = Callable[[str], None]
REFERENCE = 10_000
TEMPLATES = 2 * len(SCENARIOS)
MEASURES = ("order read", "list, buyer", "list, seller", "list, seller deep page")


@dataclass
class Timing:
    measure: str
    orders: int
    seconds: list[float] = field(default_factory=list)
    ok: bool = True

    def pct(self, p: float) -> float:
        s = sorted(self.seconds)
        return s[min(len(s) - 1, int(p * len(s)))] * 1000 if s else 0.0

    @property
    def rate(self) -> float:
        return len(self.seconds) / sum(self.seconds) if self.seconds else 0.0


@dataclass
class Statement:
    sql: str
    params: Any
    calls: int = 0
    total: float = 0.0

    @property
    def mean_ms(self) -> float:
        return self.total / self.calls * 1000 if self.calls else 0.0


@dataclass
class ScaleReport:
    n: int
    timings: list[Timing] = field(default_factory=list)
    loaded_ok: bool = True
    explains: list[tuple[Statement, str]] = field(default_factory=list)

    reference: int = REFERENCE

    def timing(self, measure: str, orders: int) -> Timing:
        return next(x for x in self.timings if (x.measure, x.orders) == (measure, orders))

    @property
    def checked(self) -> bool:
        return self.loaded_ok and all(x.ok for x in self.timings)

    def figures(self) -> list[Figure]:
        out = []
        ref_n = self.reference
        for m in MEASURES:
            ref = self.timing(m, ref_n)
            out.append(Figure(measure=f"scale: {m} at {ref_n:,} orders", database="PostgreSQL",
                              workers=1, garant_per_s=round(ref.rate, 1),
                              p99_ms=round(ref.pct(0.99), 2), checked=self.checked))
            if self.n != ref_n:
                big = self.timing(m, self.n)
                out.append(Figure(measure=f"scale: {m} at {self.n:,} orders (baseline: "
                                  f"{ref_n:,})", database="PostgreSQL", workers=1,
                                  garant_per_s=round(big.rate, 1),
                                  baseline_per_s=round(ref.rate, 1),
                                  p99_ms=round(big.pct(0.99), 2), checked=self.checked))
        return out


# ------------------------------------------------------------------ the calls measured


class Reader:
    def __init__(self, app: Garant, layout: scale_load.Layout, clones: int, rng: random.Random):
        self.app, self.layout, self.clones, self.rng = app, layout, clones, rng

    def call(self, measure: str) -> bool:
        if measure == "order read":
            return self.order_read()
        if measure == "list, buyer":
            k = self.rng.randrange(self.clones)
            block, r = divmod(k, scale_load.BLOCK)
            r %= scale_load.BUYERS_PER_BLOCK
            mine = len(range(block * scale_load.BLOCK + r,
                             min((block + 1) * scale_load.BLOCK, self.clones),
                             scale_load.BUYERS_PER_BLOCK))
            return self.list_page(Actor(Role.BUYER, self.layout.buyer_id(k)), None, mine)
        s = self.rng.randrange(min(scale_load.SELLERS, self.clones))
        actor = Actor(Role.SELLER, self.layout.first_seller_id + s)
        ids = self.layout.seller_orders(s, self.clones)
        if measure == "list, seller":
            return self.list_page(actor, None, len(ids))
        deep = int(len(ids) * 0.8)
        return self.list_page(actor, ids[deep], len(ids) - deep - 1)

    def order_read(self) -> bool:
        from garant.services.views import order_view

        k = self.rng.randrange(self.clones)
        order_id = self.layout.order_id(k)
        view = order_view(self.app, order_id, Actor(Role.BUYER, self.layout.buyer_id(k)))
        return bool(view["id"] == order_id)

    def list_page(self, actor: Actor, cursor: int | None, left: int) -> bool:
        """``left``: how many of the caller's orders lie below the cursor."""
        from garant.api.orders import list_orders

        page = list_orders(garant=self.app, actor=actor, limit=20,
                           cursor=None if cursor is None else str(cursor), state=None)
        ids = [item["id"] for item in page["items"]]
        own = "buyer_id" if actor.role is Role.BUYER else "seller_id"
        return (len(ids) == min(20, left) and ids == sorted(ids, reverse=True)
                and (cursor is None or not ids or ids[0] < cursor)
                and all(item[own] == actor.user_id for item in page["items"]))


def measure(reader: Reader, name: str, orders: int, samples: int, max_seconds: float) -> Timing:
    timing = Timing(name, orders)
    for _ in range(max(1, samples // 20)):  # warm-up: connections, caches, plans
        reader.call(name)
    started = time.monotonic()
    for _ in range(samples):
        t0 = time.perf_counter()
        ok = reader.call(name)
        timing.seconds.append(time.perf_counter() - t0)
        timing.ok = timing.ok and ok
        if time.monotonic() - started > max_seconds and len(timing.seconds) >= 50:
            break
    return timing


@contextmanager
def statements(engine: Engine) -> Iterator[dict[str, Statement]]:
    """Each distinct statement's calls and time, with the last parameters it ran with."""
    seen: dict[str, Statement] = {}

    def before(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        st = seen.setdefault(sql, Statement(sql, params))
        st.calls += 1
        st.total += time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
        st.params = params

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(engine: Engine, st: Statement) -> str:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + st.sql, st.params).all()
        conn.rollback()
    return "\n".join(r[0] for r in rows)


# ------------------------------------------------------------------ the run


def method_lines(n: int, reference: int, samples: int) -> list[str]:
    return [
        "Scale benchmark (garant bench scale)",
        f"  N = {n:,} orders beside {reference:,}, in one run on one PostgreSQL database: "
        f"{TEMPLATES} template orders built through the services, cloned by COPY "
        "(timelines, ledger, deadlines, shipments with their events and numbers), ANALYZE "
        "after each load.",
        f"  Buyers: {scale_load.BUYERS_PER_BLOCK} per {scale_load.BLOCK:,} orders (20 orders "
        f"each); sellers: {scale_load.SELLERS} sharing all orders.",
        "  Measured: order_view of a random order as its buyer; the list route (20 items) as a "
        "random buyer, as a random seller, and as a random seller from a cursor 80 % deep into "
        f"their list; {samples} calls each, one at a time, after a warm-up; wall time per call.",
        "  Checked: all orders loaded; each view is the order asked for; each page 20 orders "
        "of the caller, newest first, below the cursor.",
        f"  Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}",
        "",
    ]


def table(report: ScaleReport) -> list[str]:
    n, r = report.n, report.reference
    header = (f"{'measure':<26} {'p50 ref':>8} {'p99 ref':>8} {'p50 N':>8} {'p99 N':>8} "
              f"{'p99 N/ref':>10}  checked")
    lines = [f"N = {n:,}, reference = {r:,}; times in ms", header, "-" * len(header)]
    for m in MEASURES:
        ref, big = report.timing(m, r), report.timing(m, n)
        ratio = big.pct(0.99) / ref.pct(0.99) if ref.pct(0.99) else 0.0
        lines.append(f"{m:<26} {ref.pct(0.5):>8.2f} {ref.pct(0.99):>8.2f} {big.pct(0.5):>8.2f} "
                     f"{big.pct(0.99):>8.2f} {ratio:>9.2f}x  "
                     f"{'yes' if ref.ok and big.ok else 'NO'}")
    lines.append("  target: p99 at 1,000,000 within 2x of 10,000")
    return lines


def run_scale_bench(
    *,
    n: int,
    server_url: str,
    reference: int = REFERENCE,
    samples: int = 500,
    max_seconds: float = 60.0,
    with_explain: bool = False,
    seed: int = 9,
    echo: Echo = print,
) -> ScaleReport:
    if not TEMPLATES < reference <= n:
        raise ValueError(f"--orders must be at least {reference:,}, the size it is compared with")
    report = ScaleReport(n, reference=reference)
    for line in method_lines(n, reference, samples):
        echo(line)
    with scratch_postgres(server_url, "garant_bench_scale") as url:
        echo(f"Database: {describe('PostgreSQL', url)}")
        engine = make_engine(url)
        now = datetime.now(UTC)
        app = Garant(Settings(database_url=url, carrier_polling=False), engine, FixedClock(now))
        try:
            _run(app, report, url, samples, max_seconds, with_explain, seed, echo)
        finally:
            engine.dispose()
    echo("")
    for line in table(report):
        echo(line)
    for st, plan in report.explains:
        echo("")
        echo(f"-- {st.mean_ms:.2f} ms on average over {st.calls} calls at N = {n:,}")
        echo(st.sql)
        echo(f"-- parameters: {st.params!r}")
        echo(plan)
    return report


def _run(app: Garant, report: ScaleReport, url: str, samples: int, max_seconds: float,
         with_explain: bool, seed: int, echo: Echo) -> None:
    n, engine = report.n, app.engine
    started = time.monotonic()
    templates = seed_orders(app, TEMPLATES, now=app.clock.now())
    rows = scale_load.read_templates(engine, templates.order_ids)
    clones_total = n - TEMPLATES
    buyers = scale_load.BUYERS_PER_BLOCK * (clones_total // scale_load.BLOCK + 1)
    layout = scale_load.add_users(engine, buyers, app.clock.now().isoformat())
    echo(f"templates built through the services in {time.monotonic() - started:.1f} s")
    loaded = 0
    for size in (report.reference, n) if n != report.reference else (n,):
        t0 = time.monotonic()
        written = scale_load.load_clones(engine, rows, layout, loaded, size - TEMPLATES)
        loaded = size - TEMPLATES
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
            count = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
        report.loaded_ok = report.loaded_ok and count == size
        summary = ", ".join(f"{k} {v:,}" for k, v in written.items())
        echo(f"loaded up to {size:,} orders in {time.monotonic() - t0:.1f} s (COPY + ANALYZE): "
             f"{summary}")
        reader = Reader(app, layout, loaded, random.Random(seed))
        with statements(engine) as seen:
            for m in MEASURES:
                timing = measure(reader, m, size, samples, max_seconds)
                report.timings.append(timing)
                echo(f"  {size:,} orders: {m}: p50 {timing.pct(0.5):.2f} ms, p99 "
                     f"{timing.pct(0.99):.2f} ms over {len(timing.seconds)} calls"
                     + ("" if timing.ok else " (CHECK FAILED)"))
        if with_explain and size == n:
            slowest = sorted(seen.values(), key=lambda s: s.mean_ms, reverse=True)[:5]
            report.explains = [(st, explain(engine, st)) for st in slowest]
