"""ORD-1..ORD-5 on the pure order aggregate (no database)."""

from __future__ import annotations

import copy
import dataclasses
from datetime import timedelta

import pytest
from domain_builders import (
    BUYER,
    BUYER_ID,
    HANDLING,
    OPERATOR,
    OPERATOR_ID,
    SELLER,
    SELLER_ID,
    SELLER_WHEN_PAID,
    SYSTEM,
    T0,
    TOTAL,
    TRACKING,
    assert_unchanged,
    at,
    new_order,
    paid_order,
    refuse,
    requested_order,
    shipped_order,
)

from garant.domain.cancellation import Fault, RequestStatus
from garant.domain.errors import IllegalTransition, InvalidInput, RoleNotAllowed
from garant.domain.money import Balances, EntryKind
from garant.domain.orders import Actor, Deadline, DeadlineKind, Order
from garant.domain.policy import DEFAULT_POLICY
from garant.domain.statuses import SHIPMENT_PROGRESS, STATUSES
from garant.domain.transitions import TRANSITIONS, Action, OrderState, Role

SEED_003_TABLE = [
    "Commande reçue",
    "En attente de précisions",
    "Commande inexécutable",
    "Montant mis à jour",
    "Commande en cours",
    "Achat effectué",
    "Commande préparée",
    "Commande consolidée",
    "Facture disponible",
    "Expédié",
    "Pris en charge par le transporteur",
    "En transit international",
    "Arrivé dans le pays de destination",
    "En cours de dédouanement",
    "Dédouané",
    "En cours de livraison",
    "Arrivée à destination",
    "Tentative de livraison échouée",
    "Disponible en point de retrait",
    "Commande annulée",
    "Commande remboursée",
    "Commande abandonnée",
]
SEED_003_FAQ = "Retourné à l'expéditeur"
# Garant's one addition: a return agreed in a dispute (DSP-5) has no word in the seed's table.
GARANT_RETURN = "Retour en cours"


# ----------------------------------------------------------------------------- ORD-1


def test_ord1_vocabulary_is_exactly_the_seed_table() -> None:
    assert [s.fr for s in STATUSES.values()] == [*SEED_003_TABLE, SEED_003_FAQ, GARANT_RETURN]


def test_ord1_every_word_has_an_english_translation_and_a_stable_code() -> None:
    assert all(s.en and s.en != s.fr for s in STATUSES.values())
    assert all(code == s.code for code, s in STATUSES.items())
    assert len({s.en for s in STATUSES.values()}) == len(STATUSES)
    assert STATUSES["returned_to_sender"].to_json() == {
        "code": "returned_to_sender",
        "fr": "Retourné à l'expéditeur",
        "en": "Returned to sender",
    }


@pytest.mark.parametrize("state", list(OrderState))
def test_ord1_every_state_shows_a_word_of_the_vocabulary(state: OrderState) -> None:
    order = dataclasses.replace(new_order(), state=state)
    assert order.display_status() in STATUSES.values()


# ----------------------------------------------------------------------------- ORD-2


def test_ord2_events_are_not_lifecycle_states() -> None:
    states = {s.value for s in OrderState}
    assert "amount_updated" not in states
    assert "invoice_available" not in states
    assert set(SHIPMENT_PROGRESS) - {"shipped"} <= set(STATUSES) - states


def test_ord2_transition_table_covers_every_action() -> None:
    assert set(TRANSITIONS) == set(Action)
    for action, rule in TRANSITIONS.items():
        assert rule.sources, action
        assert rule.roles, action
        assert rule.meaning, action
    # the event-only actions never move the lifecycle
    assert TRANSITIONS[Action.UPDATE_AMOUNT].target is None
    assert TRANSITIONS[Action.PUBLISH_INVOICE].target is None
    assert TRANSITIONS[Action.RECORD_SHIPMENT_PROGRESS].target is None


def test_ord2_amount_update_is_an_event_that_keeps_the_state() -> None:
    order = new_order()
    order.update_amount(SELLER, at(1), 2999, "shipping cost corrected")
    assert order.state is OrderState.RECEIVED
    assert order.display_status().fr == "Montant mis à jour"


def test_ord2_invoice_is_an_event_that_keeps_the_state() -> None:
    order = paid_order()
    order.publish_invoice(SELLER, at(2), "INV-1")
    assert order.state is OrderState.PAID
    assert order.invoice_available is True
    entry = order.new_timeline[-1]
    assert (entry.action, entry.status_code, entry.data) == (
        "publish_invoice",
        "invoice_available",
        {"invoice": "INV-1"},
    )
    assert order.display_status().fr == "Achat effectué"


