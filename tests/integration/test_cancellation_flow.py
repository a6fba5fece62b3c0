"""CAN flows end to end through ``perform`` and ``sweep``, on SQLite and PostgreSQL.

After every step the ledger is checked from SQL (PRT-6): ``act`` and ``sweep_checked`` do it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.errors import (
    CancellationImpossible,
    ConfirmationRequired,
    IllegalTransition,
    InvalidInput,
)
from garant.services.orders import perform, settle_refund
from garant.services.views import order_view
from garant.store import deadlines as deadline_store
from garant.store import schema as t

from .helpers import (
    Parties,
    act,
    assert_ledger_balanced,
    coupon_status,
    create_order,
    create_paid_order,
    deadline_rows,
    ledger_sums,
    make_buyer,
    make_parties,
    order_row,
    outbox_topics,
    refund_rows,
    s10_number,
    snapshot,
    sweep_checked,
    timeline_actions,
)

H72 = timedelta(hours=72)


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def _request(app: Garant, app_clock: FixedClock, p: Parties, order_id: int, reason: str) -> None:
    act(app, order_id, p.buyer, "request_cancellation", reason=reason, note="")
    status, due = deadline_rows(app, order_id)["seller_answer"]
    assert (status, due) == ("pending", app_clock.now() + H72)


def _request_row(app: Garant, order_id: int) -> tuple[str, str]:
    with app.engine.connect() as conn:
        row = conn.execute(
            select(t.cancellation_requests.c.reason, t.cancellation_requests.c.status).where(
                t.cancellation_requests.c.order_id == order_id
            )
        ).one()
    return row.reason, row.status


# ----------------------------------------------------------------------------- CAN-1


def test_can1_unpaid_order_cancelled_at_once_after_confirmation(app: Garant, p: Parties) -> None:
    order_id = create_order(app, p)
    before = snapshot(app, order_id)
    with pytest.raises(ConfirmationRequired, match="confirm it") as e:
        act(app, order_id, p.buyer, "cancel")
    assert e.value.context == {"state": "received", "allowed_actions": ["cancel"]}
    assert snapshot(app, order_id) == before

    act(app, order_id, p.buyer, "cancel", confirm=True)

    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"], row["close_fault"]) == (
        "cancelled",
        "buyer_cancelled_unpaid",
        "none",
    )
    assert timeline_actions(app, order_id) == ["order_placed", "cancel"]
    assert outbox_topics(app, order_id) == ["order.order_placed", "order.cancel"]
    assert refund_rows(app, order_id) == []
    assert ledger_sums(app, order_id).paid == 0
    assert deadline_rows(app, order_id) == {
        "abandon_unpaid": ("cancelled", row["created_at"] + H72)
    }
    assert order_view(app, order_id, p.buyer)["status"]["code"] == "cancelled"
    assert sweep_checked(app).claimed == 0


def test_can1_payment_not_verified_cancelled_at_once_and_refunded(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p, verified=False)
    assert order_row(app, order_id)["state"] == "payment_processing"
    assert deadline_rows(app, order_id) == {"abandon_unpaid": ("cancelled", clock.now() + H72)}
    with pytest.raises(ConfirmationRequired):
        act(app, order_id, p.buyer, "cancel", confirm=False)

    act(app, order_id, p.buyer, "cancel", confirm=True)

    assert order_row(app, order_id)["state"] == "cancelled"
    assert timeline_actions(app, order_id) == ["order_placed", "pay", "cancel", "refund_started"]
    assert [r["amount_cents"] for r in refund_rows(app, order_id)] == [2500]
    sums = ledger_sums(app, order_id)
    assert (sums.paid, sums.held, sums.refunded) == (2500, 0, 2500)


# ----------------------------------------------------------------------------- CAN-2/3


def test_can3_seller_approves_within_72h_cancelled_and_refunded(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    _request(app, clock, p, order_id, "seller_out_of_stock")
    clock.advance(timedelta(hours=71))
    assert sweep_checked(app).claimed == 0

    act(app, order_id, p.seller, "approve_cancellation")

    row = order_row(app, order_id)
    # CAN-9: a reason naming the seller's failure counts against the seller.
    assert (row["state"], row["close_reason"], row["close_fault"]) == (
        "cancelled",
        "seller_out_of_stock",
        "seller",
    )
    assert _request_row(app, order_id) == ("seller_out_of_stock", "approved")
    assert timeline_actions(app, order_id)[-3:] == [
        "request_cancellation",
        "approve_cancellation",
        "refund_started",
    ]
    refunds = refund_rows(app, order_id)
    assert [(r["amount_cents"], r["reason"]) for r in refunds] == [
        (2500, "cancellation: seller_out_of_stock")
    ]
    deadlines = deadline_rows(app, order_id)
    assert {k: s for k, (s, _) in deadlines.items()} == {
        "abandon_unpaid": "cancelled",
        "seller_answer": "cancelled",
        "ship_by": "cancelled",
    }

    clock.advance(timedelta(hours=2))
    assert sweep_checked(app).claimed == 0
    assert timeline_actions(app, order_id).count("expire_cancellation_request") == 0

    # CAN-11: the buyer sees when the refund starts; ORD-1: "remboursée" once it arrived.
    view = order_view(app, order_id, p.buyer)
    assert view["status"]["code"] == "cancelled"
    assert (view["refunds"][0]["expected_from"], view["refunds"][0]["expected_to"]) == (
        "2026-11-17",  # 7 business days in France after Thu 5 Nov (11 Nov is a holiday)
        "2026-11-27",  # 15 business days
    )
    settle_refund(app, actor=p.operator, refund_id=refunds[0]["id"])
    assert order_view(app, order_id, p.buyer)["status"]["code"] == "refunded"
    with pytest.raises(InvalidInput, match="already settled"):
        settle_refund(app, actor=p.operator, refund_id=refunds[0]["id"])
    assert_ledger_balanced(app, order_id)


def test_can3_buyer_may_withdraw_then_the_seller_can_no_longer_approve(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    _request(app, clock, p, order_id, "found_cheaper")
    act(app, order_id, p.buyer, "withdraw_cancellation")
    assert deadline_rows(app, order_id)["seller_answer"][0] == "cancelled"
    assert _request_row(app, order_id) == ("found_cheaper", "withdrawn")
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="no open cancellation request"):
        act(app, order_id, p.seller, "approve_cancellation")
    assert snapshot(app, order_id) == before
    clock.advance(H72 + timedelta(hours=1))
    assert sweep_checked(app).claimed == 0
    assert order_row(app, order_id)["state"] == "paid"


# ----------------------------------------------------------------------------- CAN-4


def test_can4_auto_cancel_after_72h(
    app: Garant, clock: FixedClock, p: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = create_paid_order(app, p)
    requested_at = clock.now()
    _request(app, clock, p, order_id, "other_reasons")

    clock.advance(timedelta(hours=71))
    before = snapshot(app, order_id)
    assert sweep_checked(app).claimed == 0
    assert snapshot(app, order_id) == before

    clock.advance(timedelta(hours=2))

    # The effect, its timeline and its outbox rows share one transaction: a failure just
    # before commit leaves none of them behind (and the deadline is retried).
    def fail(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(deadline_store, "finish", fail)
    stats = sweep_checked(app)
    assert (stats.claimed, stats.applied, stats.errors) == (1, 0, 1)
    after_failure = snapshot(app, order_id)
    assert after_failure.row == before.row
    assert (after_failure.timeline, after_failure.outbox, after_failure.ledger) == (
        before.timeline,
        before.outbox,
        before.ledger,
    )
    assert after_failure.refunds == 0
    assert deadline_rows(app, order_id)["seller_answer"][0] == "pending"
    monkeypatch.undo()

    stats = sweep_checked(app)
    assert (stats.claimed, stats.applied, stats.errors) == (1, 1, 0)

    row = order_row(app, order_id)
    # CAN-9: "autres raisons" never counts against the seller.
    assert (row["state"], row["close_reason"], row["close_fault"]) == (
        "cancelled",
        "other_reasons",
        "none",
    )
    assert _request_row(app, order_id) == ("other_reasons", "expired")
    actions = timeline_actions(app, order_id)
    assert actions == [
        "order_placed",
        "pay",
        "verify_payment",
        "request_cancellation",
        "expire_cancellation_request",
        "refund_started",
    ]
    assert outbox_topics(app, order_id) == [f"order.{a}" for a in actions]
    refunds = refund_rows(app, order_id)
    assert [(r["amount_cents"], r["reason"]) for r in refunds] == [
        (2500, "cancellation: other_reasons")
    ]
    assert (refunds[0]["expected_from"], refunds[0]["expected_to"]) == (
        date(2026, 11, 17),
        date(2026, 11, 27),
    )
    sums = ledger_sums(app, order_id)
    assert (sums.paid, sums.held, sums.released, sums.refunded) == (2500, 0, 0, 2500)
    assert deadline_rows(app, order_id) == {
        "abandon_unpaid": ("cancelled", requested_at + H72),
        "seller_answer": ("done", requested_at + H72),
        "ship_by": ("cancelled", requested_at + timedelta(hours=120)),
    }

    # Only the system expires a request: the timeline says who.
    with app.engine.connect() as conn:
        who = conn.execute(
            select(t.timeline.c.actor_role, t.timeline.c.actor_id, t.timeline.c.at).where(
                t.timeline.c.order_id == order_id,
                t.timeline.c.action == "expire_cancellation_request",
            )
        ).one()
    assert tuple(who) == ("system", None, requested_at + timedelta(hours=73))

    clock.advance(timedelta(days=30))
    assert sweep_checked(app).claimed == 0
    assert timeline_actions(app, order_id) == actions


def test_can4_a_late_answer_does_not_override_the_automatic_cancellation(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    """The 72 h take effect at their time, not when a worker gets to them: a seller who
    declines a minute late finds the order already cancelled, whatever the worker's delay."""
    order_id = create_paid_order(app, p)
    _request(app, clock, p, order_id, "no_longer_needed")
    clock.advance(H72 + timedelta(minutes=1))  # the worker has not swept yet
    with pytest.raises(IllegalTransition) as refused:
        act(app, order_id, p.seller, "decline_cancellation", tracking_number=s10_number())
    assert refused.value.state == "cancelled" and refused.value.allowed == []
    row = order_row(app, order_id)
    assert (row["state"], row["tracking_number"]) == ("cancelled", None)
    assert timeline_actions(app, order_id)[-2:] == ["expire_cancellation_request",
                                                    "refund_started"]
    assert sweep_checked(app).applied == 0  # nothing left for the worker


