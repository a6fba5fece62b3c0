"""Shipments, their numbers, orders and events: rows ↔ ``TrackingEvent``s."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from garant.domain.shipment import dedupe_key
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus
from garant.store import schema as t


def normalise(number: str) -> str:
    return "".join(number.split()).upper()


def shipment_id_for(conn: Connection, number: str, *, lock: bool = False) -> int | None:
    shipment_id = conn.execute(
        select(t.shipment_numbers.c.shipment_id).where(
            t.shipment_numbers.c.number == normalise(number)
        )
    ).scalar()
    if shipment_id is not None and lock:
        lock_shipment(conn, int(shipment_id))
    return None if shipment_id is None else int(shipment_id)


def lock_shipment(conn: Connection, shipment_id: int) -> None:
    query = select(t.shipments.c.id).where(t.shipments.c.id == shipment_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    conn.execute(query)


def create_shipment(
    conn: Connection,
    *,
    carrier: str,
    number: str,
    now: datetime,
    origin_country: str | None = None,
    destination_country: str | None = None,
    shipping_method: str | None = None,
    poll_at: datetime | None = None,
) -> int:
    number = normalise(number)
    shipment_id = int(
        conn.execute(
            insert(t.shipments)
            .values(
                carrier=carrier,
                tracking_number=number,
                status=TrackingStatus.PENDING.value,
                sub_status=SubStatus.NONE.value,
                buyer_status="shipped",
                created_at=now,
                updated_at=now,
                version=1,
                origin_country=origin_country,
                destination_country=destination_country,
                shipping_method=shipping_method,
                next_poll_at=poll_at,
                notified=[],
            )
            .returning(t.shipments.c.id)
        ).scalar_one()
    )
    add_number(conn, shipment_id, carrier, number, now)
    return shipment_id


def add_number(
    conn: Connection, shipment_id: int, carrier: str, number: str, now: datetime
) -> bool:
    """TRK-3: one more number leading to this shipment. False when it was already known."""
    values = dict(number=normalise(number), shipment_id=shipment_id, carrier=carrier, added_at=now)
    return _insert_ignore(conn, t.shipment_numbers, values, ["number"]) == 1


def link_order(conn: Connection, shipment_id: int, order_id: int) -> None:
    _insert_ignore(
        conn,
        t.shipment_orders,
        {"shipment_id": shipment_id, "order_id": order_id},
        ["shipment_id", "order_id"],
    )


def order_ids(conn: Connection, shipment_id: int) -> list[int]:
    return [
        int(i)
        for i in conn.execute(
            select(t.shipment_orders.c.order_id)
            .where(t.shipment_orders.c.shipment_id == shipment_id)
            .order_by(t.shipment_orders.c.order_id)
        ).scalars()
    ]


def shipment_of_order(conn: Connection, order_id: int) -> int | None:
    """The order's current parcel (the latest one, after a reshipment)."""
    value = conn.execute(
        select(t.shipment_orders.c.shipment_id)
        .where(t.shipment_orders.c.order_id == order_id)
        .order_by(t.shipment_orders.c.shipment_id.desc())
        .limit(1)
    ).scalar()
    return None if value is None else int(value)


def shipment_row(conn: Connection, shipment_id: int) -> dict[str, Any]:
    row = conn.execute(select(t.shipments).where(t.shipments.c.id == shipment_id)).mappings().one()
    return dict(row)


def numbers_of(conn: Connection, shipment_id: int) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(t.shipment_numbers.c.number, t.shipment_numbers.c.carrier)
        .where(t.shipment_numbers.c.shipment_id == shipment_id)
        .order_by(t.shipment_numbers.c.added_at, t.shipment_numbers.c.number)
    ).all()
    return [(r.number, r.carrier) for r in rows]


def events_of(conn: Connection, shipment_id: int) -> list[TrackingEvent]:
    rows = (
        conn.execute(
            select(t.tracking_events)
            .where(t.tracking_events.c.shipment_id == shipment_id)
            .order_by(t.tracking_events.c.occurred_at, t.tracking_events.c.id)
        )
        .mappings()
        .all()
    )
    return [event_from_row(r) for r in rows]