def test_ord2_shown_status_is_derived_along_the_way() -> None:
    order = new_order()
    shown = [order.display_status().fr]
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    shown.append(order.display_status().fr)
    order.verify_payment(OPERATOR, at(2))
    shown.append(order.display_status().fr)
    order.mark_prepared(SELLER, at(3))
    shown.append(order.display_status().fr)
    order.consolidate(SELLER, at(4), "PARCEL-9")
    shown.append(order.display_status().fr)
    order.ship(SELLER, at(5), TRACKING, "china_post")
    shown.append(order.display_status().fr)
    for code in ("carrier_accepted", "international_transit", "customs_clearance"):
        order.record_shipment_progress(OPERATOR, at(6), code)
        shown.append(order.display_status().fr)
    order.record_delivery(OPERATOR, at(7))
    shown.append(order.display_status().fr)
    order.confirm_receipt(BUYER, at(8))
    shown.append(order.display_status().fr)
    assert shown == [
        "Commande reçue",
        "Commande en cours",
        "Achat effectué",
        "Commande préparée",
        "Commande consolidée",
        "Expédié",
        "Pris en charge par le transporteur",
        "En transit international",
        "En cours de dédouanement",
        "Arrivée à destination",
        "Arrivée à destination",
    ]
    assert order.state is OrderState.COMPLETED


def test_ord2_cancelled_shows_refunded_once_the_refund_is_settled() -> None:
    order = requested_order()
    order.approve_cancellation(SELLER, at(2))
    assert order.display_status().fr == "Commande annulée"
    order.refunds_pending -= 1  # the service does this when the provider confirms
    order.refund_settled(OPERATOR, at(200), TOTAL)
    assert order.display_status().fr == "Commande remboursée"
    entry = order.new_timeline[-1]
    assert (entry.action, entry.status_code, entry.data) == (
        "refund_settled",
        "refunded",
        {"amount": "25.99"},
    )


def test_ord2_unpaid_cancel_shows_cancelled_not_refunded() -> None:
    order = new_order()
    order.cancel(BUYER, at(1), confirmed=True)
    assert order.display_status().fr == "Commande annulée"


def test_ord2_unknown_shipment_progress_refused() -> None:
    order = shipped_order()
    err = refuse(
        order,
        lambda: order.record_shipment_progress(OPERATOR, at(30), "teleported"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message.startswith("unknown shipment status 'teleported'; use one of: shipped,")


# ----------------------------------------------------------------------------- ORD-3


def test_ord3_illegal_transition_names_state_and_allowed_actions() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.confirm_receipt(BUYER, at(1)),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["request_cancellation"],
    )
    assert isinstance(err, IllegalTransition)
    assert err.action == "confirm_receipt"
    assert err.allowed == ["request_cancellation"]
    assert err.http_status == 409
    assert err.message == (
        "'confirm_receipt' is not allowed while the order is 'paid'. "
        "Allowed now: request_cancellation."
    )


def test_ord3_wrong_role_is_refused_naming_state_and_allowed_actions() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.ship(BUYER, at(1), TRACKING, None),
        RoleNotAllowed,
        "role_not_allowed",
        state="paid",
        allowed=["request_cancellation"],
    )
    assert err.http_status == 403
    assert err.message == (
        "'ship' is not allowed while the order is 'paid' (a buyer cannot do this). "
        "Allowed now: request_cancellation."
    )


def test_ord3_closed_order_allows_nothing() -> None:
    order = new_order()
    order.cancel(BUYER, at(1), confirmed=True)
    err = refuse(
        order,
        lambda: order.mark_prepared(SELLER, at(2)),
        IllegalTransition,
        "illegal_transition",
        state="cancelled",
        allowed=[],
    )
    assert err.message == (
        "'mark_prepared' is not allowed while the order is 'cancelled'. Allowed now: none."
    )
    for role in Role:
        assert order.allowed_actions(Actor(role, 1)) == []
    assert order.deadlines() == []


def test_ord3_guard_refusal_says_why() -> None:
    order = requested_order()
    err = refuse(
        order,
        lambda: order.request_cancellation(BUYER, at(2), "found_cheaper"),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["withdraw_cancellation"],
    )
    assert err.message == (
        "'request_cancellation' is not allowed while the order is 'paid' "
        "(a cancellation request is already waiting for the seller). "
        "Allowed now: withdraw_cancellation."
    )


