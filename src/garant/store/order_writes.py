"""Persisting what actions did to a batch of orders, in a fixed number of statements.

The unit of work hands over the orders it changed; this writes, in the caller's transaction:
the order rows (guarded by version), their cancellation requests, disputes with offers and
evidence requests, returns, ledger entries, refunds, timeline entries, the outbox messages
(one per timeline entry, plus what the caller collected) and the deadline rows their new
state implies. Each table costs at most an INSERT and an UPDATE (multi-row or executemany)
whatever the number of orders, so a sweep batch of a thousand orders costs what one costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from garant.domain.orders import Order, TimelineEntry
from garant.domain.statuses import status
from garant.store import bulk, outbox
from garant.store import deadlines as deadline_store
from garant.store import schema as t
from garant.store.disputes import dispute_values, return_values
from garant.store.orders import VersionConflict, row_values


def add(conn: Connection, order: Order, now: datetime) -> int:
    """A new order: its row, then everything its first step produced."""
    values = row_values(order)
    values["version"] = 1
    order_id = conn.execute(insert(t.orders).values(**values).returning(t.orders.c.id)).scalar_one()
    order.id = int(order_id)
    order.version = 1
    _write_changes(conn, [order], now, [])
    return order.id


def save_many(
    conn: Connection,
    orders: Sequence[Order],
    now: datetime,
    messages: Sequence[outbox.Message] = (),
    read_as: Mapping[int, dict[str, Any]] | None = None,
) -> None:
    """Save changed orders, each checked against the version it was read at. ``read_as``
    (order id → ``row_values`` when loaded) lets only the columns that changed be written."""
    if not orders:
        outbox.append(conn, messages)
        return
    _update_rows(conn, orders, read_as or {})
    _write_changes(conn, orders, now, messages)


def _update_rows(
    conn: Connection, orders: Sequence[Order], read_as: Mapping[int, dict[str, Any]]
) -> None:
    """One executemany per shape of change: a sweep batch of auto-cancellations changes the
    same few columns of every order, so it is one statement, and a narrow one."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for order in orders:
        assert order.id is not None
        values = row_values(order)
        before = read_as.get(order.id)
        if before is not None:
            values = {k: v for k, v in values.items() if before.get(k) != v}
        values["version"] = order.version + 1
        row = {**values, "_id": order.id, "_read_version": order.version}
        shapes.setdefault(tuple(sorted(values)), []).append(row)
    updated = sum(bulk.update_many(conn, t.orders, rows) for rows in shapes.values())
    if updated != len(orders):
        _raise_conflict(conn, orders)
    for order in orders:
        order.version += 1


def _raise_conflict(conn: Connection, orders: Sequence[Order]) -> None:
    """Name an order that someone else changed. The rows we did update are now at their read
    version + 1, which another writer's change may also give: with one order (an action) the
    answer is exact; in a batch, any order not at read version + 1 is a culprit for sure."""
    ids = [o.id for o in orders]
    current = dict(
        conn.execute(select(t.orders.c.id, t.orders.c.version).where(t.orders.c.id.in_(ids))).all()
    )
    culprits = [o for o in orders if current.get(o.id) != o.version + 1] or list(orders[:1])
    order = culprits[0]
    assert order.id is not None
    raise VersionConflict(order.id, order.version, current.get(order.id))


def _write_changes(
    conn: Connection, orders: Sequence[Order], now: datetime, messages: Sequence[outbox.Message]
) -> None:
    _save_requests(conn, orders)
    _save_disputes(conn, orders)
    _save_children(conn, orders)
    _save_returns(conn, orders)
    ledger, refunds, timeline = [], [], []
    out = list(messages)
    for order in orders:
        assert order.id is not None
        ledger += [
            {
                "order_id": order.id,
                "kind": e.kind.value,
                "debit_account": e.source.value,
                "credit_account": e.destination.value,
                "amount_cents": e.amount_cents,
                "memo": e.memo,
                "created_at": now,
            }
            for e in order.new_entries
        ]
        refunds += [
            {
                "order_id": order.id,
                "amount_cents": r.amount_cents,
                "reason": r.reason,
                "expected_from": r.window.earliest,
                "expected_to": r.window.latest,
                "created_at": now,
            }
            for r in order.new_refunds
        ]
        for entry in order.new_timeline:
            timeline.append(_timeline_row(order.id, entry))
            out.append(_timeline_message(order, entry))
    for table, rows in ((t.ledger_entries, ledger), (t.refunds, refunds), (t.timeline, timeline)):
        bulk.insert_many(conn, table, rows)
    outbox.append(conn, out)
    deadline_store.sync_many(conn, {o.id: o.deadlines() for o in orders if o.id is not None})
    for order in orders:
        order.new_entries.clear()
        order.new_refunds.clear()
        order.new_timeline.clear()


