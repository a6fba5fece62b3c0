"""Real races on PostgreSQL: two deadline workers (each its own engine) and the seller's API
call hit the same due SELLER_ANSWER deadline at the same instant. The order must be
cancelled exactly once, whoever wins (CAN-3 or CAN-4), with one refund and a balanced ledger.

SQLite has a single writer: there the racing cases skip, and
``test_can4_two_workers_one_after_the_other_give_one_effect`` (both databases) shows what can
be shown: two workers sweeping in turn, one effect.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import IllegalTransition, InvalidInput
from garant.services.deadlines import SweepStats, sweep
from garant.services.orders import perform, settle_refund
from garant.settings import Settings
from garant.store import bulk
from garant.store import deadlines as deadline_store
from garant.store import schema as t
from garant.store.db import make_engine

from .helpers import (
    act,
    assert_ledger_balanced,
    coupon_status,
    create_order,
    create_paid_order,
    make_parties,
    order_row,
    refund_rows,
    timeline_actions,
)

ROUNDS = 30  # orders raced one at a time
MANY = 20  # deadlines due together
SETTLED = {"done", "obsolete", "cancelled"}
SQLITE_REASON = (
    "SQLite has one writer (BEGIN IMMEDIATE): no two transactions ever overlap, so there is "
    "no race to test; test_can4_two_workers_one_after_the_other_give_one_effect covers it"
)


@pytest.fixture
def pg_only(app: Garant) -> None:
    if app.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_REASON)


@pytest.fixture
def worker_apps(app: Garant, db_url: str, clock: FixedClock) -> Iterator[list[Garant]]:
    """Two more installations on the same database and clock, as two worker processes."""
    apps = [
        Garant(
            settings=Settings(database_url=db_url, sandbox=True),
            engine=make_engine(db_url),
            clock=clock,
        )
        for _ in range(2)
    ]
    yield apps
    for a in apps:
        a.engine.dispose()


def _race(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released together; return results (or exceptions raised)."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
        assert not th.is_alive(), "a racer hung (deadlock?)"
    return results


def _deadline_status(app: Garant, order_id: int, kind: str) -> str:
    with app.engine.connect() as conn:
        return str(
            conn.execute(
                select(t.deadlines.c.status).where(
                    t.deadlines.c.order_id == order_id, t.deadlines.c.kind == kind
                )
            ).scalar_one()
        )


def test_can4_two_workers_one_after_the_other_give_one_effect(
    app: Garant, clock: FixedClock, worker_apps: list[Garant]
) -> None:
    """Both databases (on SQLite, all there is to show): w1 then w2, each with its own engine,
    sweep the same due deadlines; every order is cancelled once."""
    p = make_parties(app)
    orders = []
    for _ in range(3):
        order_id = create_paid_order(app, p)
        act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
        orders.append(order_id)
    clock.advance(timedelta(hours=72))

    first = sweep(worker_apps[0], "w1", limit=2)
    second = sweep(worker_apps[1], "w2", limit=2)
    assert (first.claimed, first.applied, second.claimed, second.applied) == (2, 2, 1, 1)
    assert sweep(worker_apps[0], "w1").claimed == sweep(worker_apps[1], "w2").claimed == 0
    for order_id in orders:
        assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
        assert order_row(app, order_id)["state"] == "cancelled"
        assert len(refund_rows(app, order_id)) == 1
        assert_ledger_balanced(app, order_id)
    with app.engine.connect() as conn:
        fired_by = (
            conn.execute(
                select(t.deadlines.c.claimed_by)
                .where(t.deadlines.c.kind == "seller_answer")
                .order_by(t.deadlines.c.order_id)
            )
            .scalars()
            .all()
        )
    assert sorted(fired_by) == ["w1", "w1", "w2"]  # due together: any two go to w1


@pytest.mark.usefixtures("pg_only")
def test_can3_can4_two_workers_and_the_seller_race_on_one_deadline_pg(
    app: Garant, clock: FixedClock, worker_apps: list[Garant]
) -> None:
    p = make_parties(app)
    winners: Counter[str] = Counter()
    stats: list[SweepStats] = []

    for n in range(ROUNDS):
        order_id = create_paid_order(app, p)
        act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
        clock.advance(timedelta(hours=72))  # due this very instant
        # The seller arrives 0-24 ms after the workers: every order of arrival gets tried.
        late = (n % 7) * 0.004

        def worker(w: Garant, name: str, order_id: int = order_id) -> list[SweepStats]:
            runs = []
            for _ in range(50):
                runs.append(sweep(w, name))
                if _deadline_status(w, order_id, "seller_answer") in SETTLED:
                    break
            return runs

        def seller(order_id: int = order_id, late: float = late) -> str:
            time.sleep(late)
            perform(
                app, order_id=order_id, actor=p.seller, action="approve_cancellation", params={}
            )
            return "approved"

        w1, w2, api = _race(
            lambda: worker(worker_apps[0], "w1"),
            lambda: worker(worker_apps[1], "w2"),
            seller,
        )
        for result in (w1, w2):
            assert isinstance(result, list), result
            stats.extend(result)
        # The seller either won or was refused cleanly (the order already cancelled by the
        # worker, or, should the domain close the answer window at the deadline, too late).
        assert api == "approved" or isinstance(api, IllegalTransition), api

        actions = timeline_actions(app, order_id)
        approved = actions.count("approve_cancellation")
        expired = actions.count("expire_cancellation_request")
        assert approved + expired == 1, actions
        assert (approved == 1) is (api == "approved")
        assert actions.count("refund_started") == 1
        assert order_row(app, order_id)["state"] == "cancelled"
        assert [r["amount_cents"] for r in refund_rows(app, order_id)] == [2500]
        sums = assert_ledger_balanced(app, order_id)
        assert (sums.paid, sums.held, sums.refunded) == (2500, 0, 2500)
        assert _deadline_status(app, order_id, "seller_answer") in SETTLED
        winners["seller" if approved else "worker"] += 1

    assert sum(s.errors for s in stats) == 0
    # A due deadline takes effect before a late action: the automatic cancellation was
    # applied either by a worker or by the seller's own call, never twice.
    assert sum(s.applied for s in stats) <= winners["worker"]
    assert sum(winners.values()) == ROUNDS


@pytest.mark.usefixtures("pg_only")
def test_can4_two_workers_race_on_many_due_deadlines_pg(
    app: Garant, clock: FixedClock, worker_apps: list[Garant]
) -> None:
    """Many rows due at once: SKIP LOCKED splits them; each fires exactly once."""
    p = make_parties(app)
    orders = []
    for _ in range(MANY):
        order_id = create_paid_order(app, p)
        act(app, order_id, p.buyer, "request_cancellation", reason="no_longer_needed")
        orders.append(order_id)
    clock.advance(timedelta(hours=72))

    def drain(w: Garant, name: str) -> list[SweepStats]:
        runs = [sweep(w, name, limit=3)]
        while runs[-1].claimed:
            runs.append(sweep(w, name, limit=3))
        return runs

    results = _race(lambda: drain(worker_apps[0], "w1"), lambda: drain(worker_apps[1], "w2"))
    runs = [s for r in results for s in r]
    assert sum(s.errors for s in runs) == 0
    assert sum(s.applied for s in runs) == MANY
    assert sum(s.claimed for s in runs) == MANY
    for order_id in orders:
        assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
        assert len(refund_rows(app, order_id)) == 1
        assert_ledger_balanced(app, order_id)


@pytest.mark.usefixtures("pg_only")
def test_can12_orders_of_one_coupon_cancelled_at_once_give_it_back_pg(app: Garant) -> None:
    """Two orders bought with one platform coupon, cancelled at the same instant: whichever
    commits last must see the other cancelled and give the coupon back (CAN-12)."""
    p = make_parties(app)
    outcomes: Counter[str] = Counter()
    for i in range(10):
        code = f"DUO{i}"
        coupon = {"code": code, "kind": "platform", "amount": "2.00"}
        a = create_order(app, p, coupons=[coupon], checkout_id=f"C{i}")
        b = create_order(app, p, coupons=[coupon], checkout_id=f"C{i}")

        def cancel(order_id: int) -> None:
            perform(
                app, order_id=order_id, actor=p.buyer, action="cancel", params={"confirm": True}
            )

        results = _race(lambda a=a: cancel(a), lambda b=b: cancel(b))
        assert results == [None, None]
        notes = timeline_actions(app, a)[-1:] + timeline_actions(app, b)[-1:]
        assert sorted(notes) == ["coupon_not_returned", "coupon_returned"], notes
        assert coupon_status(app, code) == "returned"
        outcomes[notes[0]] += 1
    assert sum(outcomes.values()) == 10


@pytest.mark.usefixtures("pg_only")
def test_can3_worker_and_seller_lock_in_the_same_order_no_deadlock_pg(
    app: Garant, clock: FixedClock, worker_apps: list[Garant], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst interleaving, forced: the seller's transaction has read the deadline row as
    pending and is about to cancel it when the worker claims it and starts firing. Both must
    take the order's lock before the deadline row's, or PostgreSQL finds a deadlock and kills
    one of them (an error for the seller, or a failed sweep)."""
    p = make_parties(app)
    order_id = create_paid_order(app, p)
    act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
    clock.advance(timedelta(hours=72))

    seller_about_to_write = threading.Event()
    worker_holds_row = threading.Event()
    real_update, real_still_mine = bulk.update_many, deadline_store.still_mine

    def update(conn: Any, table: Any, rows: Any, **kw: Any) -> int:
        seller = threading.current_thread().name == "seller"
        if table.name == "deadlines" and rows and seller and not seller_about_to_write.is_set():
            seller_about_to_write.set()
            worker_holds_row.wait(timeout=1.0)
        return real_update(conn, table, rows, **kw)

    def still_mine(conn: Any, deadline_ids: list[int], worker: str) -> set[int]:
        mine = real_still_mine(conn, deadline_ids, worker)
        worker_holds_row.set()
        return mine

    monkeypatch.setattr(bulk, "update_many", update)
    monkeypatch.setattr(deadline_store, "still_mine", still_mine)
    results: dict[str, Any] = {}

    def seller() -> None:
        try:
            perform(
                app, order_id=order_id, actor=p.seller, action="approve_cancellation", params={}
            )
            results["seller"] = "approved"
        except Exception as exc:
            results["seller"] = exc

    def worker() -> None:
        assert seller_about_to_write.wait(timeout=10)
        results["worker"] = sweep(worker_apps[0], "w1")

    threads = [threading.Thread(target=seller, name="seller"), threading.Thread(target=worker)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    monkeypatch.undo()

    # At the due instant the deadline wins: the seller's call first lets it take effect,
    # then finds the order cancelled.
    assert isinstance(results["seller"], IllegalTransition), results["seller"]
    stats = results["worker"]
    assert (stats.claimed, stats.applied, stats.errors) == (1, 0, 0)
    assert stats.lost + stats.obsolete == 1
    actions = timeline_actions(app, order_id)
    assert actions.count("approve_cancellation") == 0
    assert actions.count("expire_cancellation_request") == 1
    assert len(refund_rows(app, order_id)) == 1
    assert_ledger_balanced(app, order_id)


@pytest.mark.usefixtures("pg_only")
def test_can10_one_promo_code_on_two_checkouts_at_once_is_flagged_pg(app: Garant) -> None:
    """Two orders of different checkouts placed at the same instant with a new code: both
    are recorded (no unique-key error) and the later one is flagged for review."""
    p = make_parties(app)
    for i in range(10):
        code = f"TWICE{i}"

        def place(checkout: str, code: str = code) -> int:
            return create_order(
                app, p, coupons=[{"code": code, "kind": "platform"}], checkout_id=checkout
            )

        results = _race(lambda: place("X"), lambda: place("Y"))
        assert all(isinstance(r, int) for r in results), results
        flags = [order_row(app, order_id)["security_flag"] for order_id in results]
        assert sorted(flags, key=str) == [None, "promo_code_reused"], flags


@pytest.mark.usefixtures("pg_only")
def test_can11_one_refund_settled_twice_at_once_is_settled_once_pg(app: Garant) -> None:
    """The payment provider's confirmation may arrive twice at the same instant."""
    p = make_parties(app)
    for _ in range(5):
        order_id = create_paid_order(app, p, verified=False)
        act(app, order_id, p.buyer, "cancel", confirm=True)
        (refund,) = refund_rows(app, order_id)

        def settle(refund_id: int = refund["id"]) -> int:
            return settle_refund(app, actor=p.operator, refund_id=refund_id)

        results = _race(settle, settle)
        assert sorted(type(r).__name__ for r in results) == ["InvalidInput", "int"], results
        assert timeline_actions(app, order_id).count("refund_settled") == 1
        assert_ledger_balanced(app, order_id)


@pytest.mark.usefixtures("pg_only")
def test_ord2_one_external_ref_placed_twice_at_once_gives_one_order_pg(app: Garant) -> None:
    """A marketplace retrying its webhook: the same order arrives twice together."""
    p = make_parties(app)
    for i in range(5):

        def place(ref: str = f"AE-{i}") -> int:
            return create_order(app, p, external_ref=ref)

        results = _race(place, place)
        assert sorted(type(r).__name__ for r in results) == ["InvalidInput", "int"], results
        (refused,) = [r for r in results if isinstance(r, InvalidInput)]
        assert str(refused) == f"an order with external_ref 'AE-{i}' already exists"