def test_ord3_stranger_may_do_nothing() -> None:
    order = new_order()
    stranger = Actor(Role.BUYER, BUYER_ID + 1000)
    assert order.allowed_actions(stranger) == []
    assert order.allowed_actions(Actor(Role.SELLER, SELLER_ID + 1000)) == []
    refuse(
        order,
        lambda: order.cancel(stranger, at(1), confirmed=True),
        IllegalTransition,
        "illegal_transition",
        state="received",
        allowed=[],
    )


def test_ord3_allowed_actions_follow_the_table() -> None:
    order = paid_order()
    assert order.allowed_actions(SELLER) == SELLER_WHEN_PAID
    assert order.allowed_actions(BUYER) == ["request_cancellation"]
    assert order.allowed_actions(OPERATOR) == ["mark_unfulfillable", "consolidate"]
    assert order.allowed_actions(SYSTEM) == ["miss_ship_by"]


def test_ord3_pay_twice_refused() -> None:
    order = paid_order()
    refuse(
        order,
        lambda: order.pay(OPERATOR, at(1), TOTAL, verified=True),
        IllegalTransition,
        "illegal_transition",
        state="paid",
        allowed=["mark_unfulfillable", "consolidate"],
    )


# ----------------------------------------------------------------------------- ORD-4


def test_ord4_every_change_appends_who_what_when_why() -> None:
    order = new_order()
    order.update_amount(SELLER, at(1), 2999, "shipping cost corrected")
    order.pay(OPERATOR, at(2), 2999, verified=True)
    order.request_cancellation(BUYER, at(3), "found_cheaper", note="sorry")
    order.approve_cancellation(SELLER, at(4))
    rows = [
        (e.action, e.actor_role, e.actor_id, e.at, e.status_code, e.reason)
        for e in order.new_timeline
    ]
    assert rows == [
        ("order_placed", "buyer", BUYER_ID, T0, "received", ""),
        ("update_amount", "seller", SELLER_ID, at(1), "amount_updated", "shipping cost corrected"),
        ("pay", "operator", OPERATOR_ID, at(2), "processing", ""),
        ("verify_payment", "operator", OPERATOR_ID, at(2), "purchased", ""),
        ("request_cancellation", "buyer", BUYER_ID, at(3), None, "found_cheaper"),
        ("approve_cancellation", "seller", SELLER_ID, at(4), "cancelled", ""),
        ("refund_started", "seller", SELLER_ID, at(4), None, "cancellation: found_cheaper"),
    ]
    assert order.new_timeline[4].data == {
        "answer_by": at(75).isoformat(),
        "note": "sorry",
    }


def test_ord4_deadline_steps_are_recorded_as_the_system() -> None:
    order = new_order()
    order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(72))
    entry = order.new_timeline[-1]
    assert (entry.action, entry.actor_role, entry.actor_id, entry.at, entry.reason) == (
        "abandon",
        "system",
        None,
        at(72),
        "not paid in time",
    )


def test_ord4_timeline_is_append_only() -> None:
    order = paid_order()
    earlier = list(order.new_timeline)
    order.mark_prepared(SELLER, at(1))
    order.ship(SELLER, at(2), TRACKING, None)
    assert order.new_timeline[: len(earlier)] == earlier
    assert len(order.new_timeline) == len(earlier) + 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.new_timeline[0].reason = "rewritten"  # type: ignore[misc]


# ----------------------------------------------------------------------------- ORD-5


def test_ord5_amount_update_shows_old_and_new() -> None:
    order = new_order()
    order.update_amount(SELLER, at(1), 2999, "shipping cost corrected")
    assert (order.previous_total_cents, order.total_cents) == (TOTAL, 2999)
    entry = order.new_timeline[-1]
    assert entry.status_code == "amount_updated"
    assert entry.data == {"old_amount": "25.99", "new_amount": "29.99"}
    assert order.display_status().code == "amount_updated"


def test_ord5_payment_must_match_the_updated_amount() -> None:
    order = new_order()
    order.update_amount(SELLER, at(1), 2999, "shipping cost corrected")
    err = refuse(
        order,
        lambda: order.pay(OPERATOR, at(2), TOTAL, verified=True),
        InvalidInput,
        "invalid_input",
        state="received",
    )
    assert err.message == ("the payment (25.99 EUR) must equal the order total (29.99 EUR)")
    order.pay(OPERATOR, at(2), 2999, verified=True)
    assert order.previous_total_cents is None
    assert order.balances == Balances(paid=2999, held=2999)


