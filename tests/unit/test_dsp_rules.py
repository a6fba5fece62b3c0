"""DSP-2..DSP-8 on the pure order aggregate: reasons, opening, the seller's answer, offers,
escalation, the platform's decision and appeal, and the dispute's table (no database)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from domain_builders import (
    AGENT,
    AGENT_ID,
    BUYER,
    DAY,
    DELIVERED_AT,
    HANDLING,
    OPERATOR,
    RETURN_ADDRESS,
    SELLER,
    SYSTEM,
    T0,
    TOTAL,
    TRACKING,
    TRACKING_2,
    assert_unchanged,
    delivered_order,
    in_transit_order,
    open_dispute,
    refuse,
)

from garant.domain.disputes import (
    DISPUTE_TRANSITIONS,
    REASONS,
    Dispute,
    DisputeAction,
    DisputeState,
    OfferStatus,
    RequestState,
    Resolution,
    ResolutionKind,
)
from garant.domain.errors import (
    DisputeAlreadyOpen,
    IllegalTransition,
    InvalidInput,
    RoleNotAllowed,
)
from garant.domain.money import Balances, EntryKind
from garant.domain.order_protection import NO_RETURN_ADDRESS
from garant.domain.orders import Actor, Deadline, DeadlineKind, Order
from garant.domain.returns import ReturnStatus
from garant.domain.transitions import OrderState, Role

OPENED = DELIVERED_AT + DAY
HELD = Balances(paid=TOTAL, held=TOTAL)
REFUNDED = Balances(paid=TOTAL, refunded=TOTAL)
RELEASED = Balances(paid=TOTAL, released=TOTAL)
PARTIAL_5 = {"kind": "partial_refund", "amount": "5.00"}
PARTIAL_8 = {"kind": "partial_refund", "amount": "8.00"}


# ----------------------------------------------------------------------------- builders


def _disputed(**kw: Any) -> Order:
    """Delivered on day 10; the buyer opened a dispute on day 11 (damaged, full refund)."""
    return open_dispute(delivered_order(), OPENED, **kw)


def _d(order: Order) -> Dispute:
    assert order.dispute is not None
    return order.dispute


def _offer(order: Order, actor: Actor, now: datetime, resolution: object = None) -> None:
    order.make_offer(
        actor, now, resolution=resolution or PARTIAL_5, message="an offer", evidence=[]
    )


def _negotiating(**kw: Any) -> Order:
    """The seller counter-offered a partial refund of 5.00 an hour after the opening."""
    order = _disputed(**kw)
    _offer(order, SELLER, OPENED + timedelta(hours=1))
    return order


def _escalated() -> Order:
    """The buyer escalated as soon as allowed (72 h after the opening)."""
    order = _negotiating()
    order.reject_offer(BUYER, OPENED + timedelta(hours=2))
    order.escalate(BUYER, OPENED + timedelta(hours=72))
    return order


def _decided(favour: str = "buyer", amount: int | None = None) -> Order:
    order = _escalated()
    order.decide(AGENT, OPENED + 4 * DAY, in_favour_of=favour, amount=amount, note="seen")
    return order


def _entries(order: Order) -> list[tuple[EntryKind, int]]:
    return [(e.kind, e.amount_cents) for e in order.new_entries]


def _kinds(order: Order) -> list[DeadlineKind]:
    return [d.kind for d in order.deadlines()]


def _balanced(order: Order) -> None:
    b = order.balances
    assert b.balanced
    assert Balances.of(order.new_entries) == b


# ----------------------------------------------------------------------------- DSP-2


REASON_CASES = [
    ("not_received", None, False),
    ("delivered_not_received", None, True),
    ("damaged", None, True),
    ("defective", None, True),
    ("not_as_described", "colour", True),
    ("wrong_item", None, True),
    ("payment_problem", "overcharge", True),
]


def test_dsp2_reasons_are_the_seeds_seven() -> None:
    assert list(REASONS) == [r for r, _, _ in REASON_CASES]


@pytest.mark.parametrize(("reason", "detail", "delivered"), REASON_CASES)
def test_dsp2_every_reason_accepted(reason: str, detail: str | None, delivered: bool) -> None:
    order = delivered_order() if delivered else in_transit_order()
    open_dispute(order, OPENED, reason=reason, detail=detail)
    d = _d(order)
    assert (d.reason, d.detail, d.state) == (reason, detail, DisputeState.AWAITING_SELLER)
    assert order.new_timeline[-1].data["dispute_reason"] == reason


@pytest.mark.parametrize("detail", ["colour", "size", "model", "other"])
def test_dsp2_not_as_described_details(detail: str) -> None:
    order = _disputed(reason="not_as_described", detail=detail)
    assert _d(order).detail == detail


@pytest.mark.parametrize("detail", ["unauthorised_fee", "overcharge"])
def test_dsp2_payment_problem_details(detail: str) -> None:
    order = _disputed(reason="payment_problem", detail=detail)
    assert _d(order).detail == detail


@pytest.mark.parametrize(
    ("reason", "detail", "message"),
    [
        (
            "not_as_described",
            None,
            "say what differs for 'not_as_described': detail one of colour, size, model, other",
        ),
        (
            "not_as_described",
            "smell",
            "say what differs for 'not_as_described': detail one of colour, size, model, other",
        ),
        (
            "payment_problem",
            "colour",
            "say what differs for 'payment_problem': detail one of unauthorised_fee, overcharge",
        ),
        ("damaged", "colour", "'damaged' takes no detail"),
    ],
)
def test_dsp2_detail_must_match_the_reason(reason: str, detail: str | None, message: str) -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED, reason=reason, detail=detail),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == message
    assert err.context == {"field": "detail"}


def test_dsp2_unknown_reason_refused() -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED, reason="changed_my_mind"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message.startswith("unknown reason 'changed_my_mind'; use one of: not_received,")
    assert order.dispute is None


def test_dsp2_not_received_refused_when_shown_delivered() -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED, reason="not_received"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == (
        f"the carrier shows the parcel delivered on {DELIVERED_AT.isoformat()}: "
        "choose 'delivered_not_received'"
    )


def test_dsp2_delivered_not_received_refused_when_not_delivered() -> None:
    order = in_transit_order()
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED, reason="delivered_not_received"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == "the parcel is not shown as delivered: choose 'not_received'"


# ----------------------------------------------------------------------------- DSP-3


@pytest.mark.parametrize(
    ("asked", "stored"),
    [
        ({"kind": "full_refund"}, Resolution(ResolutionKind.FULL_REFUND)),
        (
            {"kind": "partial_refund", "amount": "10.00"},
            Resolution(ResolutionKind.PARTIAL_REFUND, 1000),
        ),
        ({"kind": "reshipment"}, Resolution(ResolutionKind.RESHIPMENT)),
        ({"kind": "return_and_refund"}, Resolution(ResolutionKind.RETURN_AND_REFUND)),
        (
            {"kind": "return_and_refund", "amount": "12.50"},
            Resolution(ResolutionKind.RETURN_AND_REFUND, 1250),
        ),
    ],
)
def test_dsp3_requested_resolution_is_stored(asked: dict[str, str], stored: Resolution) -> None:
    order = _disputed(resolution=asked, evidence=[4, 5])
    d = _d(order)
    assert d.requested == stored
    assert d.evidence == [4, 5]
    assert d.description == "the screen is cracked"
    assert d.opened_at == OPENED
    assert d.seller_answer_by == OPENED + 5 * DAY
    assert d.escalate_from == OPENED + timedelta(hours=72)
    assert d.negotiation_ends_at == OPENED + 10 * DAY
    entry = order.new_timeline[-1]
    assert (entry.action, entry.actor_role, entry.reason) == (
        "open_dispute",
        "buyer",
        "the screen is cracked",
    )
    assert entry.data["requested"] == stored.to_json()
    assert order.balances == HELD
    assert order.state is OrderState.DELIVERED


@pytest.mark.parametrize(
    ("resolution", "message"),
    [
        ({"kind": "no_refund"}, "resolution: unknown kind 'no_refund'; use one of: "),
        ({"kind": "store_credit"}, "resolution: unknown kind 'store_credit'; use one of: "),
        ({"kind": "partial_refund"}, "a partial refund needs an amount"),
        ({"kind": "reshipment", "amount": "2.00"}, "a reshipment takes no amount"),
        ({"kind": "partial_refund", "amount": "0"}, "resolution.amount: the amount must be"),
        ("full_refund", 'resolution: give {"kind": …}'),
    ],
)
def test_dsp3_malformed_resolution_refused(resolution: object, message: str) -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED, resolution=resolution),
        InvalidInput,
        "invalid_input",
    )
    assert err.message.startswith(message)


def test_dsp3_return_and_refund_refused_for_not_received() -> None:
    order = in_transit_order()
    err = refuse(
        order,
        lambda: open_dispute(
            order, OPENED, reason="not_received", resolution={"kind": "return_and_refund"}
        ),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == (
        "a return needs the item in hand; for 'not_received' ask for a refund or a reshipment"
    )


def test_dsp3_reshipment_refused_for_payment_problem() -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(
            order,
            OPENED,
            reason="payment_problem",
            detail="overcharge",
            resolution={"kind": "reshipment"},
        ),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == "a payment problem is settled by a refund, not a reshipment"


@pytest.mark.parametrize("description", ["", "   \n"])
def test_dsp3_empty_description_refused(description: str) -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED, description=description),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == "description cannot be empty"


@pytest.mark.parametrize("actor", [SELLER, AGENT, OPERATOR, SYSTEM])
def test_dsp3_only_the_buyer_opens_a_dispute(actor: Actor) -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: order.open_dispute(
            actor,
            OPENED,
            reason="damaged",
            detail=None,
            description="broken",
            resolution={"kind": "full_refund"},
            evidence=[],
        ),
        RoleNotAllowed,
        "role_not_allowed",
        state="delivered",
        allowed=[],
    )
    assert err.http_status == 403
    assert "only the buyer opens one" in err.message


def test_dsp3_second_dispute_while_one_is_open_refused() -> None:
    order = _negotiating()
    err = refuse(
        order, lambda: open_dispute(order, OPENED + DAY), DisputeAlreadyOpen, "dispute_already_open"
    )
    assert err.http_status == 409
    assert err.context == {
        "state": "negotiating",
        "allowed_actions": [
            "make_offer",
            "accept_offer",
            "reject_offer",
            "withdraw_dispute",
            "provide_evidence",
        ],
    }
    assert OPENED.isoformat() in err.message


def test_dsp3_new_dispute_refused_after_one_closed() -> None:
    order = _disputed()
    order.withdraw_dispute(BUYER, OPENED + DAY)
    assert order.can_open_dispute(OPENED + 2 * DAY) is False
    err = refuse(
        order,
        lambda: open_dispute(order, OPENED + 2 * DAY),
        IllegalTransition,
        "illegal_transition",
        state="delivered",
        allowed=["confirm_receipt"],
    )
    assert f"the dispute on this order closed on {(OPENED + DAY).isoformat()}" in err.message
    assert "its outcome is final" in err.message


def test_dsp3_new_dispute_allowed_on_the_reshipped_parcel() -> None:
    order = _disputed(resolution={"kind": "reshipment"})
    order.accept_request(SELLER, OPENED + DAY)
    first = _d(order)
    assert order.can_open_dispute(OPENED + 2 * DAY) is False  # nothing shipped yet
    order.ship(SELLER, OPENED + 2 * DAY, TRACKING_2, "china_post")
    order.record_delivery(OPERATOR, OPENED + 9 * DAY)
    assert order.can_open_dispute(OPENED + 10 * DAY) is True
    open_dispute(order, OPENED + 10 * DAY, reason="defective")
    assert _d(order) is not first
    assert (_d(order).reason, _d(order).state) == ("defective", DisputeState.AWAITING_SELLER)
    assert order.balances == HELD


# ----------------------------------------------------------------------------- DSP-4


def test_dsp4_seller_accepts_the_request_full_refund_carried_out() -> None:
    order = _disputed()
    start = len(order.new_timeline)
    order.accept_request(SELLER, OPENED + DAY)
    d = _d(order)
    assert d.state is DisputeState.RESOLVED
    assert d.seller_answered_at == OPENED + DAY  # DSP-7: how fast the seller settled
    assert d.closed_at == OPENED + DAY
    assert d.outcome == {
        "kind": "full_refund",
        "amount": None,
        "amount_cents": None,
        "how": "accepted",
        "in_favour_of": "buyer",
        "by": "seller",
    }
    assert _entries(order)[2:] == [(EntryKind.REFUND, TOTAL)]
    assert [r.amount_cents for r in order.new_refunds] == [TOTAL]
    assert order.balances == REFUNDED
    assert order.state is OrderState.COMPLETED
    assert order.display_status().code == "delivered"  # refunded once the money has arrived
    assert [e.action for e in order.new_timeline[start:]] == [
        "accept_request",
        "dispute_resolved",
        "refund_started",
        "order_completed",
    ]
    assert order.deadlines() == []


def test_dsp4_counter_offer_moves_to_negotiating_with_72h_to_answer() -> None:
    order = _disputed()
    _offer(order, SELLER, OPENED + DAY, PARTIAL_5)
    d = _d(order)
    assert d.state is DisputeState.NEGOTIATING
    assert d.seller_answered_at == OPENED + DAY
    [offer] = d.offers
    assert (offer.seq, offer.by_role, offer.to_role, offer.status) == (
        1,
        Role.SELLER,
        Role.BUYER,
        OfferStatus.PENDING,
    )
    assert offer.resolution == Resolution(ResolutionKind.PARTIAL_REFUND, 500)
    assert offer.reply_by == OPENED + DAY + timedelta(hours=72)
    assert order.deadlines() == [
        Deadline(DeadlineKind.DISPUTE_OFFER_REPLY, OPENED + DAY + timedelta(hours=72)),
        Deadline(DeadlineKind.DISPUTE_ESCALATION, OPENED + 10 * DAY),
    ]
    assert order.balances == HELD


def test_dsp4_buyer_cannot_counter_their_own_request() -> None:
    order = _disputed()
    err = refuse(
        order,
        lambda: _offer(order, BUYER, OPENED + DAY),
        IllegalTransition,
        "illegal_transition",
        state="awaiting_seller",
        allowed=["withdraw_dispute", "provide_evidence"],
    )
    assert "your request is with the seller; wait for the answer" in err.message


@pytest.mark.parametrize(
    ("message", "evidence", "error"),
    [
        ("", [7], "message cannot be empty"),
        ("it was fine", [], "contesting needs evidence (photos, documents)"),
    ],
)
def test_dsp4_contest_needs_message_and_evidence(
    message: str, evidence: list[int], error: str
) -> None:
    order = _disputed()
    err = refuse(
        order,
        lambda: order.contest(SELLER, OPENED + DAY, message=message, evidence=evidence),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == error


def test_dsp4_contest_with_evidence_moves_to_negotiating() -> None:
    order = _disputed(evidence=[1])
    order.contest(SELLER, OPENED + DAY, message="it left intact", evidence=[7, 1])
    d = _d(order)
    assert d.state is DisputeState.NEGOTIATING
    assert d.seller_answered_at == OPENED + DAY
    assert d.evidence == [1, 7]
    assert d.offers == []
    assert _kinds(order) == [DeadlineKind.DISPUTE_ESCALATION]
    assert order.balances == HELD


def test_dsp4_seller_silence_grants_the_buyers_request() -> None:
    order = _disputed(resolution={"kind": "partial_refund", "amount": "10.00"})
    due = OPENED + 5 * DAY
    assert order.deadlines() == [Deadline(DeadlineKind.DISPUTE_SELLER_ANSWER, due)]
    before = copy.deepcopy(order)
    assert (
        order.on_deadline(DeadlineKind.DISPUTE_SELLER_ANSWER, due - timedelta(seconds=1)) is False
    )
    assert_unchanged(order, before)
    assert order.on_deadline(DeadlineKind.DISPUTE_SELLER_ANSWER, due) is True
    d = _d(order)
    assert d.state is DisputeState.RESOLVED
    assert d.seller_answered_at is None
    assert d.outcome == {
        "kind": "partial_refund",
        "amount": "10.00",
        "amount_cents": 1000,
        "how": "seller_silent",
        "in_favour_of": "buyer",
        "by": "system",
    }
    assert _entries(order)[2:] == [(EntryKind.REFUND, 1000), (EntryKind.RELEASE, TOTAL - 1000)]
    assert order.state is OrderState.COMPLETED
    _balanced(order)


def test_dsp4_seller_answer_deadline_disappears_once_answered() -> None:
    order = _disputed()
    order.contest(SELLER, OPENED + DAY, message="it left intact", evidence=[7])
    assert DeadlineKind.DISPUTE_SELLER_ANSWER not in _kinds(order)
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.DISPUTE_SELLER_ANSWER, OPENED + 5 * DAY) is False
    assert_unchanged(order, before)


# ----------------------------------------------------------------------------- DSP-5


def test_dsp5_counter_offer_marks_the_previous_one_countered() -> None:
    order = _negotiating()
    _offer(order, BUYER, OPENED + DAY, PARTIAL_8)
    first, second = _d(order).offers
    assert (first.status, first.answered_at) == (OfferStatus.COUNTERED, OPENED + DAY)
    assert (second.seq, second.by_role, second.status) == (2, Role.BUYER, OfferStatus.PENDING)
    assert _d(order).pending_offer is second
    assert _d(order).state is DisputeState.NEGOTIATING


def test_dsp5_new_offer_supersedes_ones_own() -> None:
    order = _negotiating()
    _offer(order, SELLER, OPENED + DAY, PARTIAL_8)
    first, second = _d(order).offers
    assert first.status is OfferStatus.SUPERSEDED
    assert (second.by_role, second.status) == (Role.SELLER, OfferStatus.PENDING)


def test_dsp5_only_the_addressee_accepts_an_offer() -> None:
    order = _negotiating()
    err = refuse(
        order,
        lambda: order.accept_offer(SELLER, OPENED + DAY),
        IllegalTransition,
        "illegal_transition",
        state="negotiating",
        allowed=["make_offer", "provide_evidence"],
    )
    assert type(err) is IllegalTransition
    assert "(this offer is yours; wait for the other party's answer)" in err.message


def test_dsp5_reject_offer_keeps_negotiating() -> None:
    order = _negotiating()
    order.reject_offer(BUYER, OPENED + DAY, message="too little")
    d = _d(order)
    assert d.offers[0].status is OfferStatus.REJECTED
    assert d.state is DisputeState.NEGOTIATING
    assert d.pending_offer is None
    assert _kinds(order) == [DeadlineKind.DISPUTE_ESCALATION]
    refuse(
        order,
        lambda: order.accept_offer(BUYER, OPENED + DAY),
        IllegalTransition,
        "illegal_transition",
        state="negotiating",
    )


def test_dsp5_accepting_a_partial_refund_refunds_it_and_releases_the_rest() -> None:
    order = _negotiating()
    order.accept_offer(BUYER, OPENED + DAY)
    d = _d(order)
    assert d.state is DisputeState.RESOLVED
    assert d.offers[0].status is OfferStatus.ACCEPTED
    assert d.outcome == {
        "kind": "partial_refund",
        "amount": "5.00",
        "amount_cents": 500,
        "how": "accepted",
        "in_favour_of": "agreement",
        "by": "buyer",
    }
    assert _entries(order)[2:] == [(EntryKind.REFUND, 500), (EntryKind.RELEASE, TOTAL - 500)]
    assert order.balances == Balances(paid=TOTAL, released=TOTAL - 500, refunded=500)
    assert order.state is OrderState.COMPLETED
    assert order.completed_at == OPENED + DAY
    assert order.deadlines() == []


def test_dsp5_reshipment_puts_the_order_back_to_paid_with_the_money_held() -> None:
    order = _disputed(resolution={"kind": "reshipment"})
    agreed = OPENED + DAY
    order.accept_request(SELLER, agreed)
    assert _d(order).state is DisputeState.RESOLVED
    assert order.state is OrderState.PAID
    assert order.ship_by == agreed + HANDLING
    assert (order.tracking_number, order.previous_tracking_numbers) == (None, [TRACKING])
    assert (order.shipped_at, order.delivered_at, order.shipment_status) == (None, None, None)
    assert order.balances == HELD
    assert order.new_refunds == []
    assert order.protection_ends_at == agreed + 60 * DAY
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, agreed + HANDLING)]
    assert order.new_timeline[-1].action == "reshipment_agreed"
    order.ship(SELLER, agreed + DAY, TRACKING_2, "china_post")
    assert order.deadlines() == [Deadline(DeadlineKind.PROTECTION_END, agreed + 60 * DAY)]


def test_dsp5_reshipment_on_a_confirmed_order_keeps_the_frozen_money_held() -> None:
    order = delivered_order()
    order.confirm_receipt(BUYER, OPENED)
    open_dispute(order, OPENED + DAY, resolution={"kind": "reshipment"})
    granted = OPENED + 6 * DAY
    assert order.on_deadline(DeadlineKind.DISPUTE_SELLER_ANSWER, granted) is True
    assert (order.state, order.completed_at) == (OrderState.PAID, None)
    assert order.balances == HELD
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, granted + HANDLING)]
    # the seller, silent, does not ship again either: the buyer gets everything back
    assert order.on_deadline(DeadlineKind.SHIP_BY, granted + HANDLING) is True
    assert order.state is OrderState.CANCELLED
    assert order.balances == REFUNDED
    _balanced(order)


def test_dsp5_reshipment_refuses_the_old_tracking_number() -> None:
    order = _disputed(resolution={"kind": "reshipment"})
    order.accept_request(SELLER, OPENED + DAY)
    refuse(
        order,
        lambda: order.ship(SELLER, OPENED + 2 * DAY, TRACKING.lower(), "china_post"),
        InvalidInput,
        "invalid_input",
    )


def _returning(amount: str | None = None, address: str | None = RETURN_ADDRESS) -> Order:
    order = delivered_order()
    order.seller_return_address = address
    resolution = {"kind": "return_and_refund"}
    if amount is not None:
        resolution["amount"] = amount
    open_dispute(order, OPENED, resolution=resolution)
    order.accept_request(SELLER, OPENED + DAY)
    return order


def test_dsp5_return_and_refund_starts_a_return_to_the_sellers_address() -> None:
    order = _returning()
    rr = order.return_request
    assert rr is not None
    assert order.state is OrderState.RETURNING
    assert (rr.status, rr.return_address, rr.refund_cents) == (
        ReturnStatus.AWAITING_SHIPMENT,
        RETURN_ADDRESS,
        TOTAL,
    )
    assert rr.ship_back_by == OPENED + DAY + 15 * DAY
    assert order.deadlines() == [Deadline(DeadlineKind.RETURN_SHIP_BACK, rr.ship_back_by)]
    assert order.balances == HELD
    assert order.display_status().code == "return_in_progress"


def test_dsp5_return_without_an_address_on_file_says_to_ask_the_seller() -> None:
    order = _returning(address=None)
    assert order.return_request is not None
    assert order.return_request.return_address == NO_RETURN_ADDRESS


def test_dsp5_return_shipped_and_received_refunds_the_agreed_amount() -> None:
    order = _returning("20.00")
    order.ship_return(BUYER, OPENED + 3 * DAY, " RT123 ", "la_poste")
    rr = order.return_request
    assert rr is not None
    assert (rr.status, rr.tracking_number, rr.confirm_by) == (
        ReturnStatus.SHIPPED_BACK,
        "RT123",
        OPENED + 18 * DAY,
    )
    assert order.deadlines() == [Deadline(DeadlineKind.RETURN_CONFIRM, OPENED + 18 * DAY)]
    order.confirm_return_received(SELLER, OPENED + 10 * DAY)
    assert (rr.status, rr.received_at) == (ReturnStatus.RECEIVED, OPENED + 10 * DAY)
    assert order.state is OrderState.COMPLETED
    assert _entries(order)[2:] == [(EntryKind.REFUND, 2000), (EntryKind.RELEASE, TOTAL - 2000)]
    assert order.deadlines() == []
    _balanced(order)


def test_dsp5_return_not_sent_back_in_time_pays_the_seller() -> None:
    order = _returning()
    due = OPENED + 16 * DAY
    assert order.on_deadline(DeadlineKind.RETURN_SHIP_BACK, due) is True
    assert order.return_request is not None
    assert order.return_request.status is ReturnStatus.LAPSED
    assert order.state is OrderState.COMPLETED
    assert _entries(order)[2:] == [(EntryKind.RELEASE, TOTAL)]
    assert order.new_refunds == []
    assert order.balances == RELEASED


def test_dsp5_return_never_confirmed_refunds_the_buyer() -> None:
    order = _returning()
    order.ship_return(BUYER, OPENED + 3 * DAY, "RT123", None)
    assert order.on_deadline(DeadlineKind.RETURN_CONFIRM, OPENED + 18 * DAY) is True
    assert order.return_request is not None
    assert order.return_request.status is ReturnStatus.UNCONFIRMED
    assert order.state is OrderState.COMPLETED
    assert _entries(order)[2:] == [(EntryKind.REFUND, TOTAL)]
    assert order.balances == REFUNDED


def test_dsp5_return_shipped_twice_refused() -> None:
    order = _returning()
    order.ship_return(BUYER, OPENED + 3 * DAY, "RT123", None)
    err = refuse(
        order,
        lambda: order.ship_return(BUYER, OPENED + 4 * DAY, "RT999", None),
        IllegalTransition,
        "illegal_transition",
        state="returning",
    )
    assert "the return has already been sent back" in err.message


def test_dsp5_unanswered_offer_expires_and_the_state_stays() -> None:
    order = _negotiating()
    due = OPENED + timedelta(hours=73)
    assert order.on_deadline(DeadlineKind.DISPUTE_OFFER_REPLY, due) is True
    d = _d(order)
    assert (d.offers[0].status, d.offers[0].answered_at) == (OfferStatus.EXPIRED, due)
    assert d.state is DisputeState.NEGOTIATING
    assert _kinds(order) == [DeadlineKind.DISPUTE_ESCALATION]
    assert order.new_timeline[-1].action == "expire_offer"
    assert order.balances == HELD


# ----------------------------------------------------------------------------- DSP-6


def test_dsp6_escalation_refused_before_72h_with_the_date() -> None:
    order = _negotiating()
    err = refuse(
        order,
        lambda: order.escalate(SELLER, OPENED + timedelta(hours=71)),
        IllegalTransition,
        "illegal_transition",
        state="negotiating",
    )
    assert f"escalation is possible from {(OPENED + timedelta(hours=72)).isoformat()}" in (
        err.message
    )


def test_dsp6_escalation_allowed_from_72h() -> None:
    order = _negotiating()
    order.escalate(SELLER, OPENED + timedelta(hours=72), message="no agreement")
    d = _d(order)
    assert (d.state, d.escalated_by, d.escalated_at) == (
        DisputeState.ESCALATED,
        "seller",
        OPENED + timedelta(hours=72),
    )
    assert DeadlineKind.DISPUTE_ESCALATION not in _kinds(order)


def test_dsp6_negotiation_window_ends_in_escalation_by_the_system() -> None:
    order = _disputed()
    order.contest(SELLER, OPENED + DAY, message="it left intact", evidence=[7])
    assert order.on_deadline(DeadlineKind.DISPUTE_ESCALATION, OPENED + 10 * DAY) is True
    d = _d(order)
    assert (d.state, d.escalated_by, d.escalated_at) == (
        DisputeState.ESCALATED,
        "system",
        OPENED + 10 * DAY,
    )
    assert order.new_timeline[-1].action == "auto_escalate"
    assert order.balances == HELD


def test_dsp6_agent_takes_the_case_and_asks_for_evidence_by_a_date() -> None:
    order = _escalated()
    now = OPENED + 4 * DAY
    order.take_case(AGENT, now)
    order.request_evidence(AGENT, now, party="seller", note="proof of packing", hours=48)
    d = _d(order)
    assert d.agent_id == AGENT_ID
    [req] = d.requests
    assert (req.party, req.note, req.due_at, req.status) == (
        Role.SELLER,
        "proof of packing",
        now + timedelta(hours=48),
        RequestState.OPEN,
    )
    assert order.deadlines() == [Deadline(DeadlineKind.DISPUTE_EVIDENCE_DUE, req.due_at)]
    assert d.allowed_actions(Role.AGENT, AGENT_ID, now) == ["request_evidence", "decide"]


def test_dsp6_evidence_request_defaults_to_72h() -> None:
    order = _escalated()
    order.request_evidence(AGENT, OPENED + 4 * DAY, party="buyer", note="a photo")
    assert _d(order).requests[0].due_at == OPENED + 4 * DAY + timedelta(hours=72)
    assert _d(order).agent_id == AGENT_ID


@pytest.mark.parametrize(
    ("party", "hours", "message"),
    [
        ("agent", 24, "party: 'buyer' or 'seller'"),
        ("buyer", 0, "hours: a whole number from 1 to 240"),
        ("buyer", 241, "hours: a whole number from 1 to 240"),
        ("buyer", True, "hours: a whole number from 1 to 240"),
    ],
)
def test_dsp6_evidence_request_bounds(party: str, hours: Any, message: str) -> None:
    order = _escalated()
    err = refuse(
        order,
        lambda: order.request_evidence(AGENT, OPENED + 4 * DAY, party=party, note="x", hours=hours),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == message


def test_dsp6_provided_evidence_answers_that_partys_request_only() -> None:
    order = _escalated()
    now = OPENED + 4 * DAY
    order.request_evidence(AGENT, now, party="seller", note="packing photo")
    order.request_evidence(AGENT, now, party="buyer", note="unboxing video")
    order.provide_evidence(SELLER, now + DAY, evidence=[20], note="here")
    seller_req, buyer_req = _d(order).requests
    assert (seller_req.status, seller_req.answer, seller_req.evidence) == (
        RequestState.ANSWERED,
        "here",
        [20],
    )
    assert buyer_req.status is RequestState.OPEN
    assert 20 in _d(order).evidence
    assert order.new_timeline[-1].data["answers"] == [1]


def test_dsp6_provide_evidence_needs_a_file() -> None:
    order = _escalated()
    refuse(
        order,
        lambda: order.provide_evidence(BUYER, OPENED + 4 * DAY, evidence=[]),
        InvalidInput,
        "invalid_input",
    )


def test_dsp6_evidence_not_given_in_time_is_marked_overdue() -> None:
    order = _escalated()
    now = OPENED + 4 * DAY
    order.request_evidence(AGENT, now, party="buyer", note="a photo", hours=24)
    assert order.on_deadline(DeadlineKind.DISPUTE_EVIDENCE_DUE, now + DAY) is True
    assert _d(order).requests[0].status is RequestState.OVERDUE
    assert order.new_timeline[-1].data == {"requests": [1], "parties": ["buyer"]}
    assert _d(order).state is DisputeState.ESCALATED
    assert DeadlineKind.DISPUTE_EVIDENCE_DUE not in _kinds(order)


@pytest.mark.parametrize(
    ("favour", "amount", "resolution"),
    [
        ("buyer", None, {"kind": "full_refund", "amount": None, "amount_cents": None}),
        ("seller", None, {"kind": "no_refund", "amount": None, "amount_cents": None}),
        ("split", 1000, {"kind": "partial_refund", "amount": "10.00", "amount_cents": 1000}),
    ],
)
def test_dsp6_decision_opens_a_7_day_appeal_window(
    favour: str, amount: int | None, resolution: dict[str, Any]
) -> None:
    order = _decided(favour, amount)
    d = _d(order)
    decided = OPENED + 4 * DAY
    assert d.state is DisputeState.DECIDED
    assert d.appeal_by == decided + 7 * DAY
    assert d.decision == {
        "in_favour_of": favour,
        "resolution": resolution,
        "note": "seen",
        "agent_id": AGENT_ID,
        "decided_at": decided.isoformat(),
        "final": False,
    }
    assert order.deadlines() == [Deadline(DeadlineKind.DISPUTE_APPEAL_WINDOW, decided + 7 * DAY)]
    assert order.balances == HELD  # nothing carried out yet
    assert order.new_refunds == []


@pytest.mark.parametrize(
    ("favour", "amount", "message"),
    [
        ("split", None, "a split refunds an amount above 0 and below 25.99 EUR"),
        ("split", 0, "a split refunds an amount above 0 and below 25.99 EUR"),
        ("split", TOTAL, "a split refunds an amount above 0 and below 25.99 EUR"),
        ("buyer", 500, "an amount is only given with a split"),
        ("nobody", None, "in_favour_of: 'buyer', 'seller' or 'split'"),
    ],
)
def test_dsp6_decision_amount_rules(favour: str, amount: int | None, message: str) -> None:
    order = _escalated()
    err = refuse(
        order,
        lambda: order.decide(AGENT, OPENED + 4 * DAY, in_favour_of=favour, amount=amount, note="x"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == message


def test_dsp6_decision_carried_out_once_both_parties_accept() -> None:
    order = _decided("split", 1000)
    order.accept_decision(SELLER, OPENED + 5 * DAY)
    assert _d(order).state is DisputeState.DECIDED
    assert order.balances == HELD
    refuse(
        order,
        lambda: order.accept_decision(SELLER, OPENED + 5 * DAY),
        IllegalTransition,
        "illegal_transition",
        state="decided",
        allowed=[],  # having accepted it, the seller can no longer appeal,
    )
    order.accept_decision(BUYER, OPENED + 6 * DAY)
    d = _d(order)
    assert d.state is DisputeState.RESOLVED
    assert d.decision_accepted_by == ["seller", "buyer"]
    assert d.outcome is not None
    assert (d.outcome["how"], d.outcome["in_favour_of"]) == ("decision_accepted", "split")
    assert _entries(order)[2:] == [(EntryKind.REFUND, 1000), (EntryKind.RELEASE, TOTAL - 1000)]
    assert order.state is OrderState.COMPLETED
    assert order.deadlines() == []


def test_dsp6_appeal_needs_new_evidence() -> None:
    order = _decided("seller")
    err = refuse(
        order,
        lambda: order.appeal(BUYER, OPENED + 5 * DAY, note="look again", evidence=[1]),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == "an appeal needs new evidence, not already in the case"


def test_dsp6_appeal_then_final_decision_carried_out_at_once() -> None:
    order = _decided("seller")
    order.appeal(BUYER, OPENED + 5 * DAY, note="the courier's report", evidence=[1, 9])
    d = _d(order)
    assert (d.state, d.appealed_by, d.appeal) == (
        DisputeState.APPEALED,
        "buyer",
        {"note": "the courier's report", "evidence": [9], "at": (OPENED + 5 * DAY).isoformat()},
    )
    assert order.deadlines() == []
    order.decide(AGENT, OPENED + 6 * DAY, in_favour_of="buyer", amount=None, note="reviewed")
    assert d.state is DisputeState.RESOLVED
    assert d.decision is not None
    assert d.decision["final"] is True
    assert d.appeal_by is None
    assert d.outcome is not None
    assert (d.outcome["kind"], d.outcome["how"]) == ("full_refund", "decision")
    assert order.balances == REFUNDED
    assert order.state is OrderState.COMPLETED
    err = refuse(
        order,
        lambda: order.appeal(SELLER, OPENED + 7 * DAY, note="again", evidence=[10]),
        IllegalTransition,
        "illegal_transition",
        state="resolved",
        allowed=[],
    )
    assert "the dispute is closed; nothing more can be done on it" in err.message


def test_dsp6_appeal_refused_after_the_window() -> None:
    order = _decided("seller")
    late = OPENED + 11 * DAY + timedelta(seconds=1)
    err = refuse(
        order,
        lambda: order.appeal(BUYER, late, note="late", evidence=[9]),
        IllegalTransition,
        "illegal_transition",
        state="decided",
        allowed=["accept_decision"],
    )
    assert f"the appeal window closed on {(OPENED + 11 * DAY).isoformat()}" in err.message


def test_dsp6_appeal_window_end_carries_the_decision_out() -> None:
    order = _decided("buyer")
    assert order.on_deadline(DeadlineKind.DISPUTE_APPEAL_WINDOW, OPENED + 11 * DAY) is True
    d = _d(order)
    assert d.state is DisputeState.RESOLVED
    assert d.outcome is not None
    assert (d.outcome["how"], d.outcome["by"]) == ("decision", "system")
    assert order.balances == REFUNDED
    assert order.state is OrderState.COMPLETED


def test_dsp6_parties_can_still_agree_while_escalated() -> None:
    order = _escalated()
    order.request_evidence(AGENT, OPENED + 4 * DAY, party="buyer", note="a photo")
    _offer(order, SELLER, OPENED + 5 * DAY, PARTIAL_8)
    assert _d(order).state is DisputeState.ESCALATED
    order.accept_offer(BUYER, OPENED + 5 * DAY)
    d = _d(order)
    assert d.state is DisputeState.RESOLVED
    assert d.requests[0].status is RequestState.CLOSED
    assert order.balances == Balances(paid=TOTAL, released=TOTAL - 800, refunded=800)
    assert order.deadlines() == []


# ----------------------------------------------------------------------------- DSP-8


def test_dsp8_decision_for_the_seller_closes_against_the_buyer() -> None:
    order = _decided("seller")
    order.on_deadline(DeadlineKind.DISPUTE_APPEAL_WINDOW, OPENED + 11 * DAY)
    d = _d(order)
    assert d.outcome == {
        "kind": "no_refund",
        "amount": None,
        "amount_cents": None,
        "how": "decision",
        "in_favour_of": "seller",
        "by": "system",
    }
    assert order.balances == RELEASED
    assert order.new_refunds == []
    assert order.state is OrderState.COMPLETED


# ----------------------------------------------------------------------------- DSP: closed


def _closed_calls(order: Order) -> list[Callable[[], None]]:
    later = OPENED + 30 * DAY
    return [
        lambda: order.accept_request(SELLER, later),
        lambda: _offer(order, SELLER, later),
        lambda: order.contest(SELLER, later, message="no", evidence=[3]),
        lambda: order.accept_offer(BUYER, later),
        lambda: order.reject_offer(BUYER, later),
        lambda: order.escalate(BUYER, later),
        lambda: order.withdraw_dispute(BUYER, later),
        lambda: order.provide_evidence(BUYER, later, evidence=[3]),
        lambda: order.take_case(AGENT, later),
        lambda: order.decide(AGENT, later, in_favour_of="buyer", amount=None, note="x"),
        lambda: order.accept_decision(BUYER, later),
        lambda: order.appeal(SELLER, later, note="x", evidence=[3]),
    ]


@pytest.mark.parametrize("index", range(12))
@pytest.mark.parametrize("ending", ["resolved", "withdrawn"])
def test_dsp_any_action_after_the_dispute_closed_refused(index: int, ending: str) -> None:
    order = _negotiating()
    if ending == "resolved":
        order.accept_offer(BUYER, OPENED + DAY)
    else:
        order.withdraw_dispute(BUYER, OPENED + DAY)
    err = refuse(
        order,
        _closed_calls(order)[index],
        IllegalTransition,
        "illegal_transition",
        state=ending,
        allowed=[],
    )
    assert type(err) is IllegalTransition
    assert err.context["subject"] == "dispute"
    assert (
        f"while the dispute is '{ending}' (the dispute is closed; nothing more can be done on it)"
        in err.message
    )


def test_dsp_no_dispute_no_step() -> None:
    order = delivered_order()
    err = refuse(
        order,
        lambda: order.accept_request(SELLER, OPENED),
        IllegalTransition,
        "illegal_transition",
        state="delivered",
    )
    assert "there is no dispute on this order" in err.message


@pytest.mark.parametrize("actor", [BUYER, SELLER])
@pytest.mark.parametrize("action", ["take_case", "request_evidence", "decide"])
def test_dsp_parties_cannot_take_an_agents_action(actor: Actor, action: str) -> None:
    order = _escalated()
    now = OPENED + 4 * DAY
    calls: dict[str, Callable[[], None]] = {
        "take_case": lambda: order.take_case(actor, now),
        "request_evidence": lambda: order.request_evidence(actor, now, party="buyer", note="x"),
        "decide": lambda: order.decide(actor, now, in_favour_of="buyer", amount=None, note="x"),
    }
    err = refuse(
        order, calls[action], RoleNotAllowed, "role_not_allowed", state="escalated"
    )
    assert err.http_status == 403
    assert RoleNotAllowed.http_status == 403
    assert f"(a {actor.role.value} cannot do this)" in err.message


def test_dsp_agent_cannot_take_a_partys_action() -> None:
    order = _negotiating()
    err = refuse(
        order,
        lambda: order.accept_offer(AGENT, OPENED + DAY),
        RoleNotAllowed,
        "role_not_allowed",
        state="negotiating",
        allowed=[],
    )
    assert err.http_status == 403


# ----------------------------------------------------------------------------- DSP: the table


def _appealed() -> Order:
    order = _decided("seller")
    order.appeal(BUYER, OPENED + 5 * DAY, note="new proof", evidence=[9])
    return order


def _resolved() -> Order:
    order = _disputed()
    order.accept_request(SELLER, OPENED + DAY)
    return order


def _withdrawn() -> Order:
    order = _disputed()
    order.withdraw_dispute(BUYER, OPENED + DAY)
    return order


def _negotiating_late() -> Order:
    order = _negotiating()
    order.reject_offer(BUYER, OPENED + 2 * DAY)
    return order


TABLE: list[tuple[str, Callable[[], Order], datetime, dict[Role, list[str]]]] = [
    (
        "awaiting_seller",
        _disputed,
        OPENED + DAY,
        {
            Role.BUYER: ["withdraw_dispute", "provide_evidence"],
            Role.SELLER: ["accept_request", "make_offer", "contest", "provide_evidence"],
            Role.AGENT: [],
            Role.SYSTEM: ["grant_by_default"],
        },
    ),
    (
        "negotiating, the seller's offer pending, before 72h",
        _negotiating,
        OPENED + DAY,
        {
            Role.BUYER: [
                "make_offer",
                "accept_offer",
                "reject_offer",
                "withdraw_dispute",
                "provide_evidence",
            ],
            Role.SELLER: ["make_offer", "provide_evidence"],
            Role.AGENT: [],
            Role.SYSTEM: ["expire_offer", "auto_escalate"],
        },
    ),
    (
        "negotiating, no offer pending, after 72h",
        _negotiating_late,
        OPENED + 3 * DAY,
        {
            Role.BUYER: ["make_offer", "escalate", "withdraw_dispute", "provide_evidence"],
            Role.SELLER: ["make_offer", "escalate", "provide_evidence"],
            Role.AGENT: [],
            # the system's own steps are not guarded by data (expire_offer is listed with
            # no offer pending); deadlines() is what drives them, so the system is left out
        },
    ),
    (
        "escalated",
        _escalated,
        OPENED + 4 * DAY,
        {
            Role.BUYER: ["make_offer", "withdraw_dispute", "provide_evidence"],
            Role.SELLER: ["make_offer", "provide_evidence"],
            Role.AGENT: ["take_case", "request_evidence", "decide"],
        },
    ),
    (
        "decided",
        _decided,
        OPENED + 5 * DAY,
        {
            Role.BUYER: ["accept_decision", "appeal"],
            Role.SELLER: ["accept_decision", "appeal"],
            Role.AGENT: [],
            Role.SYSTEM: ["finalize_decision"],
        },
    ),
    (
        "appealed (the deciding agent already holds the case)",
        _appealed,
        OPENED + 6 * DAY,
        {
            Role.BUYER: ["provide_evidence"],
            Role.SELLER: ["provide_evidence"],
            Role.AGENT: ["request_evidence", "decide"],
            Role.SYSTEM: ["mark_evidence_overdue"],
        },
    ),
    ("resolved", _resolved, OPENED + 2 * DAY, {r: [] for r in Role if r is not Role.OPERATOR}),
    ("withdrawn", _withdrawn, OPENED + 2 * DAY, {r: [] for r in Role if r is not Role.OPERATOR}),
]


@pytest.mark.parametrize(("name", "build", "now", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_dsp_allowed_actions_per_role_follow_the_table(
    name: str, build: Callable[[], Order], now: datetime, expected: dict[Role, list[str]]
) -> None:
    d = _d(build())
    ids = {Role.BUYER: BUYER.user_id, Role.SELLER: SELLER.user_id, Role.AGENT: AGENT_ID}
    got = {role: d.allowed_actions(role, ids.get(role), now) for role in expected}
    assert got == expected
    assert d.allowed_actions(Role.OPERATOR, 44, now) == []
    for role, allowed in expected.items():  # the table is the source: every listed action is legal
        for action in allowed:
            rule = DISPUTE_TRANSITIONS[DisputeAction(action)]
            assert d.state in rule.sources and role in rule.roles


def test_dsp_table_covers_every_dispute_action_but_opening() -> None:
    assert set(DISPUTE_TRANSITIONS) == set(DisputeAction) - {DisputeAction.OPEN}
    for rule in DISPUTE_TRANSITIONS.values():
        assert rule.sources and rule.roles and rule.meaning
        assert not rule.sources & {DisputeState.RESOLVED, DisputeState.WITHDRAWN}


# ----------------------------------------------------------------------------- withdraw


def test_dsp_withdraw_closes_the_dispute_without_remedy() -> None:
    order = _negotiating()
    order.withdraw_dispute(BUYER, OPENED + DAY, message="sorted out")
    d = _d(order)
    assert d.state is DisputeState.WITHDRAWN
    assert d.closed_at == OPENED + DAY
    assert d.offers[0].status is OfferStatus.CLOSED
    assert d.outcome == {
        "kind": "withdrawn",
        "how": "withdrawn",
        "in_favour_of": "seller",
        "by": "buyer",
        "amount_cents": None,
    }
    assert order.new_timeline[-1].data == {"message": "sorted out"}


def test_dsp_withdraw_on_a_completed_order_gives_the_frozen_money_back_to_the_seller() -> None:
    order = delivered_order()
    order.confirm_receipt(BUYER, OPENED)
    open_dispute(order, OPENED + DAY)
    assert order.balances == HELD
    order.withdraw_dispute(BUYER, OPENED + 2 * DAY)
    assert _entries(order)[3:] == [(EntryKind.RECOVER, TOTAL), (EntryKind.RELEASE, TOTAL)]
    assert order.balances == RELEASED
    assert order.state is OrderState.COMPLETED
    assert order.new_timeline[-1].action == "funds_released"
    assert order.deadlines() == []


def test_dsp_withdraw_on_a_shipped_order_keeps_the_money_held() -> None:
    order = open_dispute(in_transit_order(), OPENED, reason="not_received")
    assert DeadlineKind.PROTECTION_END not in _kinds(order)
    order.withdraw_dispute(BUYER, OPENED + DAY)
    assert order.balances == HELD
    assert order.state is OrderState.SHIPPED
    assert order.deadlines() == [Deadline(DeadlineKind.PROTECTION_END, T0 + 60 * DAY)]
    assert _entries(order) == [(EntryKind.CAPTURE, TOTAL), (EntryKind.HOLD, TOTAL)]


def test_dsp_only_the_buyer_withdraws() -> None:
    order = _disputed()
    refuse(
        order,
        lambda: order.withdraw_dispute(SELLER, OPENED + DAY),
        RoleNotAllowed,
        "role_not_allowed",
        state="awaiting_seller",
        allowed=["accept_request", "make_offer", "contest", "provide_evidence"],
    )