def _timeline_row(order_id: int, entry: TimelineEntry) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "at": entry.at,
        "actor_role": entry.actor_role,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "status_code": entry.status_code,
        "reason": entry.reason,
        "data": entry.data,
    }


def _timeline_message(order: Order, entry: TimelineEntry) -> outbox.Message:
    """Every step of an order is an ``order.<action>`` message (webhooks, and the sinks that
    choose to tell people)."""
    shown = status(entry.status_code).to_json() if entry.status_code else None
    return outbox.Message(
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


def _upsert(
    conn: Connection,
    table: Table,
    items: Iterable[tuple[Any, dict[str, Any], dict[str, Any]]],
    set_id: Callable[[Any, int], None],
) -> None:
    """Items are (object, values when new, values to update); an object whose id is None is
    inserted (one multi-row INSERT … RETURNING, ids given back in order), the others updated
    (one executemany)."""
    new: list[tuple[Any, dict[str, Any]]] = []
    old: list[dict[str, Any]] = []
    for obj, insert_values, update_values in items:
        if obj.id is None:
            new.append((obj, insert_values))
        else:
            old.append({**update_values, "_id": obj.id})
    if new:
        ids = conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [values for _, values in new],
        ).scalars()
        for (obj, _), new_id in zip(new, ids, strict=True):
            set_id(obj, int(new_id))
    bulk.update_many(conn, table, old)


def _set_id(obj: Any, new_id: int) -> None:
    obj.id = new_id


def _save_requests(conn: Connection, orders: Sequence[Order]) -> None:
    def values(order: Order) -> dict[str, Any]:
        req = order.cancellation
        assert req is not None
        return {
            "reason": req.reason,
            "note": req.note,
            "status": req.status.value,
            "requested_at": req.requested_at,
            "answer_by": req.answer_by,
            "answered_at": req.answered_at,
        }

    _upsert(
        conn,
        t.cancellation_requests,
        (
            (o.cancellation, {"order_id": o.id, **values(o)}, values(o))
            for o in orders
            if o.cancellation is not None
        ),
        _set_id,
    )


def _save_disputes(conn: Connection, orders: Sequence[Order]) -> None:
    _upsert(
        conn,
        t.disputes,
        (
            (o.dispute, {"order_id": o.id, **dispute_values(o.dispute)}, dispute_values(o.dispute))
            for o in orders
            if o.dispute is not None
        ),
        _set_id,
    )


def _save_children(conn: Connection, orders: Sequence[Order]) -> None:
    """Offers and evidence requests, once their dispute has its id."""
    offers, requests = [], []
    for order in orders:
        dispute = order.dispute
        if dispute is None:
            continue
        for offer in dispute.offers:
            changing: dict[str, Any] = {
                "status": offer.status.value,
                "answered_at": offer.answered_at,
            }
            offers.append(
                (
                    offer,
                    {
                        "dispute_id": dispute.id,
                        "seq": offer.seq,
                        "by_role": offer.by_role.value,
                        "by_id": offer.by_id,
                        "kind": offer.resolution.kind.value,
                        "amount_cents": offer.resolution.amount_cents,
                        "message": offer.message,
                        "evidence": list(offer.evidence),
                        "made_at": offer.made_at,
                        "reply_by": offer.reply_by,
                        **changing,
                    },
                    changing,
                )
            )
        for req in dispute.requests:
            changing = {
                "status": req.status.value,
                "answered_at": req.answered_at,
                "answer": req.answer,
                "evidence": list(req.evidence),
            }
            requests.append(
                (
                    req,
                    {
                        "dispute_id": dispute.id,
                        "seq": req.seq,
                        "party": req.party.value,
                        "asked_by": req.asked_by,
                        "note": req.note,
                        "asked_at": req.asked_at,
                        "due_at": req.due_at,
                        **changing,
                    },
                    changing,
                )
            )
    _upsert(conn, t.dispute_offers, offers, _set_id)
    _upsert(conn, t.evidence_requests, requests, _set_id)


def _save_returns(conn: Connection, orders: Sequence[Order]) -> None:
    _upsert(
        conn,
        t.returns,
        (
            (
                o.return_request,
                {"order_id": o.id, **return_values(o.return_request)},
                return_values(o.return_request),
            )
            for o in orders
            if o.return_request is not None
        ),
        _set_id,
    )
