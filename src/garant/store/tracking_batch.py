"""Set-based reads and writes of tracking ingest: a batch of shipments costs a fixed number of
statements, whatever its size (one lookup, one insert per table, one executemany update).

Rows bound for the same table go in one multi-row ``INSERT``: SQLAlchemy's "insertmanyvalues"
writes ``VALUES (…), (…), …`` pages of ``ROWS_PER_STATEMENT`` rows, so a page of events (17
columns) stays under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, any_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus
from garant.store import schema as t
from garant.store.tracking import event_from_row

ROWS_PER_STATEMENT = 1000
# PostgreSQL: the session's scratch table that events are copied into, emptied at each commit.
_SCRATCH = "ingest_events_scratch"


@dataclass
class LockedShipment:
    id: int
    tracking_number: str
    notified: list[str]
    # Events were stored before this batch (its summary has a last event): a new summary must
    # read them. A shipment without any is summarised from what the batch brings alone.
    had_events: bool


def _among(conn: Connection, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """``column = ANY(:values)`` on PostgreSQL (one parameter, one plan whatever the count);
    ``IN (…)`` on SQLite, whose batches stay far below its parameter limit."""
    if conn.dialect.name == "postgresql":
        kind = postgresql.ARRAY(String if isinstance(column.type, String) else column.type)
        return column == any_(bindparam(None, list(values), type_=kind))
    return column.in_(list(values))


def _insert(conn: Connection, table: Any) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).execution_options(insertmanyvalues_page_size=ROWS_PER_STATEMENT)


def lock_by_numbers(conn: Connection, numbers: Collection[str]) -> dict[str, LockedShipment]:
    """The known shipments of these (normalised) numbers, each under every number of the
    list it answers to. On PostgreSQL their rows are locked, in id order: two ingesters whose
    batches share shipments queue on the first shared one instead of deadlocking."""
    if not numbers:
        return {}
    s, n = t.shipments, t.shipment_numbers
    query = (
        select(n.c.number, s.c.id, s.c.tracking_number, s.c.notified, s.c.last_event_at)
        .join(s, s.c.id == n.c.shipment_id)
        .where(_among(conn, n.c.number, numbers))
        .order_by(s.c.id)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=s)
    found: dict[int, LockedShipment] = {}
    out = {}
    for r in conn.execute(query):
        shipment = found.setdefault(
            int(r.id),
            LockedShipment(
                int(r.id), r.tracking_number, list(r.notified or []), r.last_event_at is not None
            ),
        )
        out[r.number] = shipment
    return out


def create_shipments(
    conn: Connection, new: Sequence[tuple[str, str]], now: datetime
) -> dict[str, LockedShipment]:
    """Shipments for (normalised number, carrier) pairs nobody knew: one multi-row INSERT for
    the shipments, one for their numbers. A number another ingester registered meanwhile
    keeps that one's shipment (ours, left empty, is removed): the number decides."""
    if not new:
        return {}
    s = t.shipments
    rows = [
        dict(carrier=carrier, tracking_number=number, status=TrackingStatus.PENDING.value,
             sub_status=SubStatus.NONE.value, buyer_status="shipped", created_at=now,
             updated_at=now, version=1, notified=[])
        for number, carrier in new
    ]  # fmt: skip
    made = {
        r.tracking_number: int(r.id)
        for r in conn.execute(_insert(conn, s).returning(s.c.id, s.c.tracking_number), rows)
    }
    carriers = dict(new)
    won = add_numbers(
        conn, [(number, made[number], carriers[number]) for number in made], now, returning=True
    )
    out = {number: LockedShipment(made[number], number, [], False) for number in won}
    lost = [number for number in made if number not in won]
    if lost:
        conn.execute(delete(s).where(_among(conn, s.c.id, [made[n] for n in lost])))
        out |= lock_by_numbers(conn, lost)
    return out


def add_numbers(
    conn: Connection,
    numbers: Iterable[tuple[str, int, str]],
    now: datetime,
    *,
    returning: bool = False,
) -> set[str]:
    """TRK-3: (normalised number, shipment id, carrier) rows; a number already known keeps its
    shipment. Sorted by number, so two ingesters inserting the same numbers wait on each other
    in the same order. Returns the numbers inserted when asked (``returning``)."""
    n = t.shipment_numbers
    rows: dict[str, dict[str, Any]] = {}
    for number, shipment_id, carrier in numbers:
        rows.setdefault(
            number, dict(number=number, shipment_id=shipment_id, carrier=carrier, added_at=now)
        )
    if not rows:
        return set()
    stmt = _insert(conn, n).on_conflict_do_nothing(index_elements=["number"])
    ordered = [rows[k] for k in sorted(rows)]
    if not returning:
        conn.execute(stmt, ordered)
        return set()
    return {r.number for r in conn.execute(stmt.returning(n.c.number), ordered)}