# ----------------------------------------------------------------------------- CAN-5/6


def test_can5_seller_declines_with_a_valid_tracking_number(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    _request(app, clock, p, order_id, "delivery_too_long")
    number = s10_number("47512089", "RR", "CN")
    assert number == "RR475120895CN"

    act(app, order_id, p.seller, "decline_cancellation", tracking_number=number.lower())

    row = order_row(app, order_id)
    assert (row["state"], row["tracking_number"], row["carrier"]) == (
        "shipped",
        number,
        "china_post",
    )
    assert row["closed_at"] is None
    assert _request_row(app, order_id) == ("delivery_too_long", "declined")
    assert refund_rows(app, order_id) == []
    sums = ledger_sums(app, order_id)
    assert (sums.paid, sums.held, sums.refunded) == (2500, 2500, 0)
    assert {k: s for k, (s, _) in deadline_rows(app, order_id).items()} == {
        "abandon_unpaid": "cancelled",
        "seller_answer": "cancelled",
        "ship_by": "cancelled",
        "protection_end": "pending",  # PRT-1: now the money waits for receipt
    }
    assert timeline_actions(app, order_id)[-2:] == ["request_cancellation", "decline_cancellation"]

    # The buyer keeps every later remedy (CAN-5), cancellation is over (CAN-6).
    view = order_view(app, order_id, p.buyer)
    assert [r["code"] for r in view["remedies"]] == ["contact_seller", "return", "dispute"]
    before = snapshot(app, order_id)
    with pytest.raises(CancellationImpossible) as e:
        act(app, order_id, p.buyer, "request_cancellation", reason="other_reasons")
    assert e.value.context["remedies"] == ["contact_seller", "return", "dispute"]
    assert snapshot(app, order_id) == before

    clock.advance(H72 + timedelta(hours=1))
    assert sweep_checked(app).claimed == 0
    assert order_row(app, order_id)["state"] == "shipped"


# ----------------------------------------------------------------------------- CAN-7


def test_can7_ship_by_missed_cancels_and_refunds(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p, shipping_method="eu_warehouse")  # 48 h handling
    ship_by = clock.now() + timedelta(hours=48)
    assert order_row(app, order_id)["ship_by"] == ship_by
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", ship_by)
    view = order_view(app, order_id, p.buyer)
    assert view["deadlines"][0]["seconds_left"] == 48 * 3600

    clock.advance(timedelta(hours=47, minutes=59))
    assert sweep_checked(app).claimed == 0
    clock.advance(timedelta(minutes=1))
    stats = sweep_checked(app)
    assert (stats.claimed, stats.applied) == (1, 1)

    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"], row["close_fault"], row["ship_by"]) == (
        "cancelled",
        "ship_by_missed",
        "seller",
        None,
    )
    assert timeline_actions(app, order_id)[-2:] == ["miss_ship_by", "refund_started"]
    assert [(r["amount_cents"], r["reason"]) for r in refund_rows(app, order_id)] == [
        (2500, "not shipped in time")
    ]
    assert deadline_rows(app, order_id)["ship_by"] == ("done", ship_by)
    assert sweep_checked(app).claimed == 0


