"""Coupons on orders: recorded at creation, checked for reuse (CAN-10), given back (CAN-12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from garant.domain.cancellation import CouponKind, coupon_give_back
from garant.domain.errors import InvalidInput
from garant.domain.money import parse_amount
from garant.domain.orders import Order
from garant.domain.transitions import OrderState
from garant.store import schema as t

_DEAD = (OrderState.CANCELLED.value, OrderState.UNFULFILLABLE.value, OrderState.ABANDONED.value)


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
    flag = None
    for c in coupons:
        code = str(c.get("code", "")).strip().upper()
        if not code:
            raise InvalidInput("a coupon needs a code")
        kind = CouponKind(c.get("kind", "platform"))
        row = conn.execute(select(t.coupons).where(t.coupons.c.code == code)).first()
        if row is None:
            coupon_id = conn.execute(
                insert(t.coupons)
                .values(
                    code=code,
                    kind=kind.value,
                    amount_cents=parse_amount(c.get("amount", "0"), field="coupon amount"),
                    expires_at=c.get("expires_at"),
                    status="active",
                )
                .returning(t.coupons.c.id)
            ).scalar_one()
        else:
            coupon_id = row.id
            reused = conn.execute(
                select(t.coupon_uses.c.order_id)
                .join(t.orders, t.orders.c.id == t.coupon_uses.c.order_id)
                .where(and_(t.coupon_uses.c.coupon_id == coupon_id, t.orders.c.state.not_in(_DEAD)))
                .where(
                    (t.coupon_uses.c.checkout_id != checkout_id)
                    | t.coupon_uses.c.checkout_id.is_(None)
                    | (checkout_id is None)
                )
            ).first()
            if reused is not None:
                flag = "promo_code_reused"
        conn.execute(
            insert(t.coupon_uses).values(
                coupon_id=coupon_id, order_id=order.id, checkout_id=checkout_id
            )
        )
    return flag


def give_back(conn: Connection, order: Order, now: datetime) -> None:
    """CAN-12, after the order closed without delivery. Outcomes go on the order's timeline."""
    rows = conn.execute(
        select(t.coupons)
        .join(t.coupon_uses, t.coupon_uses.c.coupon_id == t.coupons.c.id)
        .where(t.coupon_uses.c.order_id == order.id)
    ).all()
    for coupon in rows:
        if coupon.status != "active":
            continue
        others = (
            conn.execute(
                select(t.orders.c.state)
                .join(t.coupon_uses, t.coupon_uses.c.order_id == t.orders.c.id)
                .where(and_(t.coupon_uses.c.coupon_id == coupon.id, t.orders.c.id != order.id))
            )
            .scalars()
            .all()
        )
        decision = coupon_give_back(
            CouponKind(coupon.kind),
            coupon.expires_at,
            (state not in _DEAD for state in others),
            now,
        )
        if decision.returned:
            conn.execute(
                update(t.coupons)
                .where(t.coupons.c.id == coupon.id)
                .values(status="returned", returned_at=now)
            )
        order.note_coupon(coupon.code, coupon.kind, decision.returned, decision.why, now)
