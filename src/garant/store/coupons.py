"""Coupons used by orders: what the give-back of closed orders reads and writes (CAN-12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from garant.store import schema as t


def used_by(conn: Connection, order_ids: Sequence[int]) -> list[Any]:
    """The coupons of these orders, one row per (order, coupon), locked in code order.

    Locked in code order (as ``services.coupons.attach`` does): when the orders of one coupon
    close at the same instant in two transactions, the last to take the lock sees the others
    closed and gives it back."""
    if not order_ids:
        return []
    return list(
        conn.execute(
            select(
                t.coupon_uses.c.order_id,
                t.coupons.c.id,
                t.coupons.c.code,
                t.coupons.c.kind,
                t.coupons.c.status,
                t.coupons.c.expires_at,
            )
            .join(t.coupon_uses, t.coupon_uses.c.coupon_id == t.coupons.c.id)
            .where(t.coupon_uses.c.order_id.in_(list(order_ids)))
            .order_by(t.coupons.c.code, t.coupon_uses.c.order_id)
            .with_for_update(of=t.coupons)
        ).all()
    )


def order_states(conn: Connection, coupon_ids: Sequence[int]) -> dict[int, dict[int, str]]:
    """coupon id → {order id: state} of every order that used it."""
    out: dict[int, dict[int, str]] = {i: {} for i in coupon_ids}
    if not coupon_ids:
        return out
    rows = conn.execute(
        select(t.coupon_uses.c.coupon_id, t.orders.c.id, t.orders.c.state)
        .join(t.orders, t.orders.c.id == t.coupon_uses.c.order_id)
        .where(t.coupon_uses.c.coupon_id.in_(list(coupon_ids)))
    ).all()
    for coupon_id, order_id, state in rows:
        out[int(coupon_id)][int(order_id)] = state
    return out


def mark_returned(conn: Connection, coupon_ids: Sequence[int], now: datetime) -> None:
    if coupon_ids:
        conn.execute(
            update(t.coupons)
            .where(t.coupons.c.id.in_(list(coupon_ids)))
            .values(status="returned", returned_at=now)
        )
