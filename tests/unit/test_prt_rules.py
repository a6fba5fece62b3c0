"""PRT-1..PRT-6 on the pure order aggregate: escrow, protection period, Choice guarantee,
dispute windows, refund dates and the refund ceiling (no database, fixed clock)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from domain_builders import (
    AGENT,
    BUYER,
    DAY,
    DELIVERED_AT,
    SELLER,
    SHIPPED_AT,
    T0,
    TOTAL,
    TRACKING_2,
    assert_unchanged,
    at,
    delivered_order,
    in_transit_order,
    open_dispute,
    protected_order,
    refuse,
)

from garant.domain.cancellation import Fault, RefundWindow
from garant.domain.disputes import DisputeState
from garant.domain.errors import (
    IllegalTransition,
    InvalidInput,
    MoneyError,
    OutsideDisputeWindow,
)
from garant.domain.money import Account, Balances, EntryKind, LedgerEntry, refund_entry
from garant.domain.orders import Deadline, DeadlineKind, Order
from garant.domain.transitions import OrderState

HELD = Balances(paid=TOTAL, held=TOTAL)
RELEASED = Balances(paid=TOTAL, released=TOTAL)
REFUNDED = Balances(paid=TOTAL, refunded=TOTAL)
PROTECTION_END = T0 + 60 * DAY  # the default category
WINDOW_AFTER_DELIVERY = DELIVERED_AT + 15 * DAY
OPENED = DELIVERED_AT + DAY


def _entries(order: Order) -> list[tuple[EntryKind, int]]:
    return [(e.kind, e.amount_cents) for e in order.new_entries]


def _actions_since(order: Order, start: int) -> list[str]:
    return [e.action for e in order.new_timeline[start:]]


def _deadline(order: Order, kind: DeadlineKind) -> Deadline | None:
    return next((d for d in order.deadlines() if d.kind is kind), None)


def _balanced(order: Order) -> None:
    b = order.balances
    assert b.paid == b.held + b.released + b.refunded
    assert b.balanced
    assert Balances.of(order.new_entries) == b


# ----------------------------------------------------------------------------- PRT-1


def test_prt1_money_is_held_after_delivery_until_the_buyer_confirms() -> None:
    order = delivered_order()
    assert order.state is OrderState.DELIVERED
    assert order.balances == HELD
    assert _entries(order) == [(EntryKind.CAPTURE, TOTAL), (EntryKind.HOLD, TOTAL)]


def test_prt1_confirm_receipt_releases_everything_held() -> None:
    order = delivered_order()
    start = len(order.new_timeline)
    order.confirm_receipt(BUYER, OPENED)
    assert order.state is OrderState.COMPLETED
    assert order.completed_at == OPENED
    assert order.new_entries[2:] == [LedgerEntry(EntryKind.RELEASE, TOTAL, "receipt confirmed")]
    assert order.balances == RELEASED
    assert _actions_since(order, start) == ["confirm_receipt", "funds_released"]
    assert order.new_timeline[-1].data == {"amount": "25.99"}
    assert order.new_refunds == []
    assert _deadline(order, DeadlineKind.PROTECTION_END) is None


def test_prt1_confirm_receipt_refused_while_a_dispute_is_open() -> None:
    order = open_dispute(delivered_order(), OPENED)
    err = refuse(
        order,
        lambda: order.confirm_receipt(BUYER, OPENED + DAY),
        IllegalTransition,
        "illegal_transition",
        state="delivered",
        allowed=[],
    )
    assert err.message == (
        "'confirm_receipt' is not allowed while the order is 'delivered' "
        "(a dispute is open: its outcome decides where the money goes). Allowed now: none."
    )
    assert order.balances == HELD


# ----------------------------------------------------------------------------- PRT-1/2


@pytest.mark.parametrize(
    ("category", "days"),
    [("default", 60), ("electronics", 90), ("home", 75), ("fashion", 60), ("garden", 60)],
)
def test_prt2_protection_end_is_payment_plus_the_category_period(category: str, days: int) -> None:
    order = in_transit_order(category=category)
    assert order.protection_end() == T0 + days * DAY
    assert order.deadlines() == [Deadline(DeadlineKind.PROTECTION_END, T0 + days * DAY)]


def test_prt2_no_protection_deadline_before_shipment() -> None:
    order = protected_order(category="electronics")
    assert order.protection_end() == T0 + 90 * DAY
    assert [d.kind for d in order.deadlines()] == [DeadlineKind.SHIP_BY]


def test_prt1_protection_end_not_yet_due_changes_nothing() -> None:
    order = delivered_order()
    before = copy.deepcopy(order)
    early = PROTECTION_END - timedelta(seconds=1)
    assert order.on_deadline(DeadlineKind.PROTECTION_END, early) is False
    assert_unchanged(order, before)


def test_prt1_protection_end_confirms_receipt_and_releases_the_money() -> None:
    order = delivered_order()
    start = len(order.new_timeline)
    assert order.on_deadline(DeadlineKind.PROTECTION_END, PROTECTION_END) is True
    assert order.state is OrderState.COMPLETED
    assert order.completed_at == PROTECTION_END
    assert order.new_entries[2:] == [
        LedgerEntry(EntryKind.RELEASE, TOTAL, "protection period ended")
    ]
    assert order.balances == RELEASED
    assert _actions_since(order, start) == ["auto_confirm_receipt", "funds_released"]
    assert {e.actor_role for e in order.new_timeline[start:]} == {"system"}
    assert order.deadlines() == []


def test_prt1_protection_end_absent_while_a_dispute_is_open() -> None:
    order = open_dispute(delivered_order(), OPENED)
    assert _deadline(order, DeadlineKind.PROTECTION_END) is None
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.PROTECTION_END, PROTECTION_END) is False
    assert_unchanged(order, before)


def test_prt1_protection_end_comes_back_when_the_dispute_is_withdrawn() -> None:
    order = open_dispute(delivered_order(), OPENED)
    order.withdraw_dispute(BUYER, OPENED + DAY)
    assert _deadline(order, DeadlineKind.PROTECTION_END) == Deadline(
        DeadlineKind.PROTECTION_END, PROTECTION_END
    )
    assert order.on_deadline(DeadlineKind.PROTECTION_END, PROTECTION_END) is True
    assert order.state is OrderState.COMPLETED
    assert order.balances == RELEASED


# ----------------------------------------------------------------------------- PRT-3


def test_prt3_choice_guarantee_deadline_is_30_days_after_payment() -> None:
    order = in_transit_order(is_choice=True)
    assert _deadline(order, DeadlineKind.CHOICE_GUARANTEE) == Deadline(
        DeadlineKind.CHOICE_GUARANTEE, T0 + 30 * DAY
    )


def test_prt3_choice_order_not_delivered_in_30_days_is_refunded_in_full() -> None:
    order = in_transit_order(is_choice=True)
    start = len(order.new_timeline)
    assert order.on_deadline(DeadlineKind.CHOICE_GUARANTEE, T0 + 30 * DAY) is True
    assert order.state is OrderState.CANCELLED
    assert (order.close_reason, order.close_fault) == ("choice_not_delivered", Fault.SELLER)
    assert order.closed_at == T0 + 30 * DAY
    assert _entries(order)[2:] == [(EntryKind.REFUND, TOTAL)]
    assert [(r.amount_cents, r.reason) for r in order.new_refunds] == [
        (TOTAL, "Choice order not delivered within 30 days")
    ]
    assert order.balances == REFUNDED
    assert _actions_since(order, start) == ["refund_late_choice", "refund_started"]
    assert order.deadlines() == []


def test_prt3_choice_guarantee_not_due_before_30_days_changes_nothing() -> None:
    order = in_transit_order(is_choice=True)
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.CHOICE_GUARANTEE, T0 + 30 * DAY - DAY) is False
    assert_unchanged(order, before)


def test_prt3_non_choice_order_has_no_guarantee_deadline() -> None:
    order = in_transit_order(is_choice=False)
    assert _deadline(order, DeadlineKind.CHOICE_GUARANTEE) is None
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.CHOICE_GUARANTEE, T0 + 31 * DAY) is False
    assert_unchanged(order, before)


def test_prt3_delivered_choice_order_has_no_guarantee_deadline() -> None:
    order = delivered_order(is_choice=True)
    assert _deadline(order, DeadlineKind.CHOICE_GUARANTEE) is None
    assert order.on_deadline(DeadlineKind.CHOICE_GUARANTEE, T0 + 31 * DAY) is False
    assert order.state is OrderState.DELIVERED
    assert order.balances == HELD


def test_prt3_choice_guarantee_closes_an_open_dispute_in_the_buyers_favour() -> None:
    order = open_dispute(in_transit_order(is_choice=True), T0 + 27 * DAY, reason="not_received")
    assert order.on_deadline(DeadlineKind.CHOICE_GUARANTEE, T0 + 30 * DAY) is True
    d = order.dispute
    assert d is not None
    assert d.state is DisputeState.RESOLVED
    assert d.closed_at == T0 + 30 * DAY
    assert d.outcome == {
        "kind": "full_refund",
        "amount": None,
        "amount_cents": None,
        "how": "choice_guarantee",
        "in_favour_of": "buyer",
        "by": "system",
    }
    assert order.state is OrderState.CANCELLED
    assert order.close_reason == "choice_not_delivered"
    assert order.balances == REFUNDED
    assert order.deadlines() == []


def test_prt3_reshipment_agreed_in_a_dispute_waives_the_guarantee_for_good() -> None:
    order = open_dispute(
        in_transit_order(is_choice=True),
        T0 + 5 * DAY,
        reason="not_received",
        resolution={"kind": "reshipment"},
    )
    order.accept_request(SELLER, T0 + 6 * DAY)
    order.ship(SELLER, T0 + 7 * DAY, TRACKING_2, "china_post")
    assert _deadline(order, DeadlineKind.CHOICE_GUARANTEE) is None
    # a dispute on the new parcel, then withdrawn, must not bring back the 30-day guarantee
    # (already past: it would cancel and refund the order at once)
    open_dispute(order, T0 + 40 * DAY, reason="not_received")
    assert _deadline(order, DeadlineKind.CHOICE_GUARANTEE) is None
    order.withdraw_dispute(BUYER, T0 + 41 * DAY)
    assert order.deadlines() == [Deadline(DeadlineKind.PROTECTION_END, T0 + 66 * DAY)]
    assert order.on_deadline(DeadlineKind.CHOICE_GUARANTEE, T0 + 41 * DAY) is False
    assert order.state is OrderState.SHIPPED
    assert order.balances == HELD


# ----------------------------------------------------------------------------- PRT-4


def test_prt4_dispute_window_after_delivery_runs_from_shipment_to_delivery_plus_15_days() -> None:
    order = delivered_order()
    assert order.dispute_window() == (SHIPPED_AT, WINDOW_AFTER_DELIVERY, "delivery")


def test_prt4_dispute_opened_on_the_last_second_of_the_window() -> None:
    order = open_dispute(delivered_order(), WINDOW_AFTER_DELIVERY)
    assert order.dispute is not None
    assert order.dispute.state is DisputeState.AWAITING_SELLER
    assert order.dispute.opened_at == WINDOW_AFTER_DELIVERY


def test_prt4_dispute_refused_after_window_with_dates() -> None:
    order = delivered_order()
    late = WINDOW_AFTER_DELIVERY + timedelta(seconds=1)
    assert order.can_open_dispute(late) is False
    err = refuse(
        order,
        lambda: open_dispute(order, late),
        OutsideDisputeWindow,
        "outside_dispute_window",
        state="delivered",
    )
    assert err.http_status == 409
    assert err.context == {
        "state": "delivered",
        "window_opens": SHIPPED_AT.isoformat(),
        "window_closes": WINDOW_AFTER_DELIVERY.isoformat(),
        "basis": "delivery",
    }
    assert err.message == (
        f"a dispute could be opened from {SHIPPED_AT.isoformat()} until "
        f"{WINDOW_AFTER_DELIVERY.isoformat()} (15 days after the delivery on "
        f"{DELIVERED_AT.isoformat()}); it is now {late.isoformat()}"
    )
    assert order.dispute is None


def test_prt4_never_delivered_window_ends_15_days_after_protection() -> None:
    order = in_transit_order()
    closes = PROTECTION_END + 15 * DAY
    assert order.dispute_window() == (SHIPPED_AT, closes, "protection_end")
    open_dispute(order, closes, reason="not_received")
    assert order.dispute is not None
    assert order.dispute.reason == "not_received"


def test_prt4_never_delivered_dispute_refused_after_protection_plus_15_days() -> None:
    order = in_transit_order(category="electronics")
    closes = T0 + 90 * DAY + 15 * DAY
    late = closes + timedelta(seconds=1)
    err = refuse(
        order,
        lambda: open_dispute(order, late, reason="not_received"),
        OutsideDisputeWindow,
        "outside_dispute_window",
        state="shipped",
    )
    assert err.context["window_closes"] == closes.isoformat()
    assert err.context["basis"] == "protection_end"
    assert "15 days after the protection period, the parcel never having arrived" in err.message
    assert closes.isoformat() in err.message


def test_prt4_dispute_refused_before_shipment() -> None:
    order = protected_order()
    assert order.dispute_window() is None
    assert order.can_open_dispute(at(1)) is False
    err = refuse(
        order,
        lambda: open_dispute(order, at(1), reason="not_received"),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["request_cancellation"],
    )
    assert "a dispute is for an order that has been shipped" in err.message


def test_prt4_dispute_on_a_confirmed_order_recovers_the_released_money() -> None:
    order = delivered_order()
    order.confirm_receipt(BUYER, OPENED)
    assert order.balances == RELEASED
    start = len(order.new_timeline)
    open_dispute(order, OPENED + DAY)
    assert order.new_entries[3:] == [
        LedgerEntry(EntryKind.RECOVER, TOTAL, "frozen for the dispute")
    ]
    recover = order.new_entries[3]
    assert (recover.source, recover.destination) == (Account.SELLER, Account.ESCROW)
    assert order.balances == HELD
    _balanced(order)
    assert order.dispute is not None
    assert order.dispute.recovered_cents == TOTAL
    assert _actions_since(order, start) == ["open_dispute", "funds_frozen"]
    assert order.state is OrderState.COMPLETED


def test_prt4_dispute_after_protection_end_recovers_money_of_a_parcel_never_delivered() -> None:
    order = in_transit_order()
    order.on_deadline(DeadlineKind.PROTECTION_END, PROTECTION_END)
    assert order.balances == RELEASED
    open_dispute(order, PROTECTION_END + 10 * DAY, reason="not_received")
    assert _entries(order)[-1] == (EntryKind.RECOVER, TOTAL)
    assert order.balances == HELD
    _balanced(order)


def test_prt4_confirming_an_undelivered_parcel_starts_the_15_days_from_confirmation() -> None:
    order = in_transit_order()
    order.confirm_receipt(BUYER, at(24 * 5))
    assert order.dispute_window() == (SHIPPED_AT, at(24 * 5) + 15 * DAY, "delivery")


# ----------------------------------------------------------------------------- PRT-5


def test_prt5_refund_granted_by_dispute_arrives_within_15_to_30_days() -> None:
    order = open_dispute(delivered_order(), OPENED)
    granted = OPENED + DAY
    order.accept_request(SELLER, granted)
    day = granted.date()
    assert [(r.amount_cents, r.window) for r in order.new_refunds] == [
        (TOTAL, RefundWindow(day + timedelta(days=15), day + timedelta(days=30)))
    ]
    refund = next(e for e in order.new_timeline if e.action == "refund_started")
    assert refund.data == {
        "amount": "25.99",
        "expected_from": date(2026, 11, 29).isoformat(),
        "expected_to": date(2026, 12, 14).isoformat(),
    }


def test_prt5_partial_refund_by_agreement_has_the_same_window() -> None:
    order = open_dispute(delivered_order(), OPENED)
    order.make_offer(
        SELLER,
        OPENED,
        resolution={"kind": "partial_refund", "amount": "5.00"},
        message="",
        evidence=[],
    )
    order.accept_offer(BUYER, OPENED + 2 * DAY)
    day = (OPENED + 2 * DAY).date()
    assert [(r.amount_cents, r.window) for r in order.new_refunds] == [
        (500, RefundWindow(day + timedelta(days=15), day + timedelta(days=30)))
    ]


# ----------------------------------------------------------------------------- PRT-6


@pytest.mark.parametrize("amount", ["25.99", "26.00", "1000.00"])
def test_prt6_partial_refund_at_or_above_what_was_paid_refused(amount: str) -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(
            order, OPENED, resolution={"kind": "partial_refund", "amount": amount}
        ),
        InvalidInput,
        "invalid_input",
    )
    assert err.http_status == 422
    assert err.context == {"field": "resolution.amount", "paid": "25.99", "refundable": "25.99"}
    assert "ask for a full refund instead" in err.message
    assert order.dispute is None


def test_prt6_offer_above_what_was_paid_refused() -> None:
    order = open_dispute(delivered_order(), OPENED)
    for resolution in (
        {"kind": "partial_refund", "amount": "30.00"},
        {"kind": "return_and_refund", "amount": "26.00"},
    ):
        err = refuse(
            order,
            lambda r=resolution: order.make_offer(
                SELLER, OPENED, resolution=r, message="", evidence=[]
            ),
            InvalidInput,
            "invalid_input",
        )
        assert err.context["refundable"] == "25.99"
        assert err.context["paid"] == "25.99"


def test_prt6_partial_refund_then_the_rest_never_exceeds_what_was_paid() -> None:
    order = delivered_order()
    order.confirm_receipt(BUYER, OPENED)  # released, then frozen back by the dispute
    open_dispute(order, OPENED + DAY, resolution={"kind": "partial_refund", "amount": "10.00"})
    _balanced(order)
    order.accept_request(SELLER, OPENED + 2 * DAY)
    assert _entries(order) == [
        (EntryKind.CAPTURE, TOTAL),
        (EntryKind.HOLD, TOTAL),
        (EntryKind.RELEASE, TOTAL),
        (EntryKind.RECOVER, TOTAL),
        (EntryKind.REFUND, 1000),
        (EntryKind.RELEASE, TOTAL - 1000),
    ]
    assert order.balances == Balances(paid=TOTAL, held=0, released=TOTAL - 1000, refunded=1000)
    _balanced(order)
    with pytest.raises(MoneyError):
        refund_entry(order.balances, 1, "one cent more")
    # the dispute's outcome is final: no second refund through a new one
    refuse(
        order,
        lambda: open_dispute(order, OPENED + 3 * DAY),
        IllegalTransition,
        "illegal_transition",
        state="completed",
    )


def test_prt6_return_refund_plus_release_equals_what_was_paid() -> None:
    order = open_dispute(
        delivered_order(), OPENED, resolution={"kind": "return_and_refund", "amount": "20.00"}
    )
    order.accept_request(SELLER, OPENED + DAY)
    order.ship_return(BUYER, OPENED + 2 * DAY, TRACKING_2, "la_poste")
    order.confirm_return_received(SELLER, OPENED + 9 * DAY)
    assert order.balances == Balances(paid=TOTAL, held=0, released=TOTAL - 2000, refunded=2000)
    _balanced(order)
    assert sum(r.amount_cents for r in order.new_refunds) == 2000


def test_prt6_every_step_of_a_long_dispute_keeps_the_ledger_balanced() -> None:
    order = delivered_order()
    order.confirm_receipt(BUYER, OPENED)
    open_dispute(order, OPENED + DAY)
    order.contest(SELLER, OPENED + 2 * DAY, message="it left intact", evidence=[7])
    _balanced(order)
    order.on_deadline(DeadlineKind.DISPUTE_ESCALATION, OPENED + 11 * DAY)
    order.decide(AGENT, OPENED + 12 * DAY, in_favour_of="split", amount=999, note="½")
    order.on_deadline(DeadlineKind.DISPUTE_APPEAL_WINDOW, OPENED + 19 * DAY)
    assert order.balances == Balances(paid=TOTAL, released=TOTAL - 999, refunded=999)
    _balanced(order)
