"""What a parcel's timeline means for the orders it carries (ORD-1, CAN-13, TRK-5) and what
the buyer is told about it (TRK-9).

A shipment is something tracking handles: the order moves it causes are applied here, through
the order aggregate, in the ingest's transaction. Nothing here imports ``services.orders``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from garant.domain.orders import Actor, Order
from garant.domain.shipment import ShipmentSummary, order_effect
from garant.domain.statuses import STATUSES
from garant.domain.transitions import OrderState
from garant.services import unit_of_work as uow
from garant.store import orders as order_store
from garant.store.db import Connection
from garant.store.outbox import Message

# The order actions tracking takes (``OrderEffect.action``), as the order's own methods.
_ACTIONS: dict[str, Callable[[Order, Actor, datetime, dict[str, str]], None]] = {
    "record_shipment_progress": lambda o, a, n, p: o.record_shipment_progress(a, n, p["status"]),
    "record_delivery": lambda o, a, n, p: o.record_delivery(a, n, p.get("where", "")),
    "mark_returned_to_sender": lambda o, a, n, p: o.mark_returned_to_sender(a, n, p["reason"]),
    "report_shipment_cancelled": lambda o, a, n, p: o.report_shipment_cancelled(a, n, p["reason"]),
}
# Each delivery attempt asks the buyer to be home or to collect: told every time.
_EVERY_TIME = frozenset({"out_for_delivery", "delivery_failed"})


@dataclass(frozen=True)
class Carried:
    """One order on one parcel whose timeline changed."""

    order_id: int
    shipment_id: int
    summary: ShipmentSummary


@dataclass(frozen=True)
class Moved:
    order: Order
    previous: str  # the ORD-1 code the order showed before the move
    carried: Carried


def apply_tracking(order: Order, summary: ShipmentSummary, now: datetime) -> str | None:
    """Move one order by its parcel's summary. Returns the code it showed before, or None when
    nothing changed (delivered, returned, cancelled: tracking no longer moves it)."""
    if order.state is not OrderState.SHIPPED:
        return None
    previous = order.display_status().code
    effect = order_effect(previous, summary)
    if effect is None:
        return None
    # The carrier's instant, not ours: PRT-4 counts the dispute window from the delivery.
    when = min(effect.at or now, now)
    _ACTIONS[effect.action](order, Actor.system(), when, dict(effect.params))
    return previous


def move_orders(conn: Connection, carried: Sequence[Carried], now: datetime) -> list[Moved]:
    """Apply the parcels' summaries to the orders they carry, through the unit of work: every
    order of the batch loaded at once under lock (in id order: no deadlock between two
    ingesters), moved in the domain, saved together."""
    orders = order_store.load_many(conn, [c.order_id for c in carried], lock=True)
    loaded = {order_id: uow.Loaded(order) for order_id, order in orders.items()}
    moved = []
    for c in sorted(carried, key=lambda c: (c.order_id, c.shipment_id)):
        order = orders.get(c.order_id)
        if order is None:
            continue
        previous = apply_tracking(order, c.summary, now)
        if previous is not None:
            moved.append(Moved(order, previous, c))
    changed = {m.order.id for m in moved}
    uow.save_changes(conn, [item for i, item in loaded.items() if i in changed], now)
    return moved


def notice(
    order: Order,
    kind: str,
    tracking_number: str,
    notified: set[str],
    summary: ShipmentSummary | None,
    now: datetime,
) -> Message | None:
    """TRK-9: the message for one milestone of one order (email, in-app and webhook are the
    relay's sinks), or None when it was already sent. ``notified`` (the shipment's) records it."""
    key = f"{order.id}:{kind}"
    if key in notified and kind not in _EVERY_TIME:
        return None
    notified.add(key)
    shown = STATUSES.get(kind)
    where = None
    if summary is not None and summary.location is not None:
        where = ", ".join(p for p in (summary.location.city, summary.location.country) if p)
    return Message(
        topic=f"notify.{kind}",
        order_id=order.id,
        created_at=now,
        payload={
            "type": f"notify.{kind}",
            "kind": kind,
            "user_id": order.buyer_id,
            "order_id": order.id,
            "external_ref": order.external_ref,
            "tracking_number": tracking_number,
            "status": shown.to_json() if shown else None,
            "where": where,
            "at": now.isoformat(),
        },
    )