def test_can7_ship_by_missed_while_a_request_waits_cancels_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p, shipping_method="eu_warehouse")
    clock.advance(timedelta(hours=1))
    _request(app, clock, p, order_id, "no_longer_needed")
    clock.advance(timedelta(hours=80))  # both deadlines are now due

    stats = sweep_checked(app)
    assert (stats.applied, stats.errors) == (1, 0)
    assert stats.claimed in (1, 2)  # the second, if claimed, is found obsolete
    assert stats.obsolete == stats.claimed - 1
    actions = timeline_actions(app, order_id)
    assert actions.count("miss_ship_by") == 1
    assert actions.count("expire_cancellation_request") == 0
    assert actions.count("refund_started") == 1
    assert _request_row(app, order_id) == ("no_longer_needed", "expired")
    assert len(refund_rows(app, order_id)) == 1
    assert deadline_rows(app, order_id)["seller_answer"][0] in ("cancelled", "obsolete")
    assert sweep_checked(app).claimed == 0


# ----------------------------------------------------------------------------- CAN-8


def test_can8_accepted_extension_moves_the_deadline_row(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)  # ship-by in 120 h
    ship_by = clock.now() + timedelta(hours=120)
    act(app, order_id, p.seller, "request_extension", days=3, reason="stock arrives Friday")
    # Asked is not granted: nothing moves until the buyer agrees.
    assert order_row(app, order_id)["ship_by"] == ship_by
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", ship_by)
    assert order_view(app, order_id, p.buyer)["extension_request"] == {"days": 3}

    act(app, order_id, p.buyer, "accept_extension")
    moved = ship_by + timedelta(days=3)
    assert order_row(app, order_id)["ship_by"] == moved
    assert order_row(app, order_id)["extensions_granted"] == 1
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", moved)

    clock.advance(timedelta(hours=121))
    assert sweep_checked(app).claimed == 0
    assert order_row(app, order_id)["state"] == "paid"
    clock.advance(timedelta(days=3))
    assert sweep_checked(app).applied == 1
    assert order_row(app, order_id)["close_reason"] == "ship_by_missed"


