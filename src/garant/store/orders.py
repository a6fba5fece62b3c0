"""Order repository, read side: rows ↔ the Order aggregate.

What actions changed is written by ``store.order_writes`` (the unit of work's save).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select

from garant.domain.cancellation import CancellationRequest, Fault, RequestStatus
from garant.domain.money import Balances, EntryKind
from garant.domain.orders import Order
from garant.domain.transitions import OrderState
from garant.store import disputes as dispute_store
from garant.store import schema as t
from garant.store.policies import get_policy


class OrderNotFound(LookupError):
    pass


class VersionConflict(Exception):
    """Someone else changed the order since it was read (optimistic concurrency)."""

    def __init__(self, order_id: int, expected: int, current: int | None) -> None:
        super().__init__(f"order {order_id} changed: version {expected} expected, now {current}")
        self.order_id = order_id
        self.expected = expected
        self.current = current


_SCALARS = (
    "external_ref",
    "checkout_id",
    "buyer_id",
    "seller_id",
    "total_cents",
    "items",
    "shipping_method",
    "product_category",
    "is_choice",
    "destination_country",
    "created_at",
    "details_due_at",
    "payment_due_at",
    "previous_total_cents",
    "paid_at",
    "verified_at",
    "ship_by",
    "extension_days_pending",
    "extensions_granted",
    "tracking_number",
    "carrier",
    "previous_tracking_numbers",
    "shipment_status",
    "shipped_at",
    "delivered_at",
    "completed_at",
    "closed_at",
    "close_reason",
    "invoice_available",
    "security_flag",
    "protection_ends_at",
)


def row_values(order: Order) -> dict[str, Any]:
    values = {name: getattr(order, name) for name in _SCALARS}
    values["state"] = order.state.value
    values["resume_state"] = order.resume_state.value if order.resume_state else None
    values["close_fault"] = order.close_fault.value if order.close_fault else None
    values["policy_version"] = order.policy.version
    values["items"] = list(order.items)
    values["previous_tracking_numbers"] = list(order.previous_tracking_numbers)
    return values


def balances_of(conn: Connection, order_id: int) -> Balances:
    rows = conn.execute(
        select(t.ledger_entries.c.kind, func.sum(t.ledger_entries.c.amount_cents))
        .where(t.ledger_entries.c.order_id == order_id)
        .group_by(t.ledger_entries.c.kind)
    ).all()
    sums = {EntryKind(kind): int(total) for kind, total in rows}
    recovered = sums.get(EntryKind.RECOVER, 0)
    released = sums.get(EntryKind.RELEASE, 0) - recovered
    refunded = sums.get(EntryKind.REFUND, 0)
    return Balances(
        paid=sums.get(EntryKind.CAPTURE, 0),
        held=sums.get(EntryKind.HOLD, 0) - released - refunded,
        released=released,
        refunded=refunded,
    )


def lock(conn: Connection, order_id: int) -> None:
    """Take the order's row lock (PostgreSQL; SQLite has one writer anyway).

    Every transaction that changes an order and its deadline rows takes the order's lock
    first: the API through ``load(lock=True)``, the deadline worker before it re-checks its
    claim. One order of locking for everyone means no deadlock between them.
    """
    conn.execute(select(t.orders.c.id).where(t.orders.c.id == order_id).with_for_update())


def load(conn: Connection, order_id: int, *, lock: bool = False) -> Order:
    query = select(t.orders).where(t.orders.c.id == order_id)
    if lock:
        # PostgreSQL: writers of one order queue here; SQLite ignores it (one writer anyway).
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise OrderNotFound(order_id)
    values = {name: row[name] for name in _SCALARS}
    order = Order(
        id=row["id"],
        version=row["version"],
        state=OrderState(row["state"]),
        resume_state=OrderState(row["resume_state"]) if row["resume_state"] else None,
        close_fault=Fault(row["close_fault"]) if row["close_fault"] else None,
        policy=get_policy(conn, row["policy_version"]),
        **values,
    )
    req = (
        conn.execute(
            select(t.cancellation_requests)
            .where(t.cancellation_requests.c.order_id == order_id)
            .order_by(t.cancellation_requests.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if req is not None:
        order.cancellation = CancellationRequest(
            id=req["id"],
            reason=req["reason"],
            note=req["note"],
            status=RequestStatus(req["status"]),
            requested_at=req["requested_at"],
            answer_by=req["answer_by"],
            answered_at=req["answered_at"],
        )
    order.dispute = dispute_store.load_dispute(conn, order_id)
    order.return_request = dispute_store.load_return(conn, order_id)
    if order.dispute is not None:
        order.seller_return_address = dispute_store.seller_return_address(conn, order.seller_id)
    order.balances = balances_of(conn, order_id)
    order.refunds_pending = conn.execute(
        select(func.count())
        .select_from(t.refunds)
        .where(and_(t.refunds.c.order_id == order_id, t.refunds.c.settled_at.is_(None)))
    ).scalar_one()
    return order


def timeline_of(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            select(t.timeline).where(t.timeline.c.order_id == order_id).order_by(t.timeline.c.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def refunds_of(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            select(t.refunds).where(t.refunds.c.order_id == order_id).order_by(t.refunds.c.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def ledger_of(conn: Connection, order_id: int) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            select(t.ledger_entries)
            .where(t.ledger_entries.c.order_id == order_id)
            .order_by(t.ledger_entries.c.id)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def load_many(conn: Connection, ids: Sequence[int], *, lock: bool = False) -> dict[int, Order]:
    """Several orders at once, in id order (the order every writer locks them in)."""
    found: dict[int, Order] = {}
    for order_id in sorted(set(ids)):
        try:
            found[order_id] = load(conn, order_id, lock=lock)
        except OrderNotFound:
            continue
    return found
