"""Coupons used by orders: recorded at creation and checked for reuse (CAN-10), given back
when an order closes without delivery (CAN-12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from garant.store import schema as t
from garant.store.order_reads import id_in


def add_missing(conn: Connection, coupons: Sequence[dict[str, Any]]) -> None:
    """Keep the coupons (rows of ``coupons``: code, kind, amount_cents, expires_at) whose code
    is new, in one statement. Two orders may bring a new code at the same instant: one row,
    no unique-key error."""
    if not coupons:
        return
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        dialect_insert(t.coupons).on_conflict_do_nothing(index_elements=["code"]),
        [{**c, "status": "active"} for c in coupons],
    )


def lock_codes(conn: Connection, codes: Sequence[str]) -> dict[str, int]:
    """code → coupon id, the rows locked in code order (one statement): two transactions
    locking the same coupons never wait for each other in a circle."""
    if not codes:
        return {}
    rows = conn.execute(
        select(t.coupons.c.code, t.coupons.c.id)
        .where(t.coupons.c.code.in_(list(codes)))
        .order_by(t.coupons.c.code)
        .with_for_update()
    ).all()
    return {str(code): int(coupon_id) for code, coupon_id in rows}


def used_elsewhere(
    conn: Connection, coupon_ids: Sequence[int], checkout_id: str | None, dead: Sequence[str]
) -> bool:
    """Whether one of the coupons is used by a live order (state not in ``dead``) of another
    checkout (any checkout when ``checkout_id`` is None)."""
    if not coupon_ids:
        return False
    u = t.coupon_uses
    other_checkout = (
        true()
        if checkout_id is None
        else or_(u.c.checkout_id.is_(None), u.c.checkout_id != checkout_id)
    )
    found = conn.execute(
        select(u.c.order_id)
        .join(t.orders, t.orders.c.id == u.c.order_id)
        .where(u.c.coupon_id.in_(list(coupon_ids)), t.orders.c.state.not_in(dead), other_checkout)
        .limit(1)
    ).first()
    return found is not None


def add_uses(
    conn: Connection, coupon_ids: Sequence[int], order_id: int, checkout_id: str | None
) -> None:
    if coupon_ids:
        conn.execute(
            insert(t.coupon_uses),
            [
                {"coupon_id": c, "order_id": order_id, "checkout_id": checkout_id}
                for c in coupon_ids
            ],
        )


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
            .where(id_in(conn, t.coupon_uses.c.order_id, order_ids))
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