def test_can8_declined_extension_keeps_the_deadline(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = create_paid_order(app, p)
    ship_by = clock.now() + timedelta(hours=120)
    act(app, order_id, p.seller, "request_extension", days=5, reason="")
    act(app, order_id, p.buyer, "decline_extension")
    assert order_row(app, order_id)["ship_by"] == ship_by
    assert order_row(app, order_id)["extension_days_pending"] is None
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", ship_by)
    assert timeline_actions(app, order_id)[-2:] == ["request_extension", "decline_extension"]
    clock.advance(timedelta(hours=120))
    assert sweep_checked(app).applied == 1
    assert order_row(app, order_id)["state"] == "cancelled"


# ----------------------------------------------------------------------------- CAN-10


def test_can10_promo_code_reused_on_another_checkout_is_flagged_at_creation(
    app: Garant, p: Parties
) -> None:
    coupon = {"code": "bienvenue5", "kind": "platform", "amount": "5.00"}
    first = create_order(app, p, coupons=[coupon], checkout_id="CHK-1")
    same_checkout = create_order(app, p, coupons=[coupon], checkout_id="CHK-1")
    other_buyer = make_buyer(app)
    reused = create_order(app, p, buyer=other_buyer, coupons=[coupon], checkout_id="CHK-2")

    assert order_row(app, first)["security_flag"] is None
    assert order_row(app, same_checkout)["security_flag"] is None
    assert timeline_actions(app, same_checkout) == ["order_placed"]
    assert order_row(app, reused)["security_flag"] == "promo_code_reused"
    assert timeline_actions(app, reused) == ["order_placed", "security_review"]
    assert outbox_topics(app, reused) == ["order.order_placed", "order.security_review"]
    with app.engine.connect() as conn:
        codes = conn.execute(select(t.coupons.c.code)).scalars().all()
        uses = conn.execute(select(t.coupon_uses.c.order_id).order_by("order_id")).scalars().all()
    assert codes == ["BIENVENUE5"]
    assert uses == [first, same_checkout, reused]
    view = order_view(app, reused, p.agent)
    assert view["security"]["reason"] == "promo_code_reused"


def test_can10_security_cancel_refunds_and_tells_the_buyer_what_to_do(
    app: Garant, p: Parties
) -> None:
    coupon = {"code": "PROMO10", "kind": "seller", "amount": "10.00"}
    create_order(app, p, coupons=[coupon], checkout_id="A")
    order_id = create_order(app, p, coupons=[coupon], checkout_id="B")
    act(app, order_id, p.operator, "pay", amount="25.00", verified=True)

    act(app, order_id, p.agent, "security_cancel", reason="promo_code_reused")

    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"], row["close_fault"]) == (
        "cancelled",
        "security:promo_code_reused",
        "none",
    )
    assert [(r["amount_cents"], r["reason"]) for r in refund_rows(app, order_id)] == [
        (2500, "security cancellation: promo_code_reused")
    ]
    assert timeline_actions(app, order_id) == [
        "order_placed",
        "security_review",
        "pay",
        "verify_payment",
        "security_cancel",
        "refund_started",
        "coupon_not_returned",
    ]
    security = order_view(app, order_id, p.buyer)["security"]
    assert security["reason"] == "promo_code_reused"
    assert security["en"] == "The promo code was already used on another order."
    assert security["next_step_en"].startswith("Place the order again without that code")


