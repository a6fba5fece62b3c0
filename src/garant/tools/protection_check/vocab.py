"""The model's own vocabulary and numbers: the start of time, the policy it reads its windows
from, the state sets it reasons with (SPEC ORD/DSP, not the domain's sets) and small helpers.
Shared by every other part of the check, so it imports none of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from garant.carriers.numbers import s10_check_digit
from garant.domain.policy import DEFAULT_POLICY
from garant.domain.transitions import Role

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
WORKER = "protection-check"
POLICY = DEFAULT_POLICY  # a fresh database runs on the default policy (version 1)

# The model's own vocabulary (SPEC ORD/DSP), not the domain's sets.
NOT_SHIPPED = frozenset({"paid", "prepared", "consolidated"})
DISPUTABLE = frozenset({"shipped", "delivered", "completed"})
CLOSED_WITHOUT_DELIVERY = frozenset({"cancelled", "unfulfillable", "abandoned"})
# Paid, and nothing may have left escrow yet (PRT-1).
ALL_HELD = frozenset(
    {
        "payment_processing",
        "paid",
        "prepared",
        "consolidated",
        "shipped",
        "delivered",
        "shipment_cancelled",
        "returned_to_sender",
    }
)
PARCEL_BACK = frozenset({"shipment_cancelled", "returned_to_sender"})  # CAN-13, TRK-5
OPEN_DISPUTE = frozenset({"awaiting_seller", "negotiating", "escalated", "decided", "appealed"})
TALKING = frozenset({"negotiating", "escalated"})
MEDIATION = frozenset({"escalated", "appealed"})
REASONS = (
    "not_received",
    "delivered_not_received",
    "damaged",
    "defective",
    "not_as_described",
    "wrong_item",
    "payment_problem",
)
DETAILS = {
    "not_as_described": ("colour", "size", "model", "other"),
    "payment_problem": ("unauthorised_fee", "overcharge"),
}
ITEM_IN_HAND = frozenset({"damaged", "defective", "not_as_described", "wrong_item"})
KINDS = ("full_refund", "partial_refund", "reshipment", "return_and_refund")
CANCEL_REASONS = ("no_longer_needed", "found_cheaper", "seller_out_of_stock", "bogus")
CATEGORIES = ("default", "fashion", "home", "electronics", "toys")  # toys: no own period

BUYER, SELLER, AGENT, OPERATOR = Role.BUYER, Role.SELLER, Role.AGENT, Role.OPERATOR
PARTIES = frozenset({BUYER, SELLER})
TRACKERS = frozenset({AGENT, OPERATOR, Role.SYSTEM})


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def cents_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def s10(serial: int) -> str:
    """A valid UPU S10 tracking number (its check digit computed)."""
    digits = f"{serial % 100_000_000:08d}"
    return f"RR{digits}{s10_check_digit(digits)}CN"
