"""What a step may do: every action with its weight and its parameters' strategies, what
guided steps do besides acting on an order, and where each action makes sense (``FITS``).
Kept apart from the machine so the menu reads as one table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from garant.domain.policy import SHIPPING_METHODS
from garant.tools.protection_check.vocab import (
    BUYER,
    CANCEL_REASONS,
    CATEGORIES,
    DISPUTABLE,
    KINDS,
    MEDIATION,
    NOT_SHIPPED,
    PARCEL_BACK,
    REASONS,
    SELLER,
    TALKING,
)

_POINTER = st.integers(min_value=0, max_value=2**16)
_WHO = st.integers(min_value=0, max_value=9)  # 0-7 the right person, 8 a wrong role, 9 stranger
_AIM = st.integers(min_value=0, max_value=9)  # 0-7 an order where it makes sense, 8-9 any


_ORDER: dict[str, st.SearchStrategy[Any]] = {"pointer": _POINTER, "aim": _AIM, "who": _WHO}
_PARTY = st.sampled_from((SELLER, BUYER))  # the seller first: it answers a request
_AMOUNT = st.one_of(st.none(), st.integers(min_value=1, max_value=50_000))
_SHARE = st.integers(min_value=0, max_value=12)  # tenths of the total: 0 none, up to 120 %
_FILES = st.integers(min_value=0, max_value=9)  # 7: no file (not an end: ends come often)

# action → (weight, its parameters). The weights lean towards what moves orders and disputes
# forward, so a 50-step example gets through shipping, a dispute and its mediation.
ACTIONS: dict[str, tuple[int, dict[str, st.SearchStrategy[Any]]]] = {
    "record_delivery": (3, _ORDER),
    "escalate": (4, {**_ORDER, "by": _PARTY}),
    "decide": (
        5,
        {
            **_ORDER,
            "favour": st.sampled_from(("buyer", "seller", "split", "bogus")),
            "amount": _AMOUNT,
            "share": _SHARE,
        },
    ),
    "appeal": (4, {**_ORDER, "by": _PARTY, "files": _FILES}),
    "make_offer": (
        3,
        {
            **_ORDER,
            "by": _PARTY,
            "kind": st.sampled_from((*KINDS, "no_refund")),
            "amount": _AMOUNT,
            "share": _SHARE,
        },
    ),
    "open_dispute": (
        4,
        {
            **_ORDER,
            "reason": st.sampled_from((*REASONS, "bogus")),
            "detail": st.integers(0, 4),
            "kind": st.sampled_from((*KINDS, "no_refund")),
            "amount": _AMOUNT,
            "share": _SHARE,
        },
    ),
    "ship": (3, {**_ORDER, "reuse": st.integers(0, 9)}),
    "pay": (1, {**_ORDER, "exact": st.integers(0, 5), "verified": st.booleans()}),
    "contest": (2, {**_ORDER, "files": _FILES}),
    "answer_offer": (2, {**_ORDER, "side": st.integers(0, 9), "reply": st.integers(0, 9)}),
    "accept_decision": (3, {**_ORDER, "by": _PARTY}),
    "request_evidence": (
        2,
        {
            **_ORDER,
            "party": st.sampled_from(("buyer", "seller", "agent")),
            "given": st.one_of(st.none(), st.integers(min_value=0, max_value=300)),
        },
    ),
    "provide_evidence": (1, {**_ORDER, "by": _PARTY, "files": _FILES}),
    "confirm_receipt": (1, _ORDER),
    "request_cancellation": (1, {**_ORDER, "reason": st.sampled_from(CANCEL_REASONS)}),
    "approve_cancellation": (1, _ORDER),
    "accept_request": (1, _ORDER),
    "withdraw": (1, _ORDER),
    "parcel_back": (1, {**_ORDER, "returned": st.booleans()}),
    "choose_after_parcel_back": (2, {**_ORDER, "refund": st.booleans()}),
    "ship_return": (2, {**_ORDER, "blank": st.integers(0, 9)}),
    "confirm_return": (2, _ORDER),
    "create_and_pay": (
        1,
        {
            "total": st.integers(min_value=100, max_value=40_000),
            "method": st.sampled_from(SHIPPING_METHODS),
            "category": st.sampled_from(CATEGORIES),
            "choice": st.booleans(),
            "pair": st.integers(min_value=0, max_value=3),
            "pay": st.sampled_from(("verified", "verified", "unverified", "unpaid")),
            "who": _WHO,
        },
    ),
    "settle_refund": (2, _ORDER),
    "advance_clock": (
        3,
        {
            "hours_": st.one_of(
                st.integers(min_value=1, max_value=24),
                st.integers(min_value=1, max_value=96),
                st.integers(min_value=1, max_value=960),
            )
        },
    ),
    "advance_to": (
        2,
        {"pointer": _POINTER, "offset": st.sampled_from((0, 1, -1))},
    ),
    "run_sweep": (3, {}),
}
WEIGHTED = [name for name, (weight, _) in ACTIONS.items() for _ in range(weight)]


def turn(items: list[Any], n: int) -> list[Any]:
    k = n % len(items)
    return items[k:] + items[:k]


# What guided steps do when they do not act on an order: mostly let time pass and sweep.
TIMES = [
    *["advance_to"] * 4,
    *["advance_clock"] * 3,
    *["run_sweep"] * 4,
    *["create_and_pay"] * 2,
    *["settle_refund"] * 2,
]


@dataclass(frozen=True)
class Seen:
    """An order at a glance, for choosing where an action makes sense."""

    state: str
    dispute: str | None  # the latest dispute's state
    window_open: bool  # PRT-4 by the model, or closed within the last two days


# action → where it makes sense
FITS: dict[str, Callable[[Seen], bool]] = {
    "record_delivery": lambda o: o.state == "shipped",
    "pay": lambda o: o.state in ("received", "payment_processing"),
    "ship": lambda o: o.state in NOT_SHIPPED,
    "confirm_receipt": lambda o: o.state in ("shipped", "delivered"),
    "request_cancellation": lambda o: o.state in NOT_SHIPPED,
    "approve_cancellation": lambda o: o.state in NOT_SHIPPED,
    "open_dispute": lambda o: o.state in DISPUTABLE and o.dispute is None and o.window_open,
    "accept_request": lambda o: o.dispute == "awaiting_seller",
    "contest": lambda o: o.dispute == "awaiting_seller",
    "make_offer": lambda o: o.dispute in ("awaiting_seller", "negotiating", "escalated"),
    "answer_offer": lambda o: o.dispute in TALKING,
    "escalate": lambda o: o.dispute == "negotiating",
    "withdraw": lambda o: o.dispute in ("awaiting_seller", "negotiating", "escalated"),
    "provide_evidence": lambda o: o.dispute in MEDIATION,
    "request_evidence": lambda o: o.dispute in MEDIATION,
    "decide": lambda o: o.dispute in MEDIATION,
    "accept_decision": lambda o: o.dispute == "decided",
    "appeal": lambda o: o.dispute == "decided",
    "parcel_back": lambda o: o.state == "shipped",
    "choose_after_parcel_back": lambda o: o.state in PARCEL_BACK,
    "ship_return": lambda o: o.state == "returning",
    "confirm_return": lambda o: o.state == "returning",
}
