"""Tracking use cases (TRK): ingest carrier events, keep one timeline per shipment, move the
orders it carries (``services.tracking_orders``), and tell the buyer (TRK-9) through the outbox.

Ingest works in batches of shipments, one transaction each: the batch's events, numbers, order
moves and notifications commit together or not at all, and a batch costs a fixed number of
statements whatever its size (``store.tracking_batch``), plus the orders it moves.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
    notification_kind,
    pick_copies,
    summarise,
)
from garant.domain.statuses import STATUSES
from garant.domain.tracking import TrackingEvent
from garant.services.tracking_orders import Carried, move_orders, notice
from garant.store import outbox
from garant.store import tracking as store
from garant.store import tracking_batch as batch_store
from garant.store.db import Connection, reading
from garant.store.tracking_batch import LockedShipment

log = logging.getLogger(__name__)

FIRST_POLL_AFTER = timedelta(hours=6)
# A transaction closes after this many parcels or events, whichever comes first: big enough
# that its fixed statements are paid rarely, small enough that locks are held briefly.
BATCH_SHIPMENTS = 200
BATCH_EVENTS = 2000


@dataclass
class IngestReport:
    events: int = 0
    added: int = 0
    duplicates: int = 0
    shipments: int = 0
    new_shipments: int = 0
    orders_moved: int = 0
    notifications: int = 0

    def add(self, other: IngestReport) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


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
    row = store.shipment_row(conn, shipment_id)
    notified = set(row["notified"] or [])
    message = notice(order, "shipped", row["tracking_number"], notified, None, now)
    if message is not None:
        store.update_shipment(conn, shipment_id, {"notified": sorted(notified)})
        outbox.append(conn, [message])
    return shipment_id


def ingest(app: Garant, events: Iterable[TrackingEvent], *, source: str) -> IngestReport:
    """Store the events (each once per shipment), update each parcel's summary, move its
    orders and notify their buyers. Events are grouped by number, first seen first."""
    report = IngestReport()
    groups: dict[str, list[TrackingEvent]] = {}
    for event in events:
        groups.setdefault(store.normalise(event.tracking_number), []).append(event)
        report.events += 1
    for batch in _batches(groups):
        try:
            report.add(_ingest_committed(app, batch, source))  # counted once committed
        except Exception:
            if len(batch) == 1:
                raise
            # One parcel's failure (an order that cannot move, a bad row) must not hold
            # back the others of its batch: each parcel alone, then the first error raised
            # (the caller's retry finds the others' events already stored, once).
            log.exception("a batch of %s parcels failed; ingesting them one by one", len(batch))
            failed: Exception | None = None
            for number, group in batch.items():
                try:
                    report.add(_ingest_committed(app, {number: group}, source))
                except Exception as exc:
                    failed = failed or exc
            if failed is not None:
                raise failed from None
    return report


def _ingest_committed(
    app: Garant, batch: dict[str, list[TrackingEvent]], source: str
) -> IngestReport:
    with app.engine.begin() as conn:
        return _ingest_batch(conn, batch, source, app.clock.now())


def _batches(
    groups: dict[str, list[TrackingEvent]],
) -> Iterable[dict[str, list[TrackingEvent]]]:
    batch: dict[str, list[TrackingEvent]] = {}
    events = 0
    for number, group in groups.items():
        batch[number] = group
        events += len(group)
        if len(batch) >= BATCH_SHIPMENTS or events >= BATCH_EVENTS:
            yield batch
            batch, events = {}, 0
    if batch:
        yield batch


def _ingest_batch(
    conn: Connection, groups: dict[str, list[TrackingEvent]], source: str, now: datetime
) -> IngestReport:
    report = IngestReport(shipments=len(groups))
    shipments = _resolve(conn, groups, now, report)
    # Events by shipment: a local number announced in this batch joins its parcel (TRK-3).
    by_shipment: dict[int, list[TrackingEvent]] = {}
    for number, group in groups.items():
        by_shipment.setdefault(shipments[number].id, []).extend(group)
    # The copy of each event that says most; its key, computed once, goes into the row.
    chosen = {i: pick_copies(group) for i, group in by_shipment.items()}
    rows = [
        store.event_row(i, e, source, now, key=key)
        for i, copies in chosen.items()
        for key, e in copies.items()
    ]
    added = batch_store.add_events(conn, rows)
    report.added = len(added)
    report.duplicates = sum(len(g) for g in groups.values()) - len(added)
    changed = {shipment_id for shipment_id, _ in added}
    if not changed:
        return report
    locked = {s.id: s for s in shipments.values()}
    # The summary reads the whole timeline (a late scan may reorder it): the parcels that had
    # events before and got news are read, in one query; a parcel's first events are its
    # whole timeline.
    timelines = batch_store.timelines(conn, [i for i in changed if locked[i].had_events])
    for i in changed - timelines.keys():
        timelines[i] = [e for key, e in chosen[i].items() if (i, key) in added]
    summaries = {i: summarise(timelines[i], now) for i in changed}
    notified = {i: set(locked[i].notified) for i in changed}
    carried = [
        Carried(order_id, shipment_id, summaries[shipment_id])
        for shipment_id, order_ids in batch_store.orders_of(conn, changed).items()
        for order_id in order_ids
    ]
    messages = []
    for moved in move_orders(conn, carried, now):
        report.orders_moved += 1
        summary, shipment_id = moved.carried.summary, moved.carried.shipment_id
        kind = notification_kind(moved.previous, moved.order.display_status().code, summary)
        if kind is None:
            continue
        message = notice(
            moved.order, kind, locked[shipment_id].tracking_number, notified[shipment_id],
            summary, now,
        )  # fmt: skip
        if message is not None:
            messages.append(message)
    report.notifications = outbox.append(conn, messages)
    batch_store.update_summaries(
        conn, [_summary_row(i, summaries[i], notified[i]) for i in sorted(changed)], now
    )
    return report


def _resolve(
    conn: Connection, groups: dict[str, list[TrackingEvent]], now: datetime, report: IngestReport
) -> dict[str, LockedShipment]:
    """The shipment of every number of the batch, locked: the known ones looked up in one
    query, the others created in one; handover numbers recorded (TRK-3). A number announced
    by an earlier group of the batch leads to that group's parcel, as if stored before."""
    known = batch_store.lock_by_numbers(conn, list(groups))
    owner: dict[str, int | str] = {}  # number -> known shipment id, or the number creating one
    handovers: list[tuple[str, int | str, str]] = []
    for number, group in groups.items():
        key: int | str = known[number].id if number in known else owner.get(number, number)
        owner[number] = key
        for carrier, local in handover_numbers(group):
            owner.setdefault(local, key)
            handovers.append((local, key, carrier or group[0].carrier))
    new = [(n, groups[n][0].carrier) for n, key in owner.items() if key == n and n in groups]
    created = batch_store.create_shipments(conn, new, now)
    report.new_shipments = len(created)
    by_id = {s.id: s for s in known.values()}

    def shipment(key: int | str) -> LockedShipment:
        return by_id[key] if isinstance(key, int) else created[key]

    batch_store.add_numbers(
        conn, [(local, shipment(key).id, carrier) for local, key, carrier in handovers], now
    )
    return {number: shipment(owner[number]) for number in groups}


def _summary_row(shipment_id: int, summary: ShipmentSummary, notified: set[str]) -> dict[str, Any]:
    return {
        "id": shipment_id,
        "status": summary.status.value,
        "sub_status": summary.sub_status.value,
        "buyer_status": summary.buyer_status,
        "last_event_at": summary.last_event_at,
        "delivered_at": summary.delivered_at,
        "notified": sorted(notified),
    }


# ----------------------------------------------------------------------------- reading


def public_view(app: Garant, number: str) -> dict[str, Any]:
    """TRK-1: what anyone holding the number sees. No buyer, seller, order or amount."""
    now = app.clock.now()
    if not store.normalise(number).isalnum():
        return _not_found(number, None, now)  # no number has such characters: a typo
    with reading(app.engine) as conn:
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
