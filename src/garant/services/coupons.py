"""Coupons on orders: recorded at creation, checked for reuse (CAN-10), given back (CAN-12)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from garant.domain.cancellation import CouponKind, coupon_give_back
from garant.domain.errors import InvalidInput
from garant.domain.money import parse_amount
from garant.domain.orders import Order
from garant.domain.transitions import OrderState
from garant.store import coupons as coupon_store
from garant.store.db import Connection

_DEAD = (OrderState.CANCELLED.value, OrderState.UNFULFILLABLE.value, OrderState.ABANDONED.value)
MAX_CODE_LENGTH = 60  # coupons.code


def attach(
    conn: Connection,
    order: Order,
    coupons: list[dict[str, Any]],
    checkout_id: str | None,
    now: datetime,
) -> str | None:
    """Record the coupons used by a new order. Returns 'promo_code_reused' when a code was
    already used by an order of another checkout (CAN-10: an agent then reviews it)."""
    assert order.id is not None
    wanted: dict[str, _CouponIn] = {}
    for raw in coupons:
        c = _coupon_in(raw)
        if c.code in wanted:
            raise InvalidInput(f"the coupon {c.code} is listed twice for this order")
        wanted[c.code] = c
    if not wanted:
        return None
    # Codes in one fixed order (the same as ``give_back``), so that two transactions locking
    # the same coupons never wait for each other in a circle.
    codes = sorted(wanted)
    coupon_store.add_missing(
        conn,
        [
            {
                "code": code,
                "kind": wanted[code].kind.value,
                "amount_cents": wanted[code].amount_cents,
                "expires_at": wanted[code].expires_at,
            }
            for code in codes
        ],
    )
    # The coupons' row locks make "was one used on another checkout?" a question asked one
    # order at a time: of two orders placed together, the second sees the first.
    ids = coupon_store.lock_codes(conn, codes)
    coupon_ids = [ids[code] for code in codes]
    reused = coupon_store.used_elsewhere(conn, coupon_ids, checkout_id, _DEAD)
    coupon_store.add_uses(conn, coupon_ids, order.id, checkout_id)
    return "promo_code_reused" if reused else None


@dataclass(frozen=True)
class _CouponIn:
    code: str
    kind: CouponKind
    amount_cents: int
    expires_at: datetime | None


def _coupon_in(raw: dict[str, Any]) -> _CouponIn:
    """Check one coupon as the marketplace sent it; refuse anything the store cannot keep."""
    code = str(raw.get("code") or "").strip().upper()
    if not code:
        raise InvalidInput("a coupon needs a code")
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(f"a coupon code has at most {MAX_CODE_LENGTH} characters")
    kind_text = raw.get("kind", CouponKind.PLATFORM.value)
    try:
        kind = CouponKind(kind_text)
    except ValueError:
        raise InvalidInput(
            f"unknown coupon kind '{kind_text}'; use one of: "
            f"{', '.join(k.value for k in CouponKind)}"
        ) from None
    amount = parse_amount(raw.get("amount", "0"), field="coupon amount")
    return _CouponIn(code, kind, amount, _expiry(raw.get("expires_at")))


def _expiry(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"coupon expires_at: '{value}' is not a date and time; write it like "
                "2026-12-31T23:59:59+01:00"
            ) from None
    if not isinstance(value, datetime):
        raise InvalidInput("coupon expires_at: give a date and time with its time zone")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"coupon expires_at: '{value.isoformat()}' has no time zone; add one "
            "(for example +01:00 or Z)"
        )
    return value


def give_back(conn: Connection, orders: Sequence[Order], now: datetime) -> None:
    """CAN-12, for orders that just closed without delivery (a whole sweep batch at once).
    Outcomes go on each order's timeline. Judged as if the orders closed one after the other,
    in the given order: an order sees the batch's earlier orders closed, its later ones as
    stored, so a coupon shared by two of them comes back once, with the second."""
    uses = coupon_store.used_by(conn, [o.id for o in orders if o.id is not None])
    states = coupon_store.order_states(conn, sorted({u.id for u in uses if u.status == "active"}))
    uses_of: dict[int, list[Any]] = {}
    for use in uses:
        uses_of.setdefault(use.order_id, []).append(use)
    returned: set[int] = set()
    for order in orders:
        for use in uses_of.get(order.id or 0, []):
            if use.status != "active" or use.id in returned:
                continue
            others = {k: v for k, v in states[use.id].items() if k != order.id}
            decision = coupon_give_back(
                CouponKind(use.kind),
                use.expires_at,
                (state not in _DEAD for state in others.values()),
                now,
            )
            if decision.returned:
                returned.add(use.id)
            order.note_coupon(use.code, use.kind, decision.returned, decision.why, now)
        for coupon_states in states.values():
            if order.id in coupon_states:
                coupon_states[order.id] = order.state.value
    coupon_store.mark_returned(conn, sorted(returned), now)
