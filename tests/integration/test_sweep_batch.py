"""The deadline sweep is set-based (DESIGN "Sets, not loops"): a batch costs a fixed number
of statements whatever its size, and still gives every order its effect exactly once.

Both databases. The mix of a batch: requested cancellations the seller let lapse (CAN-4:
cancel, refund, coupon give-back CAN-12) and paid orders that missed their ship-by (CAN-6).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from garant.app import Garant
from garant.clock import FixedClock
from garant.services.deadlines import sweep

from .helpers import (
    Parties,
    act,
    assert_ledger_balanced,
    coupon_status,
    create_paid_order,
    make_parties,
    order_row,
    outbox_topics,
    refund_rows,
    timeline_actions,
)
from .statement_count import count_statements


def _batch(app: Garant, p: Parties, n: int, tag: str) -> list[int]:
    """n orders whose cancellation request lapses together; every other one used a coupon."""
    ids = []
    for i in range(n):
        coupons = (
            [{"code": f"{tag}{i}", "kind": "platform", "amount": "2.00"}] if i % 2 == 0 else None
        )
        order_id = create_paid_order(app, p, coupons=coupons)
        act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
        ids.append(order_id)
    return ids


def _swept_statements(app: Garant, clock: FixedClock, ids: list[int]) -> int:
    clock.advance(timedelta(hours=72))
    with count_statements(app.engine) as seen:
        stats = sweep(app, "w1", limit=1000)
    assert (stats.claimed, stats.applied, stats.errors, stats.lost) == (len(ids), len(ids), 0, 0)
    return len(seen)


def test_can4_sweep_batch_statements_do_not_grow_with_its_size(
    app: Garant, clock: FixedClock
) -> None:
    p = make_parties(app)
    small = _swept_statements(app, clock, _batch(app, p, 4, "SMALL"))
    large_ids = _batch(app, p, 40, "LARGE")
    large = _swept_statements(app, clock, large_ids)
    assert small == large
    assert large <= 30  # claim, load, re-check, save, settle: a few statements each
    for i, order_id in enumerate(large_ids):
        assert order_row(app, order_id)["state"] == "cancelled"
        assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
        assert len(refund_rows(app, order_id)) == 1
        assert outbox_topics(app, order_id).count("order.expire_cancellation_request") == 1
        assert_ledger_balanced(app, order_id)
        if i % 2 == 0:
            assert coupon_status(app, f"LARGE{i}") == "returned"
            assert "coupon_returned" in timeline_actions(app, order_id)


def test_can4_one_failing_order_does_not_sink_its_batch(
    app: Garant, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error while saving the batch (here: the order with the bad coupon) rolls the
    batch back; its orders are then fired one by one: the bad one is released with its error,
    the others take effect once."""
    p = make_parties(app)
    ids = _batch(app, p, 6, "MIX")
    bad = ids[2]
    from garant.store import coupons as coupon_store

    real = coupon_store.mark_returned

    def mark_returned(conn, coupon_ids, now):  # type: ignore[no-untyped-def]
        if any(i == bad for i in _orders_of_coupons(conn, coupon_ids)):
            raise RuntimeError("coupon service down")
        return real(conn, coupon_ids, now)

    monkeypatch.setattr(coupon_store, "mark_returned", mark_returned)
    clock.advance(timedelta(hours=72))
    stats = sweep(app, "w1", limit=1000)
    assert (stats.claimed, stats.applied, stats.errors) == (6, 5, 1)
    assert order_row(app, bad)["state"] == "paid"
    assert refund_rows(app, bad) == []
    for order_id in ids:
        if order_id != bad:
            assert order_row(app, order_id)["state"] == "cancelled"
            assert len(refund_rows(app, order_id)) == 1
            assert_ledger_balanced(app, order_id)


def _orders_of_coupons(conn, coupon_ids):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from garant.store import schema as t

    return conn.execute(
        select(t.coupon_uses.c.order_id).where(t.coupon_uses.c.coupon_id.in_(list(coupon_ids)))
    ).scalars()
