"""Order repository: rows ↔ the Order aggregate, and persisting what an action changed.

Saving an order writes, in the caller's transaction: the row (guarded by version), the new
timeline entries, ledger entries, refunds, the cancellation request, the deadlines derived
from the new state, and one outbox message per timeline entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from garant.domain.cancellation import CancellationRequest, Fault, RequestStatus
from garant.domain.money import Balances, EntryKind
from garant.domain.orders import Order, TimelineEntry
from garant.domain.statuses import status
from garant.domain.transitions import OrderState
from garant.store import deadlines as deadline_store
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


def _row_values(order: Order) -> dict[str, Any]:
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


def add(conn: Connection, order: Order, now: datetime) -> int:
    values = _row_values(order)
    values["version"] = 1
    order_id = conn.execute(insert(t.orders).values(**values).returning(t.orders.c.id)).scalar_one()
    order.id = int(order_id)
    order.version = 1
    _write_changes(conn, order, now)
    return order.id


def save(
    conn: Connection, order: Order, now: datetime, *, expected_version: int | None = None
) -> None:
    assert order.id is not None
    read_version = order.version
    if expected_version is not None and expected_version != read_version:
        raise VersionConflict(order.id, expected_version, read_version)
    values = _row_values(order)
    values["version"] = read_version + 1
    result = conn.execute(
        update(t.orders)
        .where(and_(t.orders.c.id == order.id, t.orders.c.version == read_version))
        .values(**values)
    )
    if result.rowcount != 1:
        current = conn.execute(select(t.orders.c.version).where(t.orders.c.id == order.id)).scalar()
        raise VersionConflict(order.id, read_version, current)
    order.version = read_version + 1
    _write_changes(conn, order, now)


def _write_changes(conn: Connection, order: Order, now: datetime) -> None:
    assert order.id is not None
    if order.cancellation is not None:
        _save_request(conn, order.id, order.cancellation)
    if order.dispute is not None:
        dispute_store.save_dispute(conn, order.id, order.dispute)
    if order.return_request is not None:
        dispute_store.save_return(conn, order.id, order.return_request)
    for entry in order.new_entries:
        conn.execute(
            insert(t.ledger_entries).values(
                order_id=order.id,
                kind=entry.kind.value,
                debit_account=entry.source.value,
                credit_account=entry.destination.value,
                amount_cents=entry.amount_cents,
                memo=entry.memo,
                created_at=now,
            )
        )
    for refund in order.new_refunds:
        conn.execute(
            insert(t.refunds).values(
                order_id=order.id,
                amount_cents=refund.amount_cents,
                reason=refund.reason,
                expected_from=refund.window.earliest,
                expected_to=refund.window.latest,
                created_at=now,
            )
        )
    for step in order.new_timeline:
        _append_timeline(conn, order, step)
    deadline_store.sync(conn, order.id, order.deadlines())
    order.new_entries.clear()
    order.new_refunds.clear()
    order.new_timeline.clear()


def _save_request(conn: Connection, order_id: int, req: CancellationRequest) -> None:
    values = dict(
        reason=req.reason,
        note=req.note,
        status=req.status.value,
        requested_at=req.requested_at,
        answer_by=req.answer_by,
        answered_at=req.answered_at,
    )
    if req.id is None:
        req.id = conn.execute(
            insert(t.cancellation_requests)
            .values(order_id=order_id, **values)
            .returning(t.cancellation_requests.c.id)
        ).scalar_one()
    else:
        conn.execute(
            update(t.cancellation_requests)
            .where(t.cancellation_requests.c.id == req.id)
            .values(**values)
        )


def _append_timeline(conn: Connection, order: Order, entry: TimelineEntry) -> None:
    assert order.id is not None
    conn.execute(
        insert(t.timeline).values(
            order_id=order.id,
            at=entry.at,
            actor_role=entry.actor_role,
            actor_id=entry.actor_id,
            action=entry.action,
            status_code=entry.status_code,
            reason=entry.reason,
            data=entry.data,
        )
    )
    shown = status(entry.status_code).to_json() if entry.status_code else None
    # Side effects (webhooks, later email and in-app) go through the outbox, after commit.
    conn.execute(
        insert(t.outbox).values(
            topic=f"order.{entry.action}",
            order_id=order.id,
            created_at=entry.at,
            payload={
                "type": f"order.{entry.action}",
                "order_id": order.id,
                "external_ref": order.external_ref,
                "buyer_id": order.buyer_id,
                "seller_id": order.seller_id,
                "state": order.state.value,
                "status": shown or order.display_status().to_json(),
                "at": entry.at.isoformat(),
                "actor": {"role": entry.actor_role, "id": entry.actor_id},
                "reason": entry.reason,
                "data": entry.data,
            },
        )
    )


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