def test_ord5_amount_update_refused_once_paid() -> None:
    order = new_order()
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    refuse(
        order,
        lambda: order.update_amount(SELLER, at(2), 2999, "too late"),
        IllegalTransition,
        "illegal_transition",
        state="payment_processing",
        allowed=["mark_unfulfillable"],
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [(0, "the new amount must be above zero"), (TOTAL, "the amount is already 25.99 EUR")],
)
def test_ord5_amount_update_must_change_to_a_positive_amount(amount: int, message: str) -> None:
    order = new_order()
    err = refuse(
        order,
        lambda: order.update_amount(SELLER, at(1), amount, "x"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == message


def test_ord5_only_the_seller_updates_the_amount() -> None:
    order = new_order()
    refuse(
        order,
        lambda: order.update_amount(BUYER, at(1), 100, "cheaper please"),
        RoleNotAllowed,
        "role_not_allowed",
        state="received",
        allowed=["cancel"],
    )


def test_ord5_awaiting_details_resumes_to_received() -> None:
    order = new_order()
    order.request_details(SELLER, at(1), "Which size, M or L?")
    assert order.state is OrderState.AWAITING_DETAILS
    assert order.display_status().fr == "En attente de précisions"
    assert order.details_due_at == at(1 + 168)
    assert order.deadlines() == [Deadline(DeadlineKind.BUYER_DETAILS, at(169))]
    assert order.allowed_actions(BUYER) == ["provide_details", "cancel"]
    order.provide_details(BUYER, at(5), "L")
    assert order.state is OrderState.RECEIVED
    assert (order.resume_state, order.details_due_at) == (None, None)
    entry = order.new_timeline[-1]
    assert (entry.action, entry.reason, entry.status_code) == ("provide_details", "L", "received")


def test_ord5_buyer_answer_restarts_the_time_to_pay() -> None:
    """An answer after the 72 h unpaid window must not be abandoned on the next sweep."""
    order = new_order()
    assert order.deadlines() == [Deadline(DeadlineKind.ABANDON_UNPAID, at(72))]
    order.request_details(SELLER, at(1), "Which size, M or L?")
    order.provide_details(BUYER, at(100), "L")
    assert order.deadlines() == [Deadline(DeadlineKind.ABANDON_UNPAID, at(172))]
    assert order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(171)) is False
    assert order.state is OrderState.RECEIVED


def test_ord5_awaiting_details_resumes_to_paid_and_pauses_ship_by() -> None:
    order = paid_order()
    assert order.ship_by == T0 + HANDLING
    order.request_details(SELLER, at(10), "Which colour?")
    # the handling clock is stopped: no ship-by deadline while the seller waits
    assert order.deadlines() == [Deadline(DeadlineKind.BUYER_DETAILS, at(178))]
    assert order.on_deadline(DeadlineKind.SHIP_BY, at(130)) is False
    order.provide_details(BUYER, at(34), "Blue")
    assert order.state is OrderState.PAID
    assert order.ship_by == T0 + HANDLING + timedelta(hours=24)
    assert order.deadlines() == [Deadline(DeadlineKind.SHIP_BY, at(144))]
    assert order.display_status().fr == "Achat effectué"


def test_ord5_details_request_needs_a_question_and_answer_needs_text() -> None:
    order = new_order()
    refuse(order, lambda: order.request_details(SELLER, at(1), "  "), InvalidInput, "invalid_input")
    order.request_details(SELLER, at(1), "Size?")
    refuse(order, lambda: order.provide_details(BUYER, at(2), ""), InvalidInput, "invalid_input")


def test_ord5_buyer_silent_on_details_abandons_and_refunds_if_paid() -> None:
    order = paid_order()
    order.request_details(SELLER, at(1), "Which colour?")
    assert order.on_deadline(DeadlineKind.BUYER_DETAILS, at(168)) is False
    assert order.on_deadline(DeadlineKind.BUYER_DETAILS, at(169)) is True
    assert order.state is OrderState.ABANDONED
    assert order.display_status().fr == "Commande abandonnée"
    assert (order.close_reason, order.close_fault) == ("no_buyer_details", Fault.NONE)
    assert order.balances == Balances(paid=TOTAL, held=0, released=0, refunded=TOTAL)
    assert [r.amount_cents for r in order.new_refunds] == [TOTAL]


def test_ord5_unfulfillable_refunds_anything_paid() -> None:
    order = paid_order()
    order.mark_unfulfillable(SELLER, at(5), "out_of_stock")
    assert order.state is OrderState.UNFULFILLABLE
    assert order.display_status().fr == "Commande inexécutable"
    assert (order.close_reason, order.close_fault, order.closed_at) == (
        "out_of_stock",
        Fault.SELLER,
        at(5),
    )
    assert order.balances == Balances(paid=TOTAL, held=0, released=0, refunded=TOTAL)
    assert [(e.kind, e.amount_cents) for e in order.new_entries] == [
        (EntryKind.CAPTURE, TOTAL),
        (EntryKind.HOLD, TOTAL),
        (EntryKind.REFUND, TOTAL),
    ]
    assert [(r.amount_cents, r.reason) for r in order.new_refunds] == [
        (TOTAL, "unfulfillable: out_of_stock")
    ]
    assert order.ship_by is None
    assert order.deadlines() == []


def test_ord5_unfulfillable_payment_in_verification_is_refunded() -> None:
    order = new_order()
    order.pay(OPERATOR, at(1), TOTAL, verified=False)
    order.mark_unfulfillable(SELLER, at(2), "no_shipping_to_address")
    assert (order.state, order.close_fault) == (OrderState.UNFULFILLABLE, Fault.NONE)
    assert order.balances == Balances(paid=TOTAL, held=0, released=0, refunded=TOTAL)


def test_ord5_unfulfillable_unpaid_has_nothing_to_refund() -> None:
    order = new_order()
    order.mark_unfulfillable(SELLER, at(1), "no_shipping_to_address")
    assert order.state is OrderState.UNFULFILLABLE
    assert order.balances == Balances()
    assert (order.new_entries, order.new_refunds) == ([], [])


def test_ord5_unfulfillable_reason_must_be_known() -> None:
    order = paid_order()
    err = refuse(
        order,
        lambda: order.mark_unfulfillable(SELLER, at(1), "bored"),
        InvalidInput,
        "invalid_input",
    )
    assert err.message == (
        "unknown reason 'bored'; use one of: out_of_stock, no_shipping_to_address"
    )


def test_ord5_unfulfillable_after_shipment_refused() -> None:
    order = shipped_order()
    refuse(
        order,
        lambda: order.mark_unfulfillable(SELLER, at(30), "out_of_stock"),
        IllegalTransition,
        "illegal_transition",
        state="shipped",
        allowed=["publish_invoice"],
    )


def test_ord5_unfulfillable_settles_an_open_cancellation_request() -> None:
    """Regression: the request stayed open on the closed order and its 72 h deadline then
    raised IllegalTransition on every sweep."""
    order = requested_order()
    order.mark_unfulfillable(SELLER, at(2), "out_of_stock")
    assert order.cancellation is not None
    assert (order.cancellation.status, order.cancellation.answered_at) == (
        RequestStatus.SUPERSEDED,
        at(2),
    )
    assert order.deadlines() == []
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.SELLER_ANSWER, at(100)) is False
    assert_unchanged(order, before)
    assert order.balances.refunded == TOTAL


