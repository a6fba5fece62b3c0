"""Builders shared by the pure-domain unit tests (no database, fixed UTC clock)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from garant.domain.errors import DomainError
from garant.domain.orders import Actor, Order
from garant.domain.policy import DEFAULT_POLICY, Policy
from garant.domain.transitions import Role

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
TOTAL = 2599  # 25.99 EUR
METHOD = "aliexpress_standard"  # 120 h of handling time under DEFAULT_POLICY
HANDLING = timedelta(hours=120)

BUYER_ID, SELLER_ID, AGENT_ID, OPERATOR_ID = 11, 22, 33, 44
BUYER = Actor(Role.BUYER, BUYER_ID)
SELLER = Actor(Role.SELLER, SELLER_ID)
AGENT = Actor(Role.AGENT, AGENT_ID)
OPERATOR = Actor(Role.OPERATOR, OPERATOR_ID)
SYSTEM = Actor.system()

TRACKING = "LX123456789CN"
TRACKING_2 = "RR987654321CN"

# What each party may do in the usual states (the order of TRANSITIONS).
SELLER_WHEN_PAID = [
    "request_details",
    "mark_unfulfillable",
    "mark_prepared",
    "consolidate",
    "publish_invoice",
    "ship",
    "request_extension",
]
SELLER_WHEN_PAID_WITH_REQUEST = [
    "request_details",
    "mark_unfulfillable",
    "mark_prepared",
    "consolidate",
    "publish_invoice",
    "approve_cancellation",
    "decline_cancellation",
    "request_extension",
]
AGENT_WHEN_SHIPPED = [
    "record_shipment_progress",
    "record_delivery",
    "mark_returned_to_sender",
    "report_shipment_cancelled",
]


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes)


def new_order(
    policy: Policy = DEFAULT_POLICY, *, total: int = TOTAL, method: str = METHOD
) -> Order:
    order = Order(
        buyer_id=BUYER_ID,
        seller_id=SELLER_ID,
        total_cents=total,
        shipping_method=method,
        product_category="default",
        policy=policy,
        created_at=T0,
    )
    order.placed(BUYER, T0)
    return order


def paid_order(policy: Policy = DEFAULT_POLICY, *, method: str = METHOD) -> Order:
    """Paid and verified at T0: the ship-by is T0 + the method's handling time."""
    order = new_order(policy, method=method)
    order.pay(OPERATOR, T0, order.total_cents, verified=True)
    return order


def requested_order(reason: str = "no_longer_needed", hours: float = 1) -> Order:
    """Paid at T0; the buyer asked to cancel at T0 + ``hours``."""
    order = paid_order()
    order.request_cancellation(BUYER, at(hours), reason)
    return order


def shipped_order() -> Order:
    order = paid_order()
    order.ship(SELLER, at(24), TRACKING, "china_post")
    return order


def refuse(
    order: Order,
    call: Callable[[], Any],
    error: type[DomainError],
    code: str,
    *,
    state: str | None = None,
    allowed: list[str] | None = None,
) -> DomainError:
    """Run a call that must be refused; check the exact error and that nothing changed."""
    before = copy.deepcopy(order)
    with pytest.raises(error) as caught:
        call()
    err = caught.value
    assert type(err) is error
    assert err.code == code
    if state is not None:
        assert err.context["state"] == state
        assert getattr(err, "state", state) == state
    if allowed is not None:
        assert err.context["allowed_actions"] == allowed
    assert_unchanged(order, before)
    return err


def assert_unchanged(order: Order, before: Order) -> None:
    assert order.state is before.state
    assert order.new_timeline == before.new_timeline
    assert order.new_entries == before.new_entries
    assert order.new_refunds == before.new_refunds
    assert order.balances == before.balances
    assert order == before


# ----------------------------------------------------------------------------- PRT / DSP

DAY = timedelta(days=1)
SHIPPED_AT = at(24)  # day 1
DELIVERED_AT = at(24 * 10)  # day 10
RETURN_ADDRESS = "Shop 7, 12 Export Road, Shenzhen, CN"


def protected_order(
    *, category: str = "default", is_choice: bool = False, total: int = TOTAL
) -> Order:
    """Paid and verified at T0, in a product category, Choice or not (PRT-2/3)."""
    order = Order(
        buyer_id=BUYER_ID,
        seller_id=SELLER_ID,
        total_cents=total,
        shipping_method=METHOD,
        product_category=category,
        policy=DEFAULT_POLICY,
        created_at=T0,
        is_choice=is_choice,
    )
    order.placed(BUYER, T0)
    order.pay(OPERATOR, T0, total, verified=True)
    return order


def in_transit_order(*, category: str = "default", is_choice: bool = False) -> Order:
    """Paid at T0, shipped at SHIPPED_AT, never delivered."""
    order = protected_order(category=category, is_choice=is_choice)
    order.ship(SELLER, SHIPPED_AT, TRACKING, "china_post")
    return order


def delivered_order(*, category: str = "default", is_choice: bool = False) -> Order:
    """Paid at T0, shipped at SHIPPED_AT, delivered at DELIVERED_AT."""
    order = in_transit_order(category=category, is_choice=is_choice)
    order.record_delivery(OPERATOR, DELIVERED_AT)
    return order


def open_dispute(
    order: Order,
    now: datetime,
    *,
    reason: str = "damaged",
    detail: str | None = None,
    resolution: object = None,
    evidence: list[int] | None = None,
    description: str = "the screen is cracked",
) -> Order:
    """The buyer opens a dispute (by default: damaged, a full refund asked, one photo)."""
    order.open_dispute(
        BUYER,
        now,
        reason=reason,
        detail=detail,
        description=description,
        resolution=resolution if resolution is not None else {"kind": "full_refund"},
        evidence=[1] if evidence is None else evidence,
    )
    return order
