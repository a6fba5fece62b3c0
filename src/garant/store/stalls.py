"""TRK-6: which parcels may have stalled, and the orders still waiting to be told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select

from garant.domain.tracking import SubStatus
from garant.domain.transitions import OrderState
from garant.store import schema as t


def quiet_shipments(
    conn: Connection, *, quiet_since: datetime, after: int, limit: int
) -> tuple[list[int], list[Any]]:
    """The next ``limit`` shipments after id ``after`` that carry a SHIPPED order and are
    quiet enough to be stalled (no event since ``quiet_since``, waiting at a pickup point, or
    lost), in id order; and for them, one row (id, last_event_at, notified, order_id) per
    SHIPPED order they carry, in (shipment, order) order. Two statements."""
    s, so, o = t.shipments, t.shipment_orders, t.orders
    carries_shipped = exists(
        select(so.c.order_id)
        .join(o, o.c.id == so.c.order_id)
        .where(so.c.shipment_id == s.c.id, o.c.state == OrderState.SHIPPED.value)
    )
    quiet = or_(
        s.c.last_event_at < quiet_since,
        s.c.buyer_status == "available_for_pickup",
        s.c.sub_status == SubStatus.LOST.value,
    )
    page = [
        int(i)
        for i in conn.execute(
            select(s.c.id)
            .where(s.c.id > after, s.c.last_event_at.is_not(None), quiet, carries_shipped)
            .order_by(s.c.id)
            .limit(limit)
        ).scalars()
    ]
    if not page:
        return [], []
    rows = conn.execute(
        select(s.c.id, s.c.last_event_at, s.c.notified, so.c.order_id)
        .join(so, so.c.shipment_id == s.c.id)
        .join(o, o.c.id == so.c.order_id)
        .where(s.c.id.in_(page), o.c.state == OrderState.SHIPPED.value)
        .order_by(s.c.id, so.c.order_id)
    ).all()
    return page, list(rows)


def current_shipments(conn: Connection, order_ids: Sequence[int]) -> dict[int, int]:
    """order id → its current parcel (the latest one, after a reshipment), one query."""
    if not order_ids:
        return {}
    so = t.shipment_orders
    rows = conn.execute(
        select(so.c.order_id, func.max(so.c.shipment_id))
        .where(so.c.order_id.in_(list(order_ids)))
        .group_by(so.c.order_id)
    ).all()
    return {int(order_id): int(shipment_id) for order_id, shipment_id in rows}
