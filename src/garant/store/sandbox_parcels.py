"""The parcels the sandbox carrier moves, and what is already stored of their journeys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, or_, select

from garant.store import schema as t

_CHUNK = 500  # shipment ids per query, well under both databases' parameter limits


def travelling(
    conn: Connection, *, carrier: str, demo_orders: bool, done: Sequence[str]
) -> list[Any]:
    """Shipments not in a ``done`` status whose carrier is ``carrier``, whose number looks
    like a sandbox one (``SB…FR``) or, with ``demo_orders``, that carry a demo order
    (``external_ref`` "DEMO-…") still shipped; rows (id, carrier, tracking_number,
    shipping_method, created_at, demo) in id order."""
    s = t.shipments
    demo = (
        select(t.shipment_orders.c.shipment_id)
        .join(t.orders, t.orders.c.id == t.shipment_orders.c.order_id)
        .where(t.orders.c.external_ref.like("DEMO-%"))
        # Only parcels still travelling: a demo order delivered, disputed or closed by hand
        # must not receive a journey's later "in transit" events.
        .where(t.orders.c.state == "shipped")
    )
    wanted = [s.c.carrier == carrier, s.c.tracking_number.like("SB%FR")]
    if demo_orders:
        wanted.append(s.c.id.in_(demo))
    query = (
        select(s.c.id, s.c.carrier, s.c.tracking_number, s.c.shipping_method, s.c.created_at,
               s.c.id.in_(demo).label("demo"))
        .where(or_(*wanted), s.c.status.not_in(list(done)))
        .order_by(s.c.id)
    )  # fmt: skip
    return list(conn.execute(query).all())


def stored_keys(conn: Connection, shipment_ids: Sequence[int]) -> dict[int, set[str]]:
    """shipment id → the dedupe keys of its stored events (one query per 500 shipments)."""
    e = t.tracking_events
    keys: dict[int, set[str]] = {}
    for start in range(0, len(shipment_ids), _CHUNK):
        chunk = list(shipment_ids[start : start + _CHUNK])
        rows = conn.execute(
            select(e.c.shipment_id, e.c.dedupe_key).where(e.c.shipment_id.in_(chunk))
        )
        for shipment_id, key in rows:
            keys.setdefault(int(shipment_id), set()).add(key)
    return keys


def numbers_starting(conn: Connection, prefix: str) -> list[str]:
    """The known tracking numbers that start with ``prefix``."""
    n = t.shipment_numbers
    found = conn.execute(select(n.c.number).where(n.c.number.like(f"{prefix}%"))).scalars()
    return [str(number) for number in found]
