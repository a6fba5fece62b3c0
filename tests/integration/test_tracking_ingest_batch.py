"""Batched ingest (issue 9): a batch of parcels costs a fixed number of statements, whatever
the number of parcels and events, plus the per-order work of the orders it moves; every event
is stored once however often it arrives. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.tracking import SubStatus, TrackingEvent, TrackingStatus
from garant.services import tracking, tracking_orders
from garant.services.tracking import IngestReport, ingest
from garant.store import schema as t
from garant.store import tracking as store_tracking

from .helpers import Parties, make_parties
from .notify_world import arrived_in_france, departed, scan, shipped_order
from .statement_count import count_statements

START = datetime(2024, 3, 25, 2, 0, tzinfo=UTC)
# Statements that write a batch's events (below ``ROWS_PER_STATEMENT`` events on SQLite).
_EVENTS_STATEMENTS = {"sqlite": 1, "postgresql": 2}
# The outbox rows: one INSERT on SQLite; a COPY on PostgreSQL, which the counter does not see.
_OUTBOX_STATEMENTS = {"sqlite": 1, "postgresql": 0}


def _dialect(app: Garant) -> str:
    return app.engine.dialect.name


@pytest.fixture
def p(app: Garant, clock: FixedClock) -> Parties:
    clock.current = START
    return make_parties(app)


def _journey(number: str, steps: int) -> list[TrackingEvent]:
    """``steps`` scans of one parcel ending with its arrival in France (a TRK-9 milestone)."""
    at = START + timedelta(hours=1)
    events = [scan(number, at, TrackingStatus.IN_TRANSIT, SubStatus.ACCEPTED, "CN", "Shenzhen")]
    for i in range(steps - 2):
        events.append(departed(number, at + timedelta(hours=2 + i)))
    return [*events, arrived_in_france(number, at + timedelta(days=3))]


def _parcels(app: Garant, p: Parties, orders: int, unknown: int) -> list[str]:
    """Numbers of ``orders`` shipped orders, then of ``unknown`` parcels nobody shipped."""
    numbers = [shipped_order(app, p)[1] for _ in range(orders)]
    return [*numbers, *(f"LZ{i:09d}CN" for i in range(orders, orders + unknown))]


@contextmanager
def _split_at_order_moves(seen: list[str]) -> Iterator[list[int]]:
    """Statements issued inside ``move_orders`` (the per-order load and save) are counted apart:
    their count is asserted on its own."""
    inside: list[int] = []
    real = tracking.move_orders

    def counted(*args: Any, **kwargs: Any) -> Any:
        before = len(seen)
        try:
            return real(*args, **kwargs)
        finally:
            inside.append(len(seen) - before)
            del seen[before:]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tracking, "move_orders", counted)
        yield inside


def _ingest_counted(app: Garant, events: list[TrackingEvent]) -> tuple[IngestReport, int, int]:
    """(report, statements outside the order moves, statements of the order moves)."""
    with count_statements(app.engine) as seen, _split_at_order_moves(seen) as inside:
        report = ingest(app, events, source="poll")
    return report, len(seen), sum(inside)


def _events_stored(app: Garant) -> tuple[int, int]:
    te = t.tracking_events
    with app.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(te)).scalar_one()
        keys = select(te.c.shipment_id, te.c.dedupe_key).distinct().subquery()
        distinct = conn.execute(select(func.count()).select_from(keys)).scalar_one()
    return int(total), int(distinct)


def test_ingest_statements_constant_for_5_and_50_parcels(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    small = [_journey(n, 3) for n in _parcels(app, p, 5, 2)]
    large = [_journey(n, 6) for n in _parcels(app, p, 50, 2)]
    clock.current = START + timedelta(days=4)
    # The first scan of the parcels with an order is known already: the counted ingest adds
    # to stored timelines, and creates the parcels nobody shipped.
    ingest(app, [j[0] for j in small[:5] + large[:50]], source="poll")

    small_report, small_count, small_moves = _ingest_counted(app, [e for j in small for e in j])
    large_report, large_count, large_moves = _ingest_counted(app, [e for j in large for e in j])

    assert (small_report.events, small_report.added, small_report.orders_moved) == (21, 16, 5)
    assert (large_report.events, large_report.added, large_report.orders_moved) == (312, 262, 50)
    assert (small_report.new_shipments, large_report.new_shipments) == (2, 2)
    assert (small_report.notifications, large_report.notifications) == (5, 50)
    # Lookup and lock, create the unknown parcels and their numbers, the events, the stored
    # timelines of the parcels with news, their orders, the outbox, the summaries: the same
    # statements for 7 parcels and 21 events as for 52 and 312. (PostgreSQL: the events are
    # one INSERT … SELECT from a scratch table, made if missing, which COPY fills: COPY is
    # not a statement the counter sees.)
    expected = _EVENTS_STATEMENTS[_dialect(app)] + _OUTBOX_STATEMENTS[_dialect(app)] + 6
    assert small_count == large_count == expected
    # The orders moved go through the unit of work as one batch: loaded together, saved
    # together, whatever their number.
    assert 0 < small_moves == large_moves


def test_ingest_of_the_same_batch_twice_stores_every_event_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    events = [e for n in _parcels(app, p, 3, 2) for e in _journey(n, 4)]
    clock.current = START + timedelta(days=4)
    first = ingest(app, events, source="poll")

    again, statements, moves = _ingest_counted(app, events)

    assert (first.added, first.duplicates, first.orders_moved) == (20, 0, 3)
    assert (again.added, again.duplicates, again.orders_moved, again.notifications) == (
        0, 20, 0, 0,
    )  # fmt: skip
    assert _events_stored(app) == (20, 20)
    # Nothing new: the lookup of the parcels and the insert that skips every event, no more.
    assert (statements, moves) == (1 + _EVENTS_STATEMENTS[_dialect(app)], 0)


def test_ingest_of_a_batch_with_copies_inside_stores_each_event_once(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    numbers = _parcels(app, p, 2, 1)
    events = [e for n in numbers for e in _journey(n, 3)]
    clock.current = START + timedelta(days=4)

    report = ingest(app, [*events, *reversed(events)], source="webhook")

    assert (report.events, report.added, report.duplicates, report.shipments) == (18, 9, 9, 3)
    assert _events_stored(app) == (9, 9)


def test_ingest_stores_instants_as_every_other_writer_does(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    """The batch writes its rows by hand: its stored instants must be the very values
    SQLAlchemy writes (on SQLite, text with microseconds: the text is what SQL compares)."""
    number = _parcels(app, p, 0, 1)[0]
    event = _journey(number, 3)[0]
    clock.current = START + timedelta(days=4)
    ingest(app, [event], source="poll")
    te = t.tracking_events
    with app.engine.begin() as conn:
        shipment_id = conn.execute(select(te.c.shipment_id)).scalar_one()
        by_sqlalchemy = store_tracking.event_row(shipment_id, event, "poll", clock.current)
        conn.execute(insert(te).values({**by_sqlalchemy, "dedupe_key": "other"}))
        raw = conn.exec_driver_sql(
            "SELECT dedupe_key, occurred_at, received_at FROM tracking_events ORDER BY id"
        ).all()

    assert len(raw) == 2 and raw[0][0] != "other" and raw[1][0] == "other"
    assert raw[0][1:] == raw[1][1:]
    if _dialect(app) == "sqlite":
        assert raw[0][1] == "2024-03-25 03:00:00.000000"


def test_trk5_one_parcel_whose_order_cannot_move_does_not_hold_back_its_batch(
    app: Garant, clock: FixedClock, p: Parties, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch fails as a whole, then its parcels are ingested one by one: the others are
    stored and their orders moved; the failing parcel stores nothing, and its error is
    raised once the others are done."""
    numbers = _parcels(app, p, 3, 0)
    bad = numbers[1]
    events = [e for n in numbers for e in _journey(n, 3)]
    clock.current = START + timedelta(days=4)
    real = tracking_orders.apply_tracking

    def apply(order, summary, now):  # type: ignore[no-untyped-def]
        if order.tracking_number == bad:
            raise RuntimeError("order store down")
        return real(order, summary, now)

    monkeypatch.setattr(tracking_orders, "apply_tracking", apply)
    with pytest.raises(RuntimeError, match="order store down"):
        ingest(app, events, source="poll")

    te, s = t.tracking_events, t.shipments
    with app.engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(s.c.tracking_number, func.count(te.c.id))
                .join(te, te.c.shipment_id == s.c.id)
                .group_by(s.c.tracking_number)
            ).all()
        )
        states = dict(
            conn.execute(select(t.orders.c.tracking_number, t.orders.c.shipment_status)).all()
        )
    assert stored == {numbers[0]: 3, numbers[2]: 3}
    assert states[numbers[0]] == states[numbers[2]] == "arrived_destination_country"
    assert states[bad] == "shipped"
