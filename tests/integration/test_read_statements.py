"""Reads cost a fixed number of statements (issue 9, items 4 and 6), on both databases:
the full order view at most four, a batch of orders loaded whole the same for 1 as for 40,
and each list page the same for 5 orders as for 50."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from garant.app import Garant
from garant.clock import FixedClock
from garant.domain.tracking import Location, SubStatus, TrackingEvent, TrackingStatus
from garant.services import disputes as dispute_service
from garant.services.tracking import ingest
from garant.services.views import order_view
from garant.store import orders as order_store

from .helpers import Parties, act, create_paid_order, make_parties, s10_number
from .statement_count import count_statements

DAY = timedelta(days=1)


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def _scan(number: str, at: datetime, sub: SubStatus, city: str) -> TrackingEvent:
    return TrackingEvent(
        carrier="china_post", tracking_number=number, occurred_at=at,
        status=TrackingStatus.IN_TRANSIT, sub_status=sub, raw_code=None,
        raw_text=f"{city}: {sub.value}", location=Location(country="CN", city=city),
    )  # fmt: skip


def _disputed_order(app: Garant, clock: FixedClock, p: Parties, serial: str) -> int:
    """Everything a view shows: a parcel with events, a delivery, a dispute with an offer,
    a refund, a long timeline."""
    order_id = create_paid_order(app, p)
    clock.advance(DAY)
    number = s10_number(serial)
    act(app, order_id, p.seller, "ship", tracking_number=number)
    at = clock.now()
    ingest(app, [
        _scan(number, at, SubStatus.ACCEPTED, "Shenzhen"),
        _scan(number, at + timedelta(hours=30), SubStatus.DEPARTED_ORIGIN_COUNTRY, "Guangzhou"),
    ], source="sandbox")  # fmt: skip
    clock.advance(5 * DAY)
    act(app, order_id, p.agent, "record_delivery", where="Lyon")
    dispute_service.open_dispute(
        app, actor=p.buyer, order_id=order_id, reason="damaged",
        description="Le carton est écrasé", resolution={"kind": "full_refund"},
    )  # fmt: skip
    clock.advance(DAY)
    dispute_service.act(
        app, actor=p.seller, order_id=order_id, action="make_offer",
        params={"resolution": {"kind": "partial_refund", "amount": "10.00"}, "message": "Geste"},
    )  # fmt: skip
    return order_id


def test_reads_order_view_in_at_most_four_statements(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _disputed_order(app, clock, p, "10000001")
    with count_statements(app.engine) as seen:
        view = order_view(app, order_id, p.buyer)
    assert len(seen) <= 4, seen
    assert view["tracking"]["shipment"]["found"] is True
    assert len(view["tracking"]["shipment"]["events"]) == 2
    assert view["protection"]["dispute"]["state"] == "negotiating"
    assert [e["action"] for e in view["timeline"]][-2:] == ["open_dispute", "make_offer"]

    plain = create_paid_order(app, p)  # no parcel, no dispute: fewer still
    with count_statements(app.engine) as seen:
        order_view(app, plain, p.buyer)
    assert len(seen) == 2, seen


def test_reads_load_many_statements_do_not_grow_with_the_batch(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    disputed = [_disputed_order(app, clock, p, f"2000{n:04d}") for n in range(3)]
    plain = [create_paid_order(app, p) for _ in range(37)]
    counts = {}
    for size in (1, 40):
        ids = (disputed + plain)[:size]
        with app.engine.begin() as conn, count_statements(app.engine) as seen:
            found = order_store.load_many(conn, ids, lock=True)
        assert sorted(found) == sorted(ids)
        counts[size] = len(seen)
    locking = 1 if app.engine.dialect.name == "postgresql" else 0
    # The locks, the orders with their parts, the disputes' offers and requests.
    assert counts == {1: 2 + locking, 40: 2 + locking}
    whole = order_store.load_many(app.engine.connect(), disputed)
    assert [len(whole[i].dispute.offers) for i in disputed] == [1, 1, 1]  # type: ignore[union-attr]


def test_reads_load_many_matches_load_of_each(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    ids = [_disputed_order(app, clock, p, "30000001"), create_paid_order(app, p)]
    with app.engine.connect() as conn:
        many = order_store.load_many(conn, [*ids, 999_999])
        for order_id in ids:
            one = order_store.load(conn, order_id)
            assert many[order_id].__dict__ == one.__dict__
    assert sorted(many) == sorted(ids)  # an id that does not exist is left out
    with pytest.raises(order_store.OrderNotFound), app.engine.connect() as conn:
        order_store.load(conn, 999_999)


_ = UTC
