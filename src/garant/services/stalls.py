"""TRK-6: tell the buyer when their parcel stops moving, once per stall.

A stall is identified by the parcel's last sign of movement: the order's key in
``shipments.notified`` is ``"<order_id>:stalled:<last_event_at, UTC ISO>"``. The same stall is
never told twice; a new event followed by a new stall has a new key and is told again.

The message goes through the outbox (topic ``notify.stalled``) in the transaction that records
the key, so the relay delivers it by email, in the app and to webhooks like every milestone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any

from garant.app import Garant
from garant.domain.diagnosis import DEFAULT_STALL, Sentence, StallDiagnosis, diagnose_stall
from garant.domain.orders import Order
from garant.domain.shipment import ShipmentSummary, summarise
from garant.domain.statuses import STATUSES
from garant.domain.transitions import OrderState
from garant.store import orders as order_store
from garant.store import outbox
from garant.store import stalls as stall_store
from garant.store import tracking as store
from garant.store.db import reading

TOPIC = "notify.stalled"

# Below this many quiet days no stage is stalled, so such parcels are not even read. Parcels at
# a pickup point count from the first notice, and a lost one at once: those are always read.
_QUIET_DAYS = min(
    DEFAULT_STALL.before_departure_days,
    DEFAULT_STALL.transit_air_days,
    DEFAULT_STALL.transit_standard_days,
    DEFAULT_STALL.transit_within_eu_days,
    DEFAULT_STALL.customs_processing_days,
    DEFAULT_STALL.customs_information_days,
    DEFAULT_STALL.last_mile_days,
    DEFAULT_STALL.out_for_delivery_days,
)


def stall_key(order_id: int, last_event_at: datetime) -> str:
    return f"{order_id}:stalled:{last_event_at.astimezone(UTC).isoformat()}"


def notify_stalls(app: Garant, *, limit: int = 500) -> int:
    """Write one ``notify.stalled`` message per order carried by a stalled parcel and not yet
    told of this stall; return how many were written.

    ``limit`` is how many shipments one read takes: the pass pages through every candidate,
    so parcels late in the table are never starved by ones already told.
    """
    now = app.clock.now()  # before any transaction: the sandbox clock reads the database
    written, after = 0, 0
    while True:
        page, pending = _page(app, now, after, limit)
        if not page:
            return written
        for shipment_id in page:
            if pending.get(shipment_id):
                written += _notify_shipment(app, shipment_id, pending[shipment_id], now)
        after = page[-1]


def _page(
    app: Garant, now: datetime, after: int, limit: int
) -> tuple[list[int], dict[int, list[int]]]:
    """The next ``limit`` shipments after ``after`` that carry a SHIPPED order and are quiet
    enough to be stalled, and for each the orders not yet told of the current stall."""
    with reading(app.engine) as conn:
        page, rows = stall_store.quiet_shipments(
            conn, quiet_since=now - timedelta(days=_QUIET_DAYS), after=after, limit=limit
        )
    pending: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if stall_key(row.order_id, row.last_event_at) not in (row.notified or []):
            pending[int(row.id)].append(int(row.order_id))
    return page, pending


def _notify_shipment(app: Garant, shipment_id: int, order_ids: list[int], now: datetime) -> int:
    if not order_ids:
        return 0
    with app.engine.begin() as conn:
        # The shipment's lock, as ingest takes it: the timeline and keys cannot move under us.
        store.lock_shipment(conn, shipment_id)
        row = store.shipment_row(conn, shipment_id)
        events = store.events_of(conn, shipment_id)
        if row["last_event_at"] is None or not events:
            return 0
        summary = summarise(events, now)
        sent = set(row["notified"] or [])
        untold = [o for o in order_ids if stall_key(o, row["last_event_at"]) not in sent]
        # After a reshipment only the order's latest parcel speaks for it.
        current = stall_store.current_shipments(conn, untold)
        orders = order_store.load_many(conn, [o for o in untold if current.get(o) == shipment_id])
        messages: list[outbox.Message] = []
        for order_id in untold:
            order = orders.get(order_id)
            if order is None or order.state is not OrderState.SHIPPED:
                continue
            stall = _diagnose(order, row, summary, now)
            if stall is None:
                continue
            messages.append(
                outbox.Message(
                    topic=TOPIC,
                    order_id=order_id,
                    created_at=now,
                    payload=_payload(order, row, summary, stall, now),
                )
            )
            sent.add(stall_key(order_id, row["last_event_at"]))
        outbox.append(conn, messages)
        if messages:
            store.update_shipment(conn, shipment_id, {"notified": sorted(sent)})
    return len(messages)


def _diagnose(
    order: Order, row: dict[str, Any], summary: ShipmentSummary, now: datetime
) -> StallDiagnosis | None:
    protection_ends = order.created_at + order.policy.protection_period(order.product_category)
    lane = (
        row["origin_country"] or "CN",
        row["destination_country"] or order.destination_country or "FR",
    )
    method = row["shipping_method"] or order.shipping_method
    return diagnose_stall(summary, lane, method, now, protection_ends)


def _sentence(sentence: Sentence) -> dict[str, str]:
    code, fr, en = astuple(sentence)
    return {"code": code, "fr": fr, "en": en}


def _payload(
    order: Order,
    row: dict[str, Any],
    summary: ShipmentSummary,
    stall: StallDiagnosis,
    now: datetime,
) -> dict[str, Any]:
    shown = STATUSES.get(summary.buyer_status)
    place = summary.location
    where = None
    if place is not None:
        where = ", ".join(p for p in (place.city, place.country) if p) or None
    # The milestone payload of ``services.tracking``, plus what the stall message needs.
    return {
        "type": TOPIC,
        "kind": "stalled",
        "user_id": order.buyer_id,
        "order_id": order.id,
        "external_ref": order.external_ref,
        "tracking_number": row["tracking_number"],
        "status": shown.to_json() if shown else None,
        "where": where,
        "at": now.isoformat(),
        "destination_country": row["destination_country"] or order.destination_country,
        "stall": {
            "stage": stall.stage,
            "since": stall.since.isoformat(),
            "last_event_at": row["last_event_at"].astimezone(UTC).isoformat(),
            "normal_days": stall.normal_days,
            "explanation": _sentence(stall.explanation),
            "advice": [_sentence(a) for a in stall.advice],
            "protection": _sentence(stall.protection),
            "protection_ends_at": stall.protection_ends_at.isoformat(),
            "act_by": stall.act_by.isoformat(),
        },
    }
