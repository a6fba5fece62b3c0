"""CAN-1..CAN-13 on the pure order aggregate (no database)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from domain_builders import (
    AGENT,
    AGENT_WHEN_SHIPPED,
    BUYER,
    HANDLING,
    OPERATOR,
    SELLER,
    SELLER_WHEN_PAID,
    SELLER_WHEN_PAID_WITH_REQUEST,
    SYSTEM,
    T0,
    TOTAL,
    TRACKING,
    TRACKING_2,
    assert_unchanged,
    at,
    new_order,
    paid_order,
    refuse,
    requested_order,
    shipped_order,
)

from garant.domain.cancellation import (
    BUYER_REASONS,
    REMEDIES_AFTER_SHIPMENT,
    SECURITY_REASONS,
    CouponGiveBack,
    CouponKind,
    Fault,
    RefundWindow,
    RequestStatus,
    coupon_give_back,
    refund_start_window,
)
from garant.domain.errors import (
    CancellationImpossible,
    ConfirmationRequired,
    IllegalTransition,
    InvalidInput,
    RoleNotAllowed,
)
from garant.domain.money import Balances
from garant.domain.orders import Actor, Deadline, DeadlineKind, Order
from garant.domain.policy import DEFAULT_POLICY
from garant.domain.transitions import TRANSITIONS, Action, OrderState, Role

REFUNDED_IN_FULL = Balances(paid=TOTAL, held=0, released=0, refunded=TOTAL)
HELD = Balances(paid=TOTAL, held=TOTAL)


def _refund_plans(order: Order) -> list[tuple[int, str]]:
    return [(r.amount_cents, r.reason) for r in order.new_refunds]


# ----------------------------------------------------------------------------- CAN-1


def test_can1_unpaid_cancel_needs_confirmation() -> None:
    order = new_order()
    err = refuse(
        order,
        lambda: order.cancel(BUYER, at(1), confirmed=False),
        ConfirmationRequired,
        "confirmation_required",
        state="received",
        allowed=["cancel"],
    )
    assert err.http_status == 422
    assert err.message == "cancelling cannot be undone: confirm it (confirm: true)"


def test_can1_unpaid_cancel_confirmed_is_immediate_without_the_seller() -> None:
    order = new_order()
    order.cancel(BUYER, at(1), confirmed=True)
    assert order.state is OrderState.CANCELLED
    assert (order.close_reason, order.close_fault, order.closed_at) == (
        "buyer_cancelled_unpaid",
        Fault.NONE,
        at(1),
    )
    assert order.cancellation is None
    assert (order.new_entries, order.new_refunds, order.balances) == ([], [], Balances())
    entry = order.new_timeline[-1]
    assert (entry.action, entry.actor_role, entry.status_code) == ("cancel", "buyer", "cancelled")


def test_can1_payment_not_verified_cancels_at_once_with_refund() -> None:
    order = new_order()
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    assert order.allowed_actions(BUYER) == ["cancel"]
    order.cancel(BUYER, at(2), confirmed=True)
    assert order.state is OrderState.CANCELLED
    assert order.balances == REFUNDED_IN_FULL
    assert _refund_plans(order) == [(TOTAL, "cancelled before payment was verified")]


def test_can1_unpaid_order_awaiting_details_can_be_cancelled() -> None:
    order = new_order()
    order.request_details(SELLER, at(1), "Size?")
    order.cancel(BUYER, at(2), confirmed=True)
    assert order.state is OrderState.CANCELLED


def test_can1_paid_order_cannot_be_cancelled_directly() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.cancel(BUYER, at(1), confirmed=True),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["request_cancellation"],
    )
    assert err.message == (
        "'cancel' is not allowed while the order is 'paid'. Allowed now: request_cancellation."
    )


def test_can1_paid_order_awaiting_details_needs_a_request() -> None:
    order = paid_order()
    order.request_details(SELLER, at(1), "Colour?")
    err = refuse(
        order,
        lambda: order.cancel(BUYER, at(2), confirmed=True),
        IllegalTransition,
        "illegal_transition",
        state="awaiting_details",
        allowed=["provide_details", "request_cancellation"],
    )
    assert "(the order is paid: send a cancellation request instead)" in err.message


# ----------------------------------------------------------------------------- CAN-2


def test_can2_reasons_are_a_fixed_list_including_other_reasons() -> None:
    assert list(BUYER_REASONS) == [
        "no_longer_needed",
        "ordered_by_mistake",
        "found_cheaper",
        "delivery_too_long",
        "seller_out_of_stock",
        "seller_changed_price",
        "seller_not_shipping",
        "other_reasons",
    ]
    other = BUYER_REASONS["other_reasons"]
    assert (other.fr, other.en) == ("Autres raisons", "Other reasons")
    assert all(r.fr and r.en for r in BUYER_REASONS.values())


def test_can2_request_gives_the_seller_72h() -> None:
    order = paid_order()
    order.request_cancellation(BUYER, at(1), "found_cheaper", note="sorry")
    assert order.state is OrderState.PAID
    req = order.cancellation
    assert req is not None
    assert (req.reason, req.requested_at, req.answer_by, req.status, req.note) == (
        "found_cheaper",
        at(1),
        at(73),
        RequestStatus.OPEN,
        "sorry",
    )
    assert Deadline(DeadlineKind.SELLER_ANSWER, at(73)) in order.deadlines()
    assert order.allowed_actions(SELLER) == SELLER_WHEN_PAID_WITH_REQUEST
    assert order.allowed_actions(BUYER) == ["withdraw_cancellation"]
    assert (order.new_entries[2:], order.new_refunds) == ([], [])


def test_can2_seller_window_is_the_order_policy() -> None:
    order = paid_order(DEFAULT_POLICY.with_changes(seller_answer_hours=48))
    order.request_cancellation(BUYER, at(1), "found_cheaper")
    assert order.cancellation is not None
    assert order.cancellation.answer_by == at(49)


def test_can2_reason_must_come_from_the_list() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.request_cancellation(BUYER, at(1), "because"),
        InvalidInput,
        "invalid_input",
        state="paid",
    )
    assert err.message.startswith("unknown reason 'because'; use one of: no_longer_needed, ")
    assert err.message.endswith(", other_reasons")


@pytest.mark.parametrize("verified", [None, False])
def test_can2_unpaid_order_is_cancelled_not_requested(verified: bool | None) -> None:
    order = new_order()
    if verified is not None:
        order.pay(OPERATOR, at(1), TOTAL, verified=verified)
    refuse(
        order,
        lambda: order.request_cancellation(BUYER, at(2), "found_cheaper"),
        IllegalTransition,
        "illegal_transition",
        state=order.state.value,
        allowed=["cancel"],
    )


def test_can2_only_one_open_request_at_a_time() -> None:
    order = requested_order()
    refuse(
        order,
        lambda: order.request_cancellation(BUYER, at(2), "other_reasons"),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["withdraw_cancellation"],
    )


def test_can2_seller_cannot_ship_around_an_open_request() -> None:
    order = requested_order()
    err = refuse(
        order,
        lambda: order.ship(SELLER, at(2), TRACKING, None),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=SELLER_WHEN_PAID_WITH_REQUEST,
    )
    assert "(answer the buyer's cancellation request first (decline it with tracking))" in (
        err.message
    )


def test_can2_buyer_may_withdraw_the_request() -> None:
    order = requested_order()
    order.withdraw_cancellation(BUYER, at(2))
    assert order.cancellation is not None
    assert (order.cancellation.status, order.cancellation.answered_at) == (
        RequestStatus.WITHDRAWN,
        at(2),
    )
    assert order.state is OrderState.PAID
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, T0 + HANDLING)]
    assert order.balances == HELD


def test_can2_request_while_awaiting_details_of_a_paid_order() -> None:
    order = paid_order()
    order.request_details(SELLER, at(1), "Colour?")
    order.request_cancellation(BUYER, at(2), "no_longer_needed")
    order.approve_cancellation(SELLER, at(3))
    assert order.state is OrderState.CANCELLED
    assert order.balances == REFUNDED_IN_FULL


# ----------------------------------------------------------------------------- CAN-3


@pytest.mark.parametrize("step", [None, "mark_prepared", "consolidate"])
def test_can3_seller_approval_cancels_with_full_refund(step: str | None) -> None:
    order = paid_order()
    if step == "mark_prepared":
        order.mark_prepared(SELLER, at(0, 30))
    elif step == "consolidate":
        order.consolidate(SELLER, at(0, 30), "P-1")
    order.request_cancellation(BUYER, at(1), "no_longer_needed")
    order.approve_cancellation(SELLER, at(10))
    assert order.state is OrderState.CANCELLED
    assert order.cancellation is not None
    assert (order.cancellation.status, order.cancellation.answered_at) == (
        RequestStatus.APPROVED,
        at(10),
    )
    assert order.balances == REFUNDED_IN_FULL
    assert _refund_plans(order) == [(TOTAL, "cancellation: no_longer_needed")]
    assert order.refunds_pending == 1
    assert (order.close_reason, order.closed_at, order.ship_by) == (
        "no_longer_needed",
        at(10),
        None,
    )
    assert order.deadlines() == []


def test_can3_approve_without_a_request_refused() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.approve_cancellation(SELLER, at(1)),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=SELLER_WHEN_PAID,
    )
    assert "(there is no open cancellation request)" in err.message


def test_can3_only_the_seller_approves() -> None:
    order = requested_order()
    refuse(
        order,
        lambda: order.approve_cancellation(BUYER, at(2)),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=["withdraw_cancellation"],
    )


# ----------------------------------------------------------------------------- CAN-4


def test_can4_no_auto_cancel_at_71h() -> None:
    order = requested_order(hours=1)
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.SELLER_ANSWER, at(1 + 71)) is False
    assert order.on_deadline(DeadlineKind.SELLER_ANSWER, at(1 + 71, 59)) is False
    assert_unchanged(order, before)


def test_can4_auto_cancel_after_72h() -> None:
    order = requested_order("other_reasons", hours=1)
    assert order.on_deadline(DeadlineKind.SELLER_ANSWER, at(73)) is True
    assert order.state is OrderState.CANCELLED
    assert order.cancellation is not None
    assert (order.cancellation.status, order.cancellation.answered_at) == (
        RequestStatus.EXPIRED,
        at(73),
    )
    assert order.balances == REFUNDED_IN_FULL
    assert _refund_plans(order) == [(TOTAL, "cancellation: other_reasons")]
    entry = [e for e in order.new_timeline if e.action == "expire_cancellation_request"]
    assert [(e.actor_role, e.at, e.status_code, e.reason) for e in entry] == [
        ("system", at(73), "cancelled", "the seller did not answer within the time allowed")
    ]
    # it takes effect once
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.SELLER_ANSWER, at(100)) is False
    assert_unchanged(order, before)


@pytest.mark.parametrize("answer", ["approve", "withdraw", "decline"])
def test_can4_answered_request_never_expires(answer: str) -> None:
    order = requested_order()
    if answer == "approve":
        order.approve_cancellation(SELLER, at(2))
    elif answer == "withdraw":
        order.withdraw_cancellation(BUYER, at(2))
    else:
        order.decline_cancellation(SELLER, at(2), TRACKING, "china_post")
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.SELLER_ANSWER, at(80)) is False
    assert_unchanged(order, before)


def test_can4_nobody_but_the_system_expires_a_request() -> None:
    order = requested_order()
    assert order.allowed_actions(SYSTEM) == ["expire_cancellation_request", "miss_ship_by"]
    assert "expire_cancellation_request" not in order.allowed_actions(AGENT)
    assert paid_order().allowed_actions(SYSTEM) == ["miss_ship_by"]


# ----------------------------------------------------------------------------- CAN-5


@pytest.mark.parametrize("number", ["", "   "])
def test_can5_decline_needs_a_tracking_number(number: str) -> None:
    order = requested_order()
    err = refuse(
        order,
        lambda: order.decline_cancellation(SELLER, at(2), number, None),
        InvalidInput,
        "invalid_input",
        state="paid",
    )
    assert err.message == "a tracking number is required"


def test_can5_decline_with_tracking_ships_the_order() -> None:
    order = requested_order()
    order.decline_cancellation(SELLER, at(2), TRACKING, "china_post", warnings=["w"])
    assert order.state is OrderState.SHIPPED
    assert (order.tracking_number, order.carrier, order.shipped_at, order.ship_by) == (
        TRACKING,
        "china_post",
        at(2),
        None,
    )
    assert order.cancellation is not None
    assert (order.cancellation.status, order.cancellation.answered_at) == (
        RequestStatus.DECLINED,
        at(2),
    )
    assert order.balances == HELD
    assert order.new_refunds == []
    entry = order.new_timeline[-1]
    assert (entry.action, entry.status_code, entry.data) == (
        "decline_cancellation",
        "shipped",
        {"tracking_number": TRACKING, "carrier": "china_post", "warnings": ["w"]},
    )
    # the buyer keeps every later remedy
    assert order.allowed_actions(BUYER) == ["confirm_receipt"]
    # no cancellation deadline is left; only PRT-1's automatic confirmation waits
    assert [d.kind.value for d in order.deadlines()] == ["protection_end"]


def test_can5_decline_without_a_request_refused() -> None:
    order = paid_order()
    refuse(
        order,
        lambda: order.decline_cancellation(SELLER, at(1), TRACKING, None),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=SELLER_WHEN_PAID,
    )


def test_can5_only_the_seller_declines() -> None:
    order = requested_order()
    refuse(
        order,
        lambda: order.decline_cancellation(AGENT, at(2), TRACKING, None),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=["mark_unfulfillable", "security_cancel"],
    )


# ----------------------------------------------------------------------------- CAN-6


@pytest.mark.parametrize("where", ["shipped", "delivered"])
@pytest.mark.parametrize("how", ["cancel", "request_cancellation"])
def test_can6_cancel_after_shipment_refused_with_remedies(where: str, how: str) -> None:
    order = shipped_order()
    if where == "delivered":
        order.record_delivery(OPERATOR, at(100))

    def attempt() -> None:
        if how == "cancel":
            order.cancel(BUYER, at(120), confirmed=True)
        else:
            order.request_cancellation(BUYER, at(120), "no_longer_needed")

    err = refuse(
        order,
        attempt,
        CancellationImpossible,
        "cancellation_impossible_after_shipment",
        state=where,
        allowed=["confirm_receipt"],
    )
    assert err.context["remedies"] == ["contact_seller", "return", "dispute"]
    assert list(REMEDIES_AFTER_SHIPMENT) == ["contact_seller", "return", "dispute"]
    assert err.message == (
        f"The order has already been shipped ('{where}'): it can no longer be cancelled. "
        "Remedies: contact_seller, return, dispute."
    )


# ----------------------------------------------------------------------------- CAN-7


def test_can7_paid_order_has_a_ship_by_countdown() -> None:
    order = paid_order()
    assert order.ship_by == at(120)
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, at(120))]
    express = paid_order(method="dhl")
    assert express.ship_by == at(72)
    unknown = paid_order(method="pigeon")
    assert unknown.ship_by == at(DEFAULT_POLICY.default_handling_hours)


def test_can7_no_ship_by_before_payment_is_verified() -> None:
    order = new_order()
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    assert order.ship_by is None
    assert order.deadlines() == []
    order.verify_payment(OPERATOR, at(5))
    assert order.ship_by == at(125)


def test_can7_not_cancelled_before_ship_by() -> None:
    order = paid_order()
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(119, 59)) is False
    assert_unchanged(order, before)


def test_can7_ship_by_missed_cancels_and_refunds_fault_seller() -> None:
    order = paid_order()
    order.mark_prepared(SELLER, at(10))
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(120)) is True
    assert order.state is OrderState.CANCELLED
    assert (order.close_reason, order.close_fault, order.closed_at) == (
        "ship_by_missed",
        Fault.SELLER,
        at(120),
    )
    assert order.balances == REFUNDED_IN_FULL
    assert _refund_plans(order) == [(TOTAL, "not shipped in time")]
    assert [(e.action, e.actor_role) for e in order.new_timeline[-2:]] == [
        ("miss_ship_by", "system"),
        ("refund_started", "system"),
    ]
    assert order.deadlines() == []


def test_can7_ship_by_missed_also_ends_an_open_request() -> None:
    order = paid_order(method="dhl")  # ship-by at +72 h
    order.request_cancellation(BUYER, at(10), "no_longer_needed")  # answer by +82 h
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(72)) is True
    assert order.cancellation is not None
    assert order.cancellation.status is RequestStatus.EXPIRED
    assert order.close_fault is Fault.SELLER
    assert order.deadlines() == []
    assert order.balances == REFUNDED_IN_FULL


def test_can7_shipping_in_time_clears_the_ship_by() -> None:
    order = paid_order()
    order.ship(SELLER, at(119), TRACKING, None)
    assert order.ship_by is None
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(121)) is False
    assert_unchanged(order, before)


# ----------------------------------------------------------------------------- CAN-8


def test_can8_extension_applies_only_when_buyer_agrees() -> None:
    order = paid_order()
    order.request_extension(SELLER, at(10), 5, "stock arrives Friday")
    assert (order.ship_by, order.extension_days_pending) == (at(120), 5)
    assert order.allowed_actions(BUYER) == [
        "request_cancellation",
        "accept_extension",
        "decline_extension",
    ]
    # until the buyer agrees the old deadline stands
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, at(120))]
    order.accept_extension(BUYER, at(11))
    assert (order.ship_by, order.extension_days_pending, order.extensions_granted) == (
        at(120) + timedelta(days=5),
        None,
        1,
    )
    entry = order.new_timeline[-1]
    assert (entry.action, entry.data) == (
        "accept_extension",
        {"days": 5, "ship_by": (at(120) + timedelta(days=5)).isoformat()},
    )
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(120)) is False


def test_can8_declined_extension_leaves_ship_by() -> None:
    order = paid_order()
    order.request_extension(SELLER, at(10), 5, "stock arrives Friday")
    order.decline_extension(BUYER, at(11))
    assert (order.ship_by, order.extension_days_pending, order.extensions_granted) == (
        at(120),
        None,
        0,
    )
    assert order.new_timeline[-1].data == {"days": 5}
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(120)) is True
    assert order.state is OrderState.CANCELLED


def test_can8_unanswered_extension_does_not_save_the_seller() -> None:
    order = paid_order()
    order.request_extension(SELLER, at(10), 5, "stock arrives Friday")
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(120)) is True
    assert (order.state, order.extension_days_pending) == (OrderState.CANCELLED, None)


@pytest.mark.parametrize("days", [0, -1, 31])
def test_can8_extension_is_1_to_max_days(days: int) -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.request_extension(SELLER, at(1), days, "x"),
        InvalidInput,
        "invalid_input",
        state="paid",
    )
    assert err.message == "an extension is 1 to 30 days"


def test_can8_at_most_max_extensions() -> None:
    order = paid_order()
    for n in range(DEFAULT_POLICY.max_extensions):
        order.request_extension(SELLER, at(n + 1), 1, "late")
        order.accept_extension(BUYER, at(n + 1, 30))
    err = refuse(
        order,
        lambda: order.request_extension(SELLER, at(5), 1, "late again"),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=[a for a in SELLER_WHEN_PAID if a != "request_extension"],
    )
    assert "(no more extensions may be asked for this order)" in err.message


def test_can8_one_pending_extension_at_a_time() -> None:
    order = paid_order()
    order.request_extension(SELLER, at(1), 3, "late")
    err = refuse(
        order,
        lambda: order.request_extension(SELLER, at(2), 4, "later"),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=[a for a in SELLER_WHEN_PAID if a != "request_extension"],
    )
    assert "(an extension request is already waiting for the buyer)" in err.message


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_can8_buyer_answers_only_an_asked_extension(answer: str) -> None:
    order = paid_order()
    call = order.accept_extension if answer == "accept" else order.decline_extension
    err = refuse(
        order,
        lambda: call(BUYER, at(1)),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["request_cancellation"],
    )
    assert "(the seller has not asked for an extension)" in err.message


def test_can8_seller_cannot_accept_its_own_extension() -> None:
    order = paid_order()
    order.request_extension(SELLER, at(1), 3, "late")
    refuse(
        order,
        lambda: order.accept_extension(SELLER, at(2)),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=[a for a in SELLER_WHEN_PAID if a != "request_extension"],
    )


# ----------------------------------------------------------------------------- CAN-9


def test_can9_seller_cannot_cancel_unilaterally() -> None:
    order = paid_order()
    refuse(
        order,
        lambda: order.cancel(SELLER, at(1), confirmed=True),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=SELLER_WHEN_PAID,
    )
    refuse(
        order,
        lambda: order.request_cancellation(SELLER, at(1), "seller_out_of_stock"),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=SELLER_WHEN_PAID,
    )
    # the only way a seller's own action cancels an order is agreeing to the buyer's request
    seller_cancels = {
        a
        for a, rule in TRANSITIONS.items()
        if Role.SELLER in rule.roles and rule.target is OrderState.CANCELLED
    }
    assert seller_cancels == {Action.APPROVE_CANCELLATION}


@pytest.mark.parametrize(
    ("reason", "fault"),
    [
        ("no_longer_needed", Fault.BUYER),
        ("ordered_by_mistake", Fault.BUYER),
        ("found_cheaper", Fault.BUYER),
        ("delivery_too_long", Fault.BUYER),
        ("seller_out_of_stock", Fault.SELLER),
        ("seller_changed_price", Fault.SELLER),
        ("seller_not_shipping", Fault.SELLER),
        ("other_reasons", Fault.NONE),
    ],
)
@pytest.mark.parametrize("ending", ["approved", "expired"])
def test_can9_fault_follows_the_buyer_reason(reason: str, fault: Fault, ending: str) -> None:
    order = requested_order(reason)
    if ending == "approved":
        order.approve_cancellation(SELLER, at(2))
    else:
        order.on_deadline(DeadlineKind.SELLER_ANSWER, at(73))
    assert (order.state, order.close_reason, order.close_fault) == (
        OrderState.CANCELLED,
        reason,
        fault,
    )
    assert BUYER_REASONS[reason].fault is fault


def test_can9_other_reasons_never_counts_against_the_seller() -> None:
    order = requested_order("other_reasons")
    order.approve_cancellation(SELLER, at(2))
    assert order.close_fault is not Fault.SELLER
    assert order.close_fault is Fault.NONE


def test_can9_seller_fault_paths() -> None:
    missed = paid_order()
    missed.on_deadline(DeadlineKind.SHIP_BY, at(120))
    out_of_stock = paid_order()
    out_of_stock.mark_unfulfillable(SELLER, at(1), "out_of_stock")
    no_route = paid_order()
    no_route.mark_unfulfillable(SELLER, at(1), "no_shipping_to_address")
    security = paid_order()
    security.security_cancel(AGENT, at(1), "payment_unverified")
    assert [o.close_fault for o in (missed, out_of_stock, no_route, security)] == [
        Fault.SELLER,
        Fault.SELLER,
        Fault.NONE,
        Fault.NONE,
    ]


# ----------------------------------------------------------------------------- CAN-10


def test_can10_security_cancel_promo_code_reused_tells_reason_and_next_step() -> None:
    order = new_order()
    order.flag_for_security_review("promo_code_reused", at(0, 1))
    assert order.security_flag == "promo_code_reused"
    order.pay(OPERATOR, at(1), TOTAL, verified=True)
    order.security_cancel(AGENT, at(2), "promo_code_reused")
    assert order.state is OrderState.CANCELLED
    assert (order.close_reason, order.close_fault) == ("security:promo_code_reused", Fault.NONE)
    entry = next(e for e in order.new_timeline if e.action == "security_cancel")
    assert (entry.actor_role, entry.reason, entry.status_code) == (
        "agent",
        "promo_code_reused",
        "cancelled",
    )
    assert entry.data == {
        "reason_fr": "Le code promo a déjà été utilisé sur une autre commande.",
        "reason_en": "The promo code was already used on another order.",
        "next_step_fr": "Repassez la commande sans ce code ; le remboursement arrive sur le "
        "même moyen de paiement.",
        "next_step_en": "Place the order again without that code; the refund goes back to the "
        "same payment method.",
    }
    assert order.balances == REFUNDED_IN_FULL
    assert _refund_plans(order) == [(TOTAL, "security cancellation: promo_code_reused")]


def test_can10_security_cancel_payment_unverified_before_verification() -> None:
    order = new_order()
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    order.security_cancel(AGENT, at(2), "payment_unverified")
    entry = next(e for e in order.new_timeline if e.action == "security_cancel")
    fr, en, next_fr, next_en = SECURITY_REASONS["payment_unverified"]
    assert (entry.data["reason_en"], entry.data["next_step_en"]) == (en, next_en)
    assert "identité" in fr and "Vérifiez votre identité" in next_fr
    assert order.balances == REFUNDED_IN_FULL


def test_can10_security_cancel_ends_an_open_request() -> None:
    order = requested_order()
    order.security_cancel(AGENT, at(2), "payment_unverified")
    assert order.cancellation is not None
    assert order.cancellation.status is RequestStatus.WITHDRAWN
    assert order.deadlines() == []


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (BUYER, ["request_cancellation"]),
        (SELLER, SELLER_WHEN_PAID),
        (OPERATOR, ["mark_unfulfillable", "consolidate"]),
        (SYSTEM, ["miss_ship_by"]),
    ],
)
def test_can10_only_an_agent_cancels_for_security(actor: Actor, allowed: list[str]) -> None:
    order = paid_order()
    refuse(
        order,
        lambda: order.security_cancel(actor, at(1), "payment_unverified"),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=allowed,
    )


def test_can10_security_reason_must_be_known() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.security_cancel(AGENT, at(1), "looks_odd"),
        InvalidInput,
        "invalid_input",
        state="paid",
    )
    assert err.message == (
        "unknown security reason 'looks_odd'; use one of: promo_code_reused, payment_unverified"
    )


def test_can10_no_security_cancel_after_shipment() -> None:
    order = shipped_order()
    refuse(
        order,
        lambda: order.security_cancel(AGENT, at(30), "payment_unverified"),
        IllegalTransition,
        "illegal_transition",
        state="shipped",
        allowed=AGENT_WHEN_SHIPPED,
    )


# ----------------------------------------------------------------------------- CAN-11


def test_can11_refund_window_7_to_15_business_days_around_11_november() -> None:
    # Monday 2 Nov 2026; Wednesday 11 Nov (Armistice) is not a business day in France.
    order = requested_order(hours=1)
    order.approve_cancellation(SELLER, datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    (plan,) = order.new_refunds
    assert plan.window == RefundWindow(date(2026, 11, 12), date(2026, 11, 24))
    entry = order.new_timeline[-1]
    assert (entry.action, entry.data) == (
        "refund_started",
        {"amount": "25.99", "expected_from": "2026-11-12", "expected_to": "2026-11-24"},
    )


def test_can11_refund_window_over_christmas_and_new_year() -> None:
    # Friday 18 Dec 2026; 25 Dec and 1 Jan are holidays, so are the weekends.
    window = refund_start_window(datetime(2026, 12, 18, 10, 0, tzinfo=UTC), (7, 15), "FR")
    assert window == RefundWindow(date(2026, 12, 30), date(2027, 1, 12))


def test_can11_refund_window_across_1_may_8_may_and_ascension() -> None:
    # Thursday 23 Apr 2026 → +7 skips Friday 1 May; +15 also skips Friday 8 May and
    # Ascension (Thursday 14 May 2026).
    window = refund_start_window(datetime(2026, 4, 23, 10, 0, tzinfo=UTC), (7, 15), "FR")
    assert window == RefundWindow(date(2026, 5, 5), date(2026, 5, 19))


def test_can11_refund_window_is_the_order_policy() -> None:
    policy = DEFAULT_POLICY.with_changes(
        refund_start_business_days=[1, 2], default_handling_hours=240
    )
    order = paid_order(policy, method="pigeon")  # ship-by 12 Nov 2026
    order.request_cancellation(BUYER, datetime(2026, 11, 10, 8, tzinfo=UTC), "found_cheaper")
    order.approve_cancellation(SELLER, datetime(2026, 11, 10, 9, tzinfo=UTC))  # Tuesday
    # +1 skips Wednesday 11 November
    (plan,) = order.new_refunds
    assert plan.window == RefundWindow(date(2026, 11, 12), date(2026, 11, 13))


# ----------------------------------------------------------------------------- CAN-12

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "expires_at", "still_active", "expected"),
    [
        (
            CouponKind.PLATFORM,
            NOW + timedelta(days=1),
            [False, False],
            (True, "all_items_cancelled"),
        ),
        (CouponKind.PLATFORM, None, [False], (True, "all_items_cancelled")),
        (
            CouponKind.PLATFORM,
            NOW + timedelta(days=1),
            [False, True],
            (False, "other_items_not_cancelled"),
        ),
        (CouponKind.PLATFORM, NOW - timedelta(seconds=1), [False], (False, "coupon_expired")),
        (CouponKind.PLATFORM, NOW, [False], (False, "coupon_expired")),
        (
            CouponKind.SELLER,
            NOW + timedelta(days=1),
            [False],
            (False, "seller_code_never_returned"),
        ),
        (CouponKind.SELLER, None, [True], (False, "seller_code_never_returned")),
    ],
)
def test_can12_coupon_give_back(
    kind: CouponKind,
    expires_at: datetime | None,
    still_active: list[bool],
    expected: tuple[bool, str],
) -> None:
    assert coupon_give_back(kind, expires_at, still_active, NOW) == CouponGiveBack(*expected)


def test_can12_coupon_outcome_is_recorded_on_the_timeline() -> None:
    order = new_order()
    order.cancel(BUYER, at(1), confirmed=True)
    order.note_coupon("WELCOME5", "platform", True, "all_items_cancelled", at(1))
    order.note_coupon("SHOP2", "seller", False, "seller_code_never_returned", at(1))
    rows = [(e.action, e.actor_role, e.reason, e.data) for e in order.new_timeline[-2:]]
    assert rows == [
        (
            "coupon_returned",
            "system",
            "all_items_cancelled",
            {"code": "WELCOME5", "kind": "platform"},
        ),
        (
            "coupon_not_returned",
            "system",
            "seller_code_never_returned",
            {"code": "SHOP2", "kind": "seller"},
        ),
    ]


# ----------------------------------------------------------------------------- CAN-13


def test_can13_shipment_cancelled_offers_reshipment_or_refund() -> None:
    order = shipped_order()
    order.report_shipment_cancelled(AGENT, at(48), "never collected by the carrier")
    assert order.state is OrderState.SHIPMENT_CANCELLED
    assert order.display_status().fr == "Retourné à l'expéditeur"
    entry = order.new_timeline[-1]
    assert (entry.action, entry.reason, entry.data) == (
        "report_shipment_cancelled",
        "never collected by the carrier",
        {"message_fr": "Envoi annulé", "message_en": "Shipment cancelled"},
    )
    assert order.allowed_actions(BUYER) == ["choose_reshipment", "choose_refund"]
    assert order.balances == HELD
    assert order.deadlines() == []


def test_can13_reshipment_needs_a_new_tracking_number() -> None:
    order = shipped_order()
    order.report_shipment_cancelled(OPERATOR, at(48), "customs sent it back")
    order.choose_reshipment(BUYER, at(50))
    assert order.state is OrderState.PAID
    assert (order.tracking_number, order.previous_tracking_numbers) == (None, [TRACKING])
    assert order.ship_by == at(50) + HANDLING
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, at(170))]
    for old in (TRACKING, TRACKING.lower(), "LX 123 456 789 CN"):
        err = refuse(
            order,
            partial(order.ship, SELLER, at(60), old, "china_post"),
            InvalidInput,
            "invalid_input",
            state="paid",
        )
        assert err.message == "a reshipment needs a new tracking number, not the old one"
    order.ship(SELLER, at(60), TRACKING_2, "china_post")
    assert (order.state, order.tracking_number, order.previous_tracking_numbers) == (
        OrderState.SHIPPED,
        TRACKING_2,
        [TRACKING],
    )
    assert order.balances == HELD


def test_can13_reshipment_not_sent_in_time_is_refunded() -> None:
    order = shipped_order()
    order.report_shipment_cancelled(OPERATOR, at(48), "never collected")
    order.choose_reshipment(BUYER, at(50))
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(170)) is True
    assert (order.state, order.close_fault) == (OrderState.CANCELLED, Fault.SELLER)
    assert order.balances == REFUNDED_IN_FULL


def test_can13_buyer_may_take_the_refund_instead() -> None:
    order = shipped_order()
    order.report_shipment_cancelled(AGENT, at(48), "never collected")
    order.choose_refund(BUYER, at(50))
    assert order.state is OrderState.CANCELLED
    assert (order.close_reason, order.close_fault) == ("shipment_failed", Fault.SELLER)
    assert order.balances == REFUNDED_IN_FULL
    assert _refund_plans(order) == [(TOTAL, "shipment cancelled or returned")]


def test_can13_returned_to_sender_offers_the_same_choice() -> None:
    order = shipped_order()
    order.mark_returned_to_sender(OPERATOR, at(200), "not collected at the pickup point")
    assert order.allowed_actions(BUYER) == ["choose_reshipment", "choose_refund"]
    order.choose_reshipment(BUYER, at(201))
    assert order.previous_tracking_numbers == [TRACKING]


def test_can13_cancel_is_still_refused_but_the_choice_is_named() -> None:
    order = shipped_order()
    order.report_shipment_cancelled(AGENT, at(48), "never collected")
    refuse(
        order,
        lambda: order.cancel(BUYER, at(49), confirmed=True),
        CancellationImpossible,
        "cancellation_impossible_after_shipment",
        state="shipment_cancelled",
        allowed=["choose_reshipment", "choose_refund"],
    )


def test_can13_only_staff_report_a_cancelled_shipment() -> None:
    order = shipped_order()
    refuse(
        order,
        lambda: order.report_shipment_cancelled(SELLER, at(48), "oops"),
        RoleNotAllowed,
        "role_not_allowed",
        state="shipped",
        allowed=["publish_invoice"],
    )


def test_can13_not_before_shipment() -> None:
    order = paid_order()
    refuse(
        order,
        lambda: order.report_shipment_cancelled(AGENT, at(1), "never collected"),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["mark_unfulfillable", "security_cancel"],
    )


def test_can13_only_the_buyer_chooses() -> None:
    order = shipped_order()
    order.report_shipment_cancelled(AGENT, at(48), "never collected")
    refuse(
        order,
        lambda: order.choose_refund(SELLER, at(49)),
        RoleNotAllowed,
        "role_not_allowed",
        state="shipment_cancelled",
        allowed=["publish_invoice"],
    )