def add_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[tuple[int, str]]:
    """Insert events; one already stored (same shipment and key) is skipped, so a poll and a
    webhook racing on the same event store it once. Returns (shipment id, key) of those
    inserted: RETURNING, because SQLite's driver does not report skipped rows.

    Written by hand for speed, values converted by the columns' own bind processors:
    SQLAlchemy's multi-row insert spends more per row than the database does. PostgreSQL:
    COPY into a temporary table, then one ``INSERT … SELECT`` whatever the count. SQLite: a
    multi-row ``VALUES`` per ``ROWS_PER_STATEMENT`` rows.
    """
    if not rows:
        return set()
    te, dialect = t.tracking_events, conn.dialect
    names = list(rows[0])
    columns = []
    for name in names:
        values = [r[name] for r in rows]
        # The dialect's own processor: on SQLite, UTCDateTime's naive UTC and then the text
        # format SQLAlchemy stores (with microseconds), as every other writer does.
        process = te.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append([process(v) for v in values] if process is not None else values)
    listed = ", ".join(names)
    tail = " ON CONFLICT (shipment_id, dedupe_key) DO NOTHING RETURNING shipment_id, dedupe_key"
    if dialect.name == "postgresql":
        _copy_to_scratch(conn, listed, zip(*columns, strict=True))
        # Taken out of the scratch table as they go in: a second call in the same
        # transaction starts empty.
        found = conn.exec_driver_sql(
            f"WITH batch AS (DELETE FROM {_SCRATCH} RETURNING {listed}) "
            f"INSERT INTO {te.name} ({listed}) SELECT {listed} FROM batch{tail}"
        )
        return {(int(i), key) for i, key in found}
    head = f"INSERT INTO {te.name} ({listed}) "
    tuples = list(zip(*columns, strict=True))
    one = f"({', '.join('?' * len(names))})"
    added: set[tuple[int, str]] = set()
    for start in range(0, len(tuples), ROWS_PER_STATEMENT):
        chunk = tuples[start : start + ROWS_PER_STATEMENT]
        sql = f"{head}VALUES {', '.join([one] * len(chunk))}{tail}"
        flat = tuple(v for row in chunk for v in row)
        added.update((int(i), key) for i, key in conn.exec_driver_sql(sql, flat))
    return added


def _copy_to_scratch(conn: Connection, listed: str, tuples: Iterable[tuple[Any, ...]]) -> None:
    """COPY the rows into the session's scratch table: the columns of the events, no
    constraints, emptied at commit. Made when missing (its first batch on this connection, or
    after a rollback took its making back): one cheap statement per batch."""
    raw = conn.connection.driver_connection
    assert raw is not None
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {_SCRATCH} ON COMMIT DELETE ROWS AS "
        f"SELECT {listed} FROM {t.tracking_events.name} WITH NO DATA"
    )
    with raw.cursor() as cur, cur.copy(f"COPY {_SCRATCH} ({listed}) FROM STDIN") as copy:
        for row in tuples:
            copy.write_row(row)


def timelines(conn: Connection, shipment_ids: Collection[int]) -> dict[int, list[TrackingEvent]]:
    """Every stored event of these shipments, oldest first, in one query."""
    out: dict[int, list[TrackingEvent]] = {i: [] for i in shipment_ids}
    if not shipment_ids:
        return out
    te = t.tracking_events
    rows = conn.execute(
        select(te)
        .where(_among(conn, te.c.shipment_id, shipment_ids))
        .order_by(te.c.shipment_id, te.c.occurred_at, te.c.id)
    ).mappings()
    for r in rows:
        out[int(r["shipment_id"])].append(event_from_row(r))
    return out


def orders_of(conn: Connection, shipment_ids: Collection[int]) -> dict[int, list[int]]:
    """The orders each shipment carries (TRK-11), in order id order, in one query."""
    out: dict[int, list[int]] = {i: [] for i in shipment_ids}
    if not shipment_ids:
        return out
    so = t.shipment_orders
    rows = conn.execute(
        select(so.c.shipment_id, so.c.order_id)
        .where(_among(conn, so.c.shipment_id, shipment_ids))
        .order_by(so.c.order_id)
    )
    for r in rows:
        out[int(r.shipment_id)].append(int(r.order_id))
    return out


_SUMMARY = ("status", "sub_status", "buyer_status", "last_event_at", "delivered_at", "notified")


def update_summaries(conn: Connection, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """One executemany: each row is ``id`` and the summary columns (``_SUMMARY``)."""
    if not rows:
        return
    s = t.shipments
    stmt = (
        update(s)
        .where(s.c.id == bindparam("b_id"))
        .values(
            version=s.c.version + 1,
            updated_at=now,
            **{name: bindparam(f"b_{name}") for name in _SUMMARY},
        )
    )
    conn.execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])
