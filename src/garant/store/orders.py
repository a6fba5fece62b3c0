"""Order repository, read side: rows ↔ the Order aggregate.

What actions changed is written by ``store.order_writes`` (the unit of work's save).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from garant.domain.cancellation import CancellationRequest, Fault, RequestStatus
from garant.domain.money import Balances, EntryKind
from garant.domain.orders import Order
from garant.domain.transitions import OrderState
from garant.store import disputes as dispute_store
from garant.store import order_reads
from garant.store import schema as t
from garant.store.policies import policy_from_text


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


def _balances(sums: dict[EntryKind, int]) -> Balances:
    recovered = sums.get(EntryKind.RECOVER, 0)
    released = sums.get(EntryKind.RELEASE, 0) - recovered
    refunded = sums.get(EntryKind.REFUND, 0)
    return Balances(
        paid=sums.get(EntryKind.CAPTURE, 0),
        held=sums.get(EntryKind.HOLD, 0) - released - refunded,
        released=released,
        refunded=refunded,
    )


def load(conn: Connection, order_id: int, *, lock: bool = False) -> Order:
    found = load_many(conn, [order_id], lock=lock)
    if order_id not in found:
        raise OrderNotFound(order_id)
    return found[order_id]


def load_many(conn: Connection, ids: Iterable[int], *, lock: bool = False) -> dict[int, Order]:
    """The orders of ``ids`` that exist, whole (cancellation request, dispute with its offers
    and evidence requests, return, balances), in at most three statements whatever their
    number: the locks (PostgreSQL, with ``lock``), the order rows with their one-to-one
    parts and sums, and the disputes' offers and requests together."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    if lock and conn.dialect.name == "postgresql":
        # Locked first, read after: in READ COMMITTED a statement that waited for a lock
        # re-reads the locked row but not the rows joined to it, so one statement that
        # locked and joined could pair the new order row with an old cancellation request.
        # The next statement's snapshot sees everything the previous holder committed.
        # Ordered by id, so two batches lock in one order and never deadlock each other.
        conn.execute(
            select(t.orders.c.id)
            .where(order_reads.id_in(conn, t.orders.c.id, wanted))
            .order_by(t.orders.c.id)
            .with_for_update()
        )
    rows = order_reads.aggregates(conn, wanted)
    return orders_from_rows(conn, rows)


def load_with_parcel(conn: Connection, order_id: int) -> tuple[Order, dict[str, Any] | None]:
    """The order (as ``load``) and its current parcel's row, for the order's full view:
    one statement more only when the order has a dispute."""
    rows = order_reads.aggregates(conn, [order_id], with_parcel=True)
    found = orders_from_rows(conn, rows)
    if order_id not in found:
        raise OrderNotFound(order_id)
    return found[order_id], order_reads.parcel_row(rows[0])


def orders_from_rows(conn: Connection, rows: Sequence[RowMapping]) -> dict[int, Order]:
    """Orders from rows of ``order_reads.aggregates``, with their disputes' offers and
    evidence requests read in one more statement (none when no order has a dispute)."""
    found: dict[int, Order] = {}
    for row in rows:
        order = _order_of(row)
        found[int(row["id"])] = order
    disputes = [o.dispute for o in found.values() if o.dispute is not None]
    dispute_store.load_children(conn, disputes)
    return found


def _order_of(row: RowMapping) -> Order:
    values = {name: row[name] for name in _SCALARS}
    order = Order(
        id=row["id"],
        version=row["version"],
        state=OrderState(row["state"]),
        resume_state=OrderState(row["resume_state"]) if row["resume_state"] else None,
        close_fault=Fault(row["close_fault"]) if row["close_fault"] else None,
        policy=policy_from_text(row["policy_text"]),
        **values,
    )
    if row["cr_id"] is not None:
        order.cancellation = CancellationRequest(
            id=row["cr_id"],
            reason=row["cr_reason"],
            note=row["cr_note"],
            status=RequestStatus(row["cr_status"]),
            requested_at=row["cr_requested_at"],
            answer_by=row["cr_answer_by"],
            answered_at=row["cr_answered_at"],
        )
    order.dispute = dispute_store.dispute_from_row(row, "d_")
    order.return_request = dispute_store.return_from_row(row, "r_")
    if order.dispute is not None:
        address = row["seller_return_address"]
        order.seller_return_address = str(address) if address else None
    order.balances = _balances({kind: int(row[f"sum_{kind.value}"] or 0) for kind in EntryKind})
    order.refunds_pending = int(row["refunds_pending"] or 0)
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
