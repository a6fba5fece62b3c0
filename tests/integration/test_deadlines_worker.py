"""Deadlines are data (DESIGN): rows kept in step with the order, claimed with leases, fired
once. Both databases; several workers at once are in ``test_deadline_concurrency_pg.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import IllegalTransition
from garant.domain.orders import Order
from garant.services import deadlines as deadline_service
from garant.services.deadlines import sweep
from garant.store import deadlines as store
from garant.store import schema as t

from .helpers import (
    Parties,
    act,
    create_order,
    create_paid_order,
    deadline_rows,
    make_parties,
    order_row,
    refund_rows,
    s10_number,
    snapshot,
    sweep_checked,
    timeline_actions,
)

H72 = timedelta(hours=72)
LEASE = timedelta(seconds=60)  # Settings.lease_seconds


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def _requested(app: Garant, p: Parties) -> int:
    order_id = create_paid_order(app, p)
    act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
    return order_id


def _row(app: Garant, order_id: int, kind: str) -> dict[str, object]:
    with app.engine.connect() as conn:
        row = (
            conn.execute(
                select(t.deadlines).where(
                    t.deadlines.c.order_id == order_id, t.deadlines.c.kind == kind
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


# ----------------------------------------------------------------------------- once only


def test_can4_sweeping_twice_fires_once(app: Garant, clock: FixedClock, p: Parties) -> None:
    order_id = _requested(app, p)
    clock.advance(H72)

    first = sweep_checked(app, "w1")
    assert (first.claimed, first.applied, first.obsolete, first.lost, first.errors) == (
        1,
        1,
        0,
        0,
        0,
    )
    after = snapshot(app, order_id)
    for worker in ("w1", "w2", "w1"):
        again = sweep_checked(app, worker)
        assert again.claimed == 0
    assert snapshot(app, order_id) == after
    assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
    assert len(refund_rows(app, order_id)) == 1
    row = _row(app, order_id, "seller_answer")
    assert (row["status"], row["claimed_by"], row["attempts"], row["fired_at"]) == (
        "done",
        "w1",
        1,
        clock.now(),
    )


def test_deadline_not_yet_due_is_not_claimed(app: Garant, clock: FixedClock, p: Parties) -> None:
    order_id = _requested(app, p)
    clock.advance(H72 - timedelta(seconds=1))
    before = snapshot(app, order_id)
    assert sweep(app, "w1").claimed == 0
    assert snapshot(app, order_id) == before


# ----------------------------------------------------------------------------- leases


def test_can4_expired_lease_is_taken_over_by_another_worker_and_fires_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _requested(app, p)
    clock.advance(H72)
    # w-dead claims the row, then dies before firing it.
    with app.engine.begin() as conn:
        claimed = store.claim(conn, "w-dead", clock.now(), LEASE, 10)
    assert [(c.order_id, c.kind) for c in claimed] == [(order_id, "seller_answer")]
    deadline_id = claimed[0].id

    # While the lease runs, nobody else may take it.
    clock.advance(LEASE)
    assert sweep(app, "w2").claimed == 0
    assert order_row(app, order_id)["state"] == "paid"

    clock.advance(timedelta(seconds=1))
    stats = sweep_checked(app, "w2")
    assert (stats.claimed, stats.applied, stats.lost) == (1, 1, 0)
    row = _row(app, order_id, "seller_answer")
    assert (row["status"], row["claimed_by"], row["attempts"]) == ("done", "w2", 2)

    # w-dead comes back: the claim is no longer its own, and its firing path refuses.
    with app.engine.begin() as conn:
        assert store.still_mine(conn, [deadline_id], "w-dead") == set()
        assert store.finish(conn, {deadline_id: True}, "w-dead", clock.now()) == 0
    assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
    assert len(refund_rows(app, order_id)) == 1
    assert sweep(app, "w-dead").claimed == 0


def test_worker_whose_lease_was_taken_over_mid_sweep_rolls_back(
    app: Garant, clock: FixedClock, p: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    """w-slow claimed, then stalled past its lease; w2 fired meanwhile. When w-slow goes on
    with its batch it finds the claim gone and counts it lost: no second effect."""
    order_id = _requested(app, p)
    clock.advance(H72)
    real_claim = store.claim

    def claim_then_stall(conn, worker, now, lease, limit):  # type: ignore[no-untyped-def]
        got = real_claim(conn, worker, now, lease, limit)
        if worker != "w-slow":
            return got
        conn.commit()
        clock.advance(lease + timedelta(seconds=1))
        assert sweep(app, "w2").applied == 1  # the takeover happens while w-slow stalls
        return got

    monkeypatch.setattr(deadline_service.store, "claim", claim_then_stall)
    stats = sweep(app, "w-slow")
    monkeypatch.undo()
    assert (stats.claimed, stats.applied, stats.lost, stats.errors) == (1, 0, 1, 0)
    assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
    assert len(refund_rows(app, order_id)) == 1
    assert _row(app, order_id, "seller_answer")["claimed_by"] == "w2"


# ----------------------------------------------------------------------------- sync


def test_sync_cancels_a_pending_deadline_when_the_state_no_longer_needs_it(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _requested(app, p)
    first = _row(app, order_id, "seller_answer")
    assert first["status"] == "pending"

    act(app, order_id, p.buyer, "withdraw_cancellation")
    assert deadline_rows(app, order_id)["seller_answer"] == ("cancelled", first["due_at"])

    # A new request re-arms the same row with the new due date.
    clock.advance(timedelta(hours=5))
    act(app, order_id, p.buyer, "request_cancellation", reason="found_cheaper")
    again = _row(app, order_id, "seller_answer")
    assert (again["id"], again["status"], again["due_at"]) == (
        first["id"],
        "pending",
        clock.now() + H72,
    )

    # Shipping (CAN-5 decline) ends both the answer and the ship-by deadlines.
    act(app, order_id, p.seller, "decline_cancellation", tracking_number=s10_number())
    assert {k: s for k, (s, _) in deadline_rows(app, order_id).items()} == {
        "abandon_unpaid": "cancelled",
        "seller_answer": "cancelled",
        "ship_by": "cancelled",
        "protection_end": "pending",  # PRT-1: the shipped order's money waits for receipt
    }
    clock.advance(timedelta(days=30))
    assert sweep(app, "w1").claimed == 0


def test_can3_approval_while_the_deadline_is_claimed_leaves_it_obsolete(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _requested(app, p)
    clock.advance(H72)
    with app.engine.begin() as conn:
        claimed = store.claim(conn, "w-slow", clock.now(), LEASE, 10)
    assert [c.order_id for c in claimed] == [order_id]

    # Too late: the due deadline takes effect first, and the approval finds it cancelled.
    with pytest.raises(IllegalTransition):
        act(app, order_id, p.seller, "approve_cancellation")
    # The claimed row is left to its worker, who will find it moot.
    assert _row(app, order_id, "seller_answer")["status"] == "claimed"

    clock.advance(LEASE + timedelta(seconds=1))
    stats = sweep_checked(app, "w2")
    assert (stats.claimed, stats.applied, stats.obsolete) == (1, 0, 1)
    assert _row(app, order_id, "seller_answer")["status"] == "obsolete"
    actions = timeline_actions(app, order_id)
    assert actions.count("approve_cancellation") == 0
    assert actions.count("expire_cancellation_request") == 1
    assert len(refund_rows(app, order_id)) == 1


# ----------------------------------------------------------------------------- other kinds


def test_ord5_unpaid_order_abandoned_after_72h_without_refund(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_order(app, p)
    clock.advance(H72 - timedelta(minutes=1))
    assert sweep(app, "w1").claimed == 0
    clock.advance(timedelta(minutes=1))
    assert sweep_checked(app, "w1").applied == 1
    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"]) == ("abandoned", "unpaid")
    assert timeline_actions(app, order_id) == ["order_placed", "abandon"]
    assert refund_rows(app, order_id) == []


def test_ord5_paid_order_without_buyer_details_abandoned_and_refunded(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    act(app, order_id, p.seller, "request_details", question="Quelle taille ?")
    # The ship-by clock stops while the seller waits for the buyer.
    assert {k: s for k, (s, _) in deadline_rows(app, order_id).items()} == {
        "abandon_unpaid": "cancelled",
        "ship_by": "cancelled",
        "buyer_details": "pending",
    }
    clock.advance(timedelta(hours=168))
    assert sweep_checked(app, "w1").applied == 1
    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"]) == ("abandoned", "no_buyer_details")
    assert [r["amount_cents"] for r in refund_rows(app, order_id)] == [2500]


def test_ord5_buyer_details_resume_the_ship_by_clock(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    ship_by = clock.now() + timedelta(hours=120)
    clock.advance(timedelta(hours=10))
    act(app, order_id, p.seller, "request_details", question="Quelle couleur ?")
    clock.advance(timedelta(hours=30))
    act(app, order_id, p.buyer, "provide_details", answer="Bleu")
    moved = ship_by + timedelta(hours=30)
    assert order_row(app, order_id)["ship_by"] == moved
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", moved)
    assert deadline_rows(app, order_id)["buyer_details"][0] == "cancelled"


# ----------------------------------------------------------------------------- errors


def test_a_failing_deadline_does_not_stop_the_sweep_and_is_retried(
    app: Garant, clock: FixedClock, p: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad, good = _requested(app, p), _requested(app, p)
    clock.advance(H72)
    real_fire = Order.on_deadline

    def fire(order, kind, now):  # type: ignore[no-untyped-def]
        if order.id == bad:
            raise RuntimeError("carrier API down")
        return real_fire(order, kind, now)

    monkeypatch.setattr(Order, "on_deadline", fire)
    for attempt in range(1, store.MAX_ATTEMPTS + 1):
        stats = sweep_checked(app, "w1")
        assert (stats.errors, stats.applied) == (1, 1 if attempt == 1 else 0)
        row = _row(app, bad, "seller_answer")
        assert row["attempts"] == attempt
        assert row["last_error"] == "RuntimeError: carrier API down"
        assert row["status"] == ("failed" if attempt == store.MAX_ATTEMPTS else "pending")
    assert sweep(app, "w1").claimed == 0  # failed rows wait for a person
    assert order_row(app, good)["state"] == "cancelled"
    assert order_row(app, bad)["state"] == "paid"
    assert refund_rows(app, bad) == []