def test_can10_payment_unverified_security_cancel_before_verification(
    app: Garant, p: Parties
) -> None:
    order_id = create_paid_order(app, p, verified=False)
    act(app, order_id, p.agent, "security_cancel", reason="payment_unverified")
    assert order_row(app, order_id)["close_reason"] == "security:payment_unverified"
    assert [r["amount_cents"] for r in refund_rows(app, order_id)] == [2500]


# ----------------------------------------------------------------------------- CAN-12


def test_can12_platform_coupon_returned_only_when_all_its_orders_are_cancelled(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    coupon = {
        "code": "CHOICE3",
        "kind": "platform",
        "amount": "3.00",
        "expires_at": clock.now() + timedelta(days=30),
    }
    a = create_order(app, p, coupons=[coupon], checkout_id="CHK")
    b = create_paid_order(app, p, coupons=[coupon], checkout_id="CHK")

    act(app, a, p.buyer, "cancel", confirm=True)
    assert timeline_actions(app, a)[-1] == "coupon_not_returned"
    assert coupon_status(app, "CHOICE3") == "active"

    _request(app, clock, p, b, "no_longer_needed")
    act(app, b, p.seller, "approve_cancellation")
    assert timeline_actions(app, b)[-3:] == [
        "approve_cancellation",
        "refund_started",
        "coupon_returned",
    ]
    assert coupon_status(app, "CHOICE3") == "returned"
    with app.engine.connect() as conn:
        reasons = conn.execute(
            select(t.timeline.c.order_id, t.timeline.c.reason)
            .where(t.timeline.c.action.like("coupon_%"))
            .order_by(t.timeline.c.id)
        ).all()
    assert [tuple(r) for r in reasons] == [
        (a, "other_items_not_cancelled"),
        (b, "all_items_cancelled"),
    ]


def test_can12_coupon_not_returned_while_another_order_went_on(app: Garant, p: Parties) -> None:
    coupon = {"code": "PLAT7", "kind": "platform", "amount": "7.00"}
    kept = create_paid_order(app, p, coupons=[coupon], checkout_id="CHK")
    cancelled = create_order(app, p, coupons=[coupon], checkout_id="CHK")
    act(app, kept, p.seller, "ship", tracking_number=s10_number())
    act(app, kept, p.buyer, "confirm_receipt")
    act(app, cancelled, p.buyer, "cancel", confirm=True)
    assert timeline_actions(app, cancelled)[-1] == "coupon_not_returned"
    assert coupon_status(app, "PLAT7") == "active"
    sums = ledger_sums(app, kept)
    assert (sums.paid, sums.held, sums.released, sums.refunded) == (2500, 0, 2500, 0)


def test_can12_expired_platform_coupon_is_not_returned(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    coupon = {
        "code": "SHORT1",
        "kind": "platform",
        "amount": "1.00",
        "expires_at": clock.now() + timedelta(hours=1),
    }
    order_id = create_order(app, p, coupons=[coupon])
    clock.advance(timedelta(hours=1))
    act(app, order_id, p.buyer, "cancel", confirm=True)
    assert timeline_actions(app, order_id)[-1] == "coupon_not_returned"
    with app.engine.connect() as conn:
        reason = conn.execute(
            select(t.timeline.c.reason).where(
                t.timeline.c.order_id == order_id, t.timeline.c.action == "coupon_not_returned"
            )
        ).scalar_one()
    assert reason == "coupon_expired"
    assert coupon_status(app, "SHORT1") == "active"


def test_can12_seller_code_is_never_returned(app: Garant, clock: FixedClock, p: Parties) -> None:
    coupon = {"code": "SHOP20", "kind": "seller", "amount": "2.00"}
    order_id = create_paid_order(app, p, coupons=[coupon])
    _request(app, clock, p, order_id, "seller_changed_price")
    clock.advance(H72)
    assert sweep_checked(app).applied == 1
    with app.engine.connect() as conn:
        entry = conn.execute(
            select(t.timeline.c.reason, t.timeline.c.data).where(
                t.timeline.c.order_id == order_id, t.timeline.c.action.like("coupon_%")
            )
        ).one()
    assert tuple(entry) == ("seller_code_never_returned", {"code": "SHOP20", "kind": "seller"})
    assert coupon_status(app, "SHOP20") == "active"


# ----------------------------------------------------------------------------- CAN-13


def _shipment_cancelled(app: Garant, p: Parties) -> tuple[int, str]:
    order_id = create_paid_order(app, p)
    first = s10_number("11111111", "LX", "CN")
    act(app, order_id, p.seller, "ship", tracking_number=first)
    act(app, order_id, p.agent, "report_shipment_cancelled", reason="never collected")
    assert order_row(app, order_id)["state"] == "shipment_cancelled"
    assert order_view(app, order_id, p.buyer)["allowed_actions"] == [
        "choose_reshipment",
        "choose_refund",
    ]
    return order_id, first


def test_can13_shipment_cancelled_buyer_chooses_reshipment_with_a_new_number(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id, first = _shipment_cancelled(app, p)
    clock.advance(timedelta(days=2))
    act(app, order_id, p.buyer, "choose_reshipment")
    new_ship_by = clock.now() + timedelta(hours=120)
    row = order_row(app, order_id)
    assert (row["state"], row["tracking_number"], row["ship_by"]) == ("paid", None, new_ship_by)
    assert row["previous_tracking_numbers"] == [first]
    assert deadline_rows(app, order_id)["ship_by"] == ("pending", new_ship_by)

    before = snapshot(app, order_id)
    with pytest.raises(InvalidInput, match="needs a new tracking number"):
        act(app, order_id, p.seller, "ship", tracking_number=first.lower())
    assert snapshot(app, order_id) == before

    second = s10_number("22222222", "LX", "CN")
    act(app, order_id, p.seller, "ship", tracking_number=second)
    row = order_row(app, order_id)
    assert (row["state"], row["tracking_number"]) == ("shipped", second)
    assert deadline_rows(app, order_id)["ship_by"] == ("cancelled", new_ship_by)
    assert refund_rows(app, order_id) == []
    sums = ledger_sums(app, order_id)
    assert (sums.paid, sums.held) == (2500, 2500)


def test_can13_shipment_cancelled_buyer_chooses_refund(app: Garant, p: Parties) -> None:
    order_id, _ = _shipment_cancelled(app, p)
    act(app, order_id, p.buyer, "choose_refund")
    row = order_row(app, order_id)
    assert (row["state"], row["close_reason"], row["close_fault"]) == (
        "cancelled",
        "shipment_failed",
        "seller",
    )
    assert [(r["amount_cents"], r["reason"]) for r in refund_rows(app, order_id)] == [
        (2500, "shipment cancelled or returned")
    ]
    assert timeline_actions(app, order_id)[-4:] == [
        "ship",
        "report_shipment_cancelled",
        "choose_refund",
        "refund_started",
    ]
    before = snapshot(app, order_id)
    with pytest.raises(IllegalTransition, match="'choose_refund' is not allowed"):
        perform(app, order_id=order_id, actor=p.buyer, action="choose_refund", params={})
    assert snapshot(app, order_id) == before


@pytest.mark.parametrize(
    ("coupon", "message"),
    [
        ({"code": "X1", "kind": "voucher"}, "unknown coupon kind 'voucher'"),
        ({"code": " ", "kind": "platform"}, "a coupon needs a code"),
        ({"code": "X1", "amount": "-1.00"}, "cannot be negative"),
        ({"code": "X1", "amount": "1.001"}, "at most two decimals"),
        ({"code": "X1", "expires_at": "next week"}, "expires_at"),
        ({"code": "X1", "expires_at": datetime(2027, 1, 1)}, "expires_at"),
    ],
    ids=["kind", "blank_code", "negative", "three_decimals", "not_a_date", "naive_date"],
)
def test_can12_bad_coupon_refused_and_no_order_created(
    app: Garant, p: Parties, coupon: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_order(app, p, coupons=[coupon])
    with app.engine.connect() as conn:
        for table in (t.orders, t.coupons, t.coupon_uses, t.timeline, t.outbox, t.deadlines):
            assert conn.execute(select(table)).all() == []


def test_can12_one_code_twice_in_one_order_is_refused(app: Garant, p: Parties) -> None:
    coupon = {"code": "DOUBLE", "kind": "platform"}
    with pytest.raises(InvalidInput, match="DOUBLE"):
        create_order(app, p, coupons=[coupon, {**coupon, "code": "double"}])
    with app.engine.connect() as conn:
        assert conn.execute(select(t.orders)).all() == []


def test_can12_expiry_given_as_iso_text_is_understood(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    expires = clock.now() + timedelta(days=2)
    order_id = create_order(
        app, p, coupons=[{"code": "ISO1", "kind": "platform", "expires_at": expires.isoformat()}]
    )
    with app.engine.connect() as conn:
        stored = conn.execute(select(t.coupons.c.expires_at)).scalar_one()
    assert stored == expires
    act(app, order_id, p.buyer, "cancel", confirm=True)
    assert coupon_status(app, "ISO1") == "returned"