def test_ord5_unpaid_abandoned_after_policy_delay() -> None:
    order = new_order()
    assert order.deadlines() == [Deadline(DeadlineKind.ABANDON_UNPAID, at(72))]
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(71, 59)) is False
    assert_unchanged(order, before)
    assert order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(72)) is True
    assert order.state is OrderState.ABANDONED
    assert (order.close_reason, order.close_fault, order.closed_at) == (
        "unpaid",
        Fault.NONE,
        at(72),
    )
    assert order.new_timeline[-1].status_code == "abandoned"
    assert (order.new_entries, order.new_refunds) == ([], [])
    # it happens once
    assert order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(80)) is False


def test_ord5_abandon_delay_is_the_order_policy() -> None:
    order = new_order(DEFAULT_POLICY.with_changes(unpaid_abandon_hours=24))
    assert order.deadlines() == [Deadline(DeadlineKind.ABANDON_UNPAID, at(24))]
    assert order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(24)) is True
    assert order.state is OrderState.ABANDONED


def test_ord5_paid_order_is_never_abandoned_as_unpaid() -> None:
    order = paid_order()
    before = copy.deepcopy(order)
    assert order.on_deadline(DeadlineKind.ABANDON_UNPAID, at(500)) is False
    assert_unchanged(order, before)


def test_ord5_nobody_but_the_system_abandons() -> None:
    order = new_order()
    assert Action.ABANDON.value not in order.allowed_actions(SELLER)
    assert order.allowed_actions(SYSTEM) == ["abandon"]
    assert isinstance(order, Order)