def event_from_row(r: Any) -> TrackingEvent:
    """A stored event, in the carrier's own time zone as it was received."""
    zone = timezone(timedelta(minutes=r["utc_offset_minutes"]))
    return TrackingEvent(
        carrier=r["carrier"],
        tracking_number=r["tracking_number"],
        occurred_at=r["occurred_at"].astimezone(zone),
        status=TrackingStatus(r["status"]),
        sub_status=SubStatus(r["sub_status"]),
        raw_code=r["raw_code"],
        raw_text=r["raw_text"],
        location=Location(
            country=r["country"],
            city=r["city"],
            postcode=r["postcode"],
            description=r["location_text"],
        ),
        leg=r["leg"],
    )


def event_row(
    shipment_id: int,
    event: TrackingEvent,
    source: str,
    now: datetime,
    *,
    key: str | None = None,
) -> dict[str, Any]:
    """The row of one event; ``key``: its ``dedupe_key`` when the caller has it already."""
    offset = event.occurred_at.utcoffset()
    assert offset is not None
    loc = event.location
    return dict(
        shipment_id=shipment_id,
        dedupe_key=key or dedupe_key(event),
        carrier=event.carrier,
        tracking_number=normalise(event.tracking_number),
        occurred_at=event.occurred_at,
        utc_offset_minutes=int(offset.total_seconds() // 60),
        status=event.status.value,
        sub_status=event.sub_status.value,
        raw_code=(event.raw_code or None),
        raw_text=event.raw_text[:4000],
        country=loc.country,
        city=(loc.city or "")[:120] or None,
        postcode=(loc.postcode or "")[:20] or None,
        location_text=(loc.description or "")[:300] or None,
        leg=(event.leg or "")[:120] or None,
        source=source,
        received_at=now,
    )


def update_shipment(conn: Connection, shipment_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(t.shipments)
        .where(t.shipments.c.id == shipment_id)
        .values(version=t.shipments.c.version + 1, **values)
    )


def record_error(
    conn: Connection,
    *,
    carrier: str,
    source: str,
    error: str,
    excerpt: str,
    number: str | None,
    now: datetime,
) -> None:
    conn.execute(
        insert(t.tracking_errors).values(
            carrier=carrier,
            source=source,
            tracking_number=number,
            error=error[:2000],
            excerpt=excerpt[:2000],
            received_at=now,
        )
    )


def _insert_ignore(
    conn: Connection, table: Any, values: dict[str, Any], keys: Iterable[str]
) -> int:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    keys = list(keys)
    # RETURNING rather than rowcount: SQLite's driver does not report skipped rows reliably.
    stmt = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(table.c[keys[0]])
    )
    return len(conn.execute(stmt).all())


def due_for_poll(
    conn: Connection, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[tuple[int, str, str]]:
    """Claim shipments whose next poll is due: (id, carrier, number)."""
    s = t.shipments
    candidates = (
        select(s.c.id)
        .where(
            and_(
                s.c.next_poll_at.is_not(None),
                s.c.next_poll_at <= now,
                (s.c.poll_lease_until.is_(None)) | (s.c.poll_lease_until < now),
            )
        )
        .order_by(s.c.next_poll_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    rows = conn.execute(
        update(s)
        .where(s.c.id.in_(candidates.scalar_subquery()))
        .values(poll_claimed_by=worker, poll_lease_until=now + lease)
        .returning(s.c.id, s.c.carrier, s.c.tracking_number)
    ).all()
    return [(int(r.id), r.carrier, r.tracking_number) for r in rows]


def _held_by(worker: str, lease_until: datetime) -> Any:
    s = t.shipments
    return and_(s.c.poll_claimed_by == worker, s.c.poll_lease_until == lease_until)


def claimed_for_poll(
    conn: Connection, shipment_id: int, worker: str, lease_until: datetime
) -> dict[str, Any] | None:
    """The shipment's row when ``worker`` still holds the claim it took with ``lease_until``
    (locked on PostgreSQL until the transaction ends); None when the lease ran out and another
    poller took the shipment over."""
    s = t.shipments
    query = select(s).where(s.c.id == shipment_id, _held_by(worker, lease_until))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return None if row is None else dict(row)


def finish_poll(
    conn: Connection,
    shipment_id: int,
    worker: str,
    lease_until: datetime,
    *,
    next_poll_at: datetime | None,
    poll_failures: int,
) -> bool:
    """Schedule the next poll (None: stop polling) and release the claim, if still held."""
    s = t.shipments
    rows = conn.execute(
        update(s)
        .where(s.c.id == shipment_id, _held_by(worker, lease_until))
        .values(
            next_poll_at=next_poll_at,
            poll_failures=poll_failures,
            poll_claimed_by=None,
            poll_lease_until=None,
        )
        .returning(s.c.id)
    ).all()
    return len(rows) == 1
