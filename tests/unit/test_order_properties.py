"""Random sequences of actions by random people on one order (ORD-3, ORD-4, PRT-6).

Whatever happens: the ledger stays balanced (paid = held + released + refunded, nothing
negative), no refund exceeds what was paid, the timeline only grows, an action that succeeds
was one of the actor's allowed actions, and an action that is refused changes nothing at all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta

from domain_builders import (
    AGENT,
    BUYER,
    OPERATOR,
    SELLER,
    SYSTEM,
    T0,
    TOTAL,
    TRACKING,
    TRACKING_2,
    assert_unchanged,
    new_order,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from garant.domain.cancellation import BUYER_REASONS, SECURITY_REASONS, UNFULFILLABLE_REASONS
from garant.domain.errors import DomainError, IllegalTransition
from garant.domain.money import Balances
from garant.domain.orders import Actor, DeadlineKind, Order
from garant.domain.statuses import SHIPMENT_PROGRESS
from garant.domain.transitions import TRANSITIONS, Action, OrderState, Role

ACTORS = {
    Role.BUYER: BUYER,
    Role.SELLER: SELLER,
    Role.AGENT: AGENT,
    Role.OPERATOR: OPERATOR,
    Role.SYSTEM: SYSTEM,
}
STRANGERS = {Role.BUYER: Actor(Role.BUYER, 999), Role.SELLER: Actor(Role.SELLER, 998)}


def _pick(options: list[str] | tuple[str, ...], k: int) -> str:
    """Mostly a valid option, sometimes a wrong one."""
    return "bogus" if k % 7 == 6 else options[k % len(options)]


def _tracking(order: Order, k: int) -> str:
    return [TRACKING, TRACKING_2, f"LX{100000000 + k}CN", "", *order.previous_tracking_numbers][
        k % (4 + len(order.previous_tracking_numbers))
    ]


Op = Callable[[Order, Actor, datetime, int], object]

OPS: dict[str, Op] = {
    "update_amount": lambda o, a, n, k: o.update_amount(a, n, [0, o.total_cents, 1999][k % 3], "r"),
    "request_details": lambda o, a, n, k: o.request_details(a, n, ["Size?", " "][k % 2]),
    "provide_details": lambda o, a, n, k: o.provide_details(a, n, ["L", ""][k % 2]),
    "pay": lambda o, a, n, k: o.pay(
        a, n, o.total_cents if k % 4 else o.total_cents + 1, verified=k % 3 == 0
    ),
    "verify_payment": lambda o, a, n, k: o.verify_payment(a, n),
    "mark_unfulfillable": lambda o, a, n, k: o.mark_unfulfillable(
        a, n, _pick(list(UNFULFILLABLE_REASONS), k)
    ),
    "mark_prepared": lambda o, a, n, k: o.mark_prepared(a, n),
    "consolidate": lambda o, a, n, k: o.consolidate(a, n, "P-1"),
    "publish_invoice": lambda o, a, n, k: o.publish_invoice(a, n, "INV-1"),
    "ship": lambda o, a, n, k: o.ship(a, n, _tracking(o, k), "china_post"),
    "record_shipment_progress": lambda o, a, n, k: o.record_shipment_progress(
        a, n, _pick(SHIPMENT_PROGRESS, k)
    ),
    "record_delivery": lambda o, a, n, k: o.record_delivery(a, n),
    "confirm_receipt": lambda o, a, n, k: o.confirm_receipt(a, n),
    "mark_returned_to_sender": lambda o, a, n, k: o.mark_returned_to_sender(a, n, "r"),
    "cancel": lambda o, a, n, k: o.cancel(a, n, confirmed=k % 3 != 0),
    "request_cancellation": lambda o, a, n, k: o.request_cancellation(
        a, n, _pick(list(BUYER_REASONS), k)
    ),
    "approve_cancellation": lambda o, a, n, k: o.approve_cancellation(a, n),
    "decline_cancellation": lambda o, a, n, k: o.decline_cancellation(
        a, n, _tracking(o, k), "china_post"
    ),
    "withdraw_cancellation": lambda o, a, n, k: o.withdraw_cancellation(a, n),
    "request_extension": lambda o, a, n, k: o.request_extension(a, n, [3, 0, 40][k % 3], "r"),
    "accept_extension": lambda o, a, n, k: o.accept_extension(a, n),
    "decline_extension": lambda o, a, n, k: o.decline_extension(a, n),
    "security_cancel": lambda o, a, n, k: o.security_cancel(a, n, _pick(list(SECURITY_REASONS), k)),
    "report_shipment_cancelled": lambda o, a, n, k: o.report_shipment_cancelled(a, n, "r"),
    "choose_reshipment": lambda o, a, n, k: o.choose_reshipment(a, n),
    "choose_refund": lambda o, a, n, k: o.choose_refund(a, n),
    "deadline": lambda o, a, n, k: o.on_deadline(list(DeadlineKind)[k % len(DeadlineKind)], n),
}


def _actor(op: str, who: int, k: int) -> Actor:
    """``who`` 0-6: someone the table lets do ``op``; 7-8: any role; 9: a stranger."""
    if op == "deadline":
        return SYSTEM
    roles = sorted(TRANSITIONS[Action(op)].roles)
    if who <= 6:
        return ACTORS[roles[k % len(roles)]]
    role = list(Role)[k % len(Role)]
    if who == 9 and role in STRANGERS:
        return STRANGERS[role]
    return ACTORS[role]


def _legal(order: Order) -> list[tuple[str, Actor]]:
    """One (action, actor) per action the table allows right now, deadlines aside (one each,
    so that actions open to several roles do not crowd out the others)."""
    found: dict[str, Actor] = {}
    for actor in ACTORS.values():
        for action in order.allowed_actions(actor):
            if action in OPS:
                found.setdefault(action, actor)
    found["deadline"] = SYSTEM
    return sorted(found.items())


def _check_money(order: Order) -> None:
    b = order.balances
    assert b.balanced, b
    assert min(b.paid, b.held, b.released, b.refunded) >= 0
    assert b.paid in (0, order.total_cents)
    assert Balances.of(order.new_entries) == b
    assert all(e.amount_cents > 0 for e in order.new_entries)
    refunds = [r.amount_cents for r in order.new_refunds]
    assert all(0 < r <= b.paid for r in refunds)
    assert sum(refunds) == b.refunded <= b.paid
    assert order.refunds_pending == len(refunds)
    if order.state is OrderState.COMPLETED:
        assert b == Balances(paid=b.paid, released=b.paid)
    if order.state in (OrderState.CANCELLED, OrderState.UNFULFILLABLE, OrderState.ABANDONED):
        assert b.held == 0 and b.released == 0
        assert order.closed_at is not None and order.deadlines() == []
    if order.state in (OrderState.PAID, OrderState.PREPARED, OrderState.CONSOLIDATED):
        assert b.held == b.paid > 0 and order.ship_by is not None


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(prepaid=st.booleans(), data=st.data())
def test_prt6_ord3_random_actions_keep_the_ledger_and_refusals_change_nothing(
    prepaid: bool, data: st.DataObject
) -> None:
    order = new_order()
    now = T0
    visited: set[str] = set()
    if prepaid:
        order.pay(OPERATOR, now, TOTAL, verified=True)
    for _ in range(data.draw(st.integers(1, 40), label="steps")):
        # mostly something the table allows (so orders get far), often anything at all
        legal = _legal(order)
        k = data.draw(st.integers(0, 1000), label="parameters")
        if legal and data.draw(st.integers(0, 9), label="mode") < 6:
            op, actor = data.draw(st.sampled_from(legal), label="legal action")
        else:
            op = data.draw(st.sampled_from(sorted(OPS)), label="any action")
            actor = _actor(op, data.draw(st.integers(0, 9), label="who"), k)
        now += timedelta(hours=data.draw(st.integers(0, 60), label="hours"))
        before = copy.deepcopy(order)
        allowed_before = order.allowed_actions(actor)
        try:
            result = OPS[op](order, actor, now, k)
        except DomainError as err:
            # the worker applies due deadlines blindly: one must never be refused
            assert op != "deadline", err
            assert_unchanged(order, before)
            event(f"refused {type(err).__name__}")
            if isinstance(err, IllegalTransition):
                assert err.context["state"] == before.state.value
                assert err.context["allowed_actions"] == allowed_before
                assert op not in allowed_before
        else:
            if op == "deadline":
                if result is False:
                    assert_unchanged(order, before)
            else:
                assert op in allowed_before
                assert len(order.new_timeline) > len(before.new_timeline)
            # ORD-4: append-only
            assert order.new_timeline[: len(before.new_timeline)] == before.new_timeline
            assert order.new_entries[: len(before.new_entries)] == before.new_entries
            assert order.new_refunds[: len(before.new_refunds)] == before.new_refunds
        _check_money(order)
        visited.add(order.state.value)
    for state in sorted(visited):
        event(f"visits {state}")
