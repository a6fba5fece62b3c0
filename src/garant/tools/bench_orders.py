"""Shipped orders for benchmark parcels, so that an ingest bench moves orders and notifies
buyers as real traffic does.

One order is made through the services (placed, paid, shipped with the first number: its
ledger, deadlines and shipment are the real ones); the others are copies of its rows, one per
number, written in bulk (untimed setup: thousands of orders in seconds, not minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from garant.app import Garant
from garant.domain.orders import Actor
from garant.services.orders import create_order, perform
from garant.services.users import create_user
from garant.store import schema as t


def shipped_orders(app: Garant, numbers: Sequence[str]) -> list[int]:
    """One shipped order per (normalised) number, each with its tracked shipment."""
    if not numbers:
        return []
    who = {
        role: create_user(app, name=f"Bench {role}", email=f"bench-{role}@example.test", role=role)
        for role in ("buyer", "seller", "operator")
    }
    actor = {role: Actor(u.role, u.id) for role, u in who.items()}
    first = create_order(
        app, actor=actor["operator"], buyer_id=who["buyer"].id, seller_id=who["seller"].id,
        items=[{"sku": "B-1", "title": "Lampe", "quantity": 1, "unit_price": "25.00"}],
        total="25.00", shipping_method="aliexpress_standard",
    )  # fmt: skip
    steps = (("operator", "pay", {"amount": "25.00", "verified": True}),
             ("seller", "ship", {"tracking_number": numbers[0]}))  # fmt: skip
    for role, action, params in steps:
        perform(app, order_id=first, actor=actor[role], action=action, params=params)
    with app.engine.begin() as conn:
        return [first, *_copies(conn, first, list(numbers[1:]))]


def _rows(conn: Connection, table: Any, column: Any, value: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(table).where(column == value)).mappings()
    return [{k: v for k, v in r.items() if k != "id"} for r in rows]


def _insert_ids(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(stmt, rows).scalars()]


def _copies(conn: Connection, first: int, numbers: list[str]) -> list[int]:
    if not numbers:
        return []
    order = _rows(conn, t.orders, t.orders.c.id, first)[0]
    order_ids = _insert_ids(
        conn, t.orders, [{**order, "tracking_number": n, "external_ref": None} for n in numbers]
    )
    for table in (t.ledger_entries, t.deadlines):
        template = _rows(conn, table, table.c.order_id, first)
        if template:
            copies = [{**r, "order_id": o} for o in order_ids for r in template]
            conn.execute(insert(table), copies)
    link = t.shipment_orders
    query = select(link.c.shipment_id).where(link.c.order_id == first)
    shipment = _rows(conn, t.shipments, t.shipments.c.id, conn.execute(query).scalar_one())[0]
    shipment_ids = _insert_ids(
        conn,
        t.shipments,
        [
            {**shipment, "tracking_number": n, "notified": [f"{o}:shipped"]}
            for n, o in zip(numbers, order_ids, strict=True)
        ],
    )
    added_at = shipment["created_at"]
    conn.execute(
        insert(t.shipment_numbers),
        [
            {"number": n, "shipment_id": s, "carrier": shipment["carrier"], "added_at": added_at}
            for n, s in zip(numbers, shipment_ids, strict=True)
        ],
    )
    conn.execute(
        insert(link),
        [{"shipment_id": s, "order_id": o} for s, o in zip(shipment_ids, order_ids, strict=True)],
    )
    return order_ids
