"""Tracking use cases (TRK): ingest carrier events, keep one timeline per shipment, move the
orders it carries through the order service, and tell the buyer (TRK-9) through the outbox.

Every batch of one shipment is one transaction: its events, its numbers, its orders' moves and
its notifications commit together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from garant.app import Garant
from garant.carriers.numbers import detect
from garant.domain.delivery import DEFAULT_DELIVERY_WINDOWS, TrackingProgress, estimate_delivery
from garant.domain.diagnosis import (
    diagnose_delivered_not_received,
    diagnose_not_found,
    diagnose_return,
    diagnose_stall,
)
from garant.domain.orders import Order
from garant.domain.shipment import (
    ShipmentSummary,
    handover_numbers,
    merge,
    notification_kind,
    summarise,
)
from garant.domain.statuses import STATUSES
from garant.domain.tracking import TrackingEvent
from garant.store import schema as t
from garant.store import tracking as store

FIRST_POLL_AFTER = timedelta(hours=6)


@dataclass
class IngestReport:
    events: int = 0
    added: int = 0
    duplicates: int = 0
    shipments: int = 0
    new_shipments: int = 0
    orders_moved: int = 0
    notifications: int = 0


def attach_shipment(conn: Connection, order: Order, now: datetime) -> int:
    """The order left with a tracking number: its parcel is tracked from now on. A number
    already known joins the order to that parcel (TRK-11: several orders, one parcel)."""
    assert order.id is not None and order.tracking_number is not None
    shipment_id = store.shipment_id_for(conn, order.tracking_number, lock=True)
    if shipment_id is None:
        shipment_id = store.create_shipment(
            conn,
            carrier=order.carrier or "unknown",
            number=order.tracking_number,
            now=now,
            origin_country="CN" if order.shipping_method != "eu_warehouse" else None,
            destination_country=order.destination_country,
            shipping_method=order.shipping_method,
            poll_at=now + FIRST_POLL_AFTER,
        )
    store.link_order(conn, shipment_id, order.id)
    _notify(conn, shipment_id, order, "shipped", None, now)
    return shipment_id


def ingest(app: Garant, events: Iterable[TrackingEvent], *, source: str) -> IngestReport:
    report = IngestReport()
    groups: dict[str, list[TrackingEvent]] = defaultdict(list)
    for event in events:
        groups[store.normalise(event.tracking_number)].append(event)
        report.events += 1
    for number, batch in groups.items():
        with app.engine.begin() as conn:
            _ingest_one(conn, number, batch, source, app.clock.now(), report)
    return report


def _ingest_one(
    conn: Connection,
    number: str,
    batch: Sequence[TrackingEvent],
    source: str,
    now: datetime,
    report: IngestReport,
) -> None:
    shipment_id = store.shipment_id_for(conn, number, lock=True)
    if shipment_id is None:
        shipment_id = store.create_shipment(conn, carrier=batch[0].carrier, number=number, now=now)
        report.new_shipments += 1
    report.shipments += 1
    result = merge(store.events_of(conn, shipment_id), batch)
    added = store.add_events(
        conn, [store.event_row(shipment_id, e, source, now) for e in result.added]
    )
    report.added += added
    report.duplicates += len(batch) - added
    for carrier, local in handover_numbers(batch):
        store.add_number(conn, shipment_id, carrier or batch[0].carrier, local, now)
    if not result.timeline or not added:
        return
    summary = summarise(result.timeline, now)
    store.update_shipment(
        conn,
        shipment_id,
        {
            "status": summary.status.value,
            "sub_status": summary.sub_status.value,
            "buyer_status": summary.buyer_status,
            "last_event_at": summary.last_event_at,
            "delivered_at": summary.delivered_at,
            "updated_at": now,
        },
    )
    from garant.services.orders import apply_tracking

    for order_id in store.order_ids(conn, shipment_id):
        moved = apply_tracking(conn, order_id, summary, now)
        if moved is None:
            continue
        report.orders_moved += 1
        order, previous = moved
        kind = notification_kind(previous, order.display_status().code, summary)
        if kind is not None and _notify(conn, shipment_id, order, kind, summary, now):
            report.notifications += 1


def _notify(
    conn: Connection,
    shipment_id: int,
    order: Order,
    kind: str,
    summary: ShipmentSummary | None,
    now: datetime,
) -> bool:
    """TRK-9: one message per milestone and order, through the outbox (email, in-app,
    webhook are the relay's sinks)."""
    row = store.shipment_row(conn, shipment_id)
    sent = set(row["notified"] or [])
    key = f"{order.id}:{kind}"
    if key in sent and kind not in ("out_for_delivery", "delivery_failed"):
        return False
    store.update_shipment(conn, shipment_id, {"notified": sorted(sent | {key})})
    shown = STATUSES.get(kind)
    where = None
    if summary is not None and summary.location is not None:
        where = ", ".join(p for p in (summary.location.city, summary.location.country) if p)
    conn.execute(
        insert(t.outbox).values(
            topic=f"notify.{kind}",
            order_id=order.id,
            created_at=now,
            payload={
                "type": f"notify.{kind}",
                "kind": kind,
                "user_id": order.buyer_id,
                "order_id": order.id,
                "external_ref": order.external_ref,
                "tracking_number": row["tracking_number"],
                "status": shown.to_json() if shown else None,
                "where": where,
                "at": now.isoformat(),
            },
        )
    )
    return True


# ----------------------------------------------------------------------------- reading


def public_view(app: Garant, number: str) -> dict[str, Any]:
    """TRK-1: what anyone holding the number sees. No buyer, seller, order or amount."""
    now = app.clock.now()
    if not store.normalise(number).isalnum():
        return _not_found(number, None, now)  # no number has such characters: a typo
    with app.engine.connect() as conn:
        shipment_id = store.shipment_id_for(conn, number)
        if shipment_id is None:
            return _not_found(store.normalise(number), None, now)
        row = store.shipment_row(conn, shipment_id)
        events = store.events_of(conn, shipment_id)
        numbers = store.numbers_of(conn, shipment_id)
    return shipment_view(row, events, numbers, now, protection_ends_at=None)


def shipment_view(
    row: dict[str, Any],
    events: list[TrackingEvent],
    numbers: list[tuple[str, str]],
    now: datetime,
    protection_ends_at: datetime | None,
) -> dict[str, Any]:
    if not events:
        return _not_found(
            row["tracking_number"], row["created_at"], now, numbers=numbers, carrier=row["carrier"]
        )
    summary = summarise(events, now)
    diagnoses: dict[str, Any] = {}
    lane = (row["origin_country"] or "CN", row["destination_country"] or "FR")
    method = row["shipping_method"] or "aliexpress_standard"
    protection = protection_ends_at or (row["created_at"] + timedelta(days=60))
    stall = diagnose_stall(summary, lane, method, now, protection)
    if stall is not None:
        diagnoses["stalled"] = _plain(stall)
    returned = diagnose_return(summary)
    if returned is not None:
        diagnoses["returned"] = _plain(returned)
    delivered = diagnose_delivered_not_received(summary)
    if delivered is not None:
        diagnoses["delivered"] = _plain(delivered)
    loc = summary.location
    return {
        "number": row["tracking_number"],
        "found": True,
        "carrier": row["carrier"],
        "numbers": [{"number": n, "carrier": c} for n, c in numbers],
        "status": summary.status.value,
        "sub_status": summary.sub_status.value,
        "buyer_status": STATUSES[summary.buyer_status].to_json(),
        "location": dataclasses.asdict(loc) if loc else None,
        "last_event_at": summary.last_event_at.isoformat(),
        "delivered_at": summary.delivered_at.isoformat() if summary.delivered_at else None,
        "estimate": _estimate(row, summary, now),
        "diagnoses": diagnoses,
        "events": [_event_json(e) for e in summary.events],
    }


def _estimate(
    row: dict[str, Any], summary: ShipmentSummary, now: datetime
) -> dict[str, Any] | None:
    method = row["shipping_method"]
    if method is None:
        return None
    try:
        estimate = estimate_delivery(
            method=method,
            shipped_at=row["created_at"],
            origin_country=row["origin_country"] or "CN",
            destination_country=row["destination_country"] or "FR",
            events_so_far=TrackingProgress.from_events(summary.chronological),
            windows=DEFAULT_DELIVERY_WINDOWS,
        )
    except Exception:  # a returned or lost parcel has no estimate: say nothing rather than 500
        return None
    return {
        "earliest": estimate.earliest.isoformat(),
        "latest": estimate.latest.isoformat(),
        "basis": list(estimate.basis),
        "basis_fr": list(estimate.basis_fr),
        "basis_en": list(estimate.basis_en),
    }


def _not_found(
    number: str,
    shipped_at: datetime | None,
    now: datetime,
    *,
    numbers: list[tuple[str, str]] | None = None,
    carrier: str | None = None,
) -> dict[str, Any]:
    detection = detect(number)
    diagnosis = diagnose_not_found(number, detection, shipped_at, now)
    return {
        "number": detection.number or number,
        "found": False,
        "carrier": carrier,
        "numbers": [{"number": n, "carrier": c} for n, c in (numbers or [])],
        "detection": detection.to_json(),
        "diagnoses": {"not_found": _plain(diagnosis)},
        "events": [],
    }


def _event_json(e: TrackingEvent) -> dict[str, Any]:
    return {
        "occurred_at": e.occurred_at.isoformat(),
        "status": e.status.value,
        "sub_status": e.sub_status.value,
        "carrier": e.carrier,
        "tracking_number": e.tracking_number,
        "raw_code": e.raw_code,
        "raw_text": e.raw_text,
        "location": dataclasses.asdict(e.location),
        "leg": e.leg,
    }


def _plain(value: Any) -> Any:
    """Dataclasses (diagnoses, sentences) as JSON-ready dicts, datetimes as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
