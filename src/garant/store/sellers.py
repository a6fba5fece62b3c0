"""SEL-1 / CAN-9: a seller's figures, counted from the orders themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from garant.domain.transitions import OrderState
from garant.store import schema as t


@dataclass(frozen=True)
class OrderCounts:
    orders: int
    cancellations: int
    seller_fault_cancellations: int
    shipped: int
    verified_paid: int
    ship_by_missed: int


def order_counts(conn: Connection, seller_id: int) -> OrderCounts:
    """How many of the seller's orders were cancelled (by the seller's fault or not), shipped,
    paid and verified, and closed because the ship-by date was missed: one aggregate query."""
    o = t.orders
    cancelled = o.c.state.in_([OrderState.CANCELLED.value, OrderState.UNFULFILLABLE.value])
    row = conn.execute(
        select(
            func.count(),
            func.sum(case((cancelled, 1), else_=0)),
            func.sum(case((and_(cancelled, o.c.close_fault == "seller"), 1), else_=0)),
            func.sum(case((o.c.shipped_at.is_not(None), 1), else_=0)),
            func.sum(case((o.c.verified_at.is_not(None), 1), else_=0)),
            func.sum(case((o.c.close_reason == "ship_by_missed", 1), else_=0)),
        ).where(o.c.seller_id == seller_id)
    ).one()
    return OrderCounts(*(int(v or 0) for v in row))


def disputes_of(conn: Connection, seller_id: int) -> list[Any]:
    """(opened_at, seller_answered_at, closed_at, outcome) of every dispute on the seller's
    orders."""
    d, o = t.disputes, t.orders
    return list(
        conn.execute(
            select(d.c.opened_at, d.c.seller_answered_at, d.c.closed_at, d.c.outcome)
            .join(o, o.c.id == d.c.order_id)
            .where(o.c.seller_id == seller_id)
        ).all()
    )
