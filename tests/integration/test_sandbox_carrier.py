"""The sandbox carrier drives real orders through ``services.tracking`` as the sandbox clock
moves, on both databases (TRK-1, 3, 5, 9; CAN-13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from garant.app import Garant
from garant.carriers.sandbox import Scenario, read_number, sandbox_number
from garant.clock import FixedClock
from garant.services.sandbox import SandboxOff
from garant.services.sandbox_carrier import SandboxCarrier, advance
from garant.services.tracking import public_view
from garant.services.views import order_view
from garant.store import schema as t

from .helpers import Parties, act, create_paid_order, make_parties, order_row, outbox_topics

SC = Scenario


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def _ship(app: Garant, p: Parties, number: str, method: str = "aliexpress_standard") -> int:
    order_id = create_paid_order(app, p, shipping_method=method)
    act(app, order_id, p.seller, "ship", tracking_number=number, carrier="sandbox")
    return order_id


def _events(app: Garant) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.tracking_events)).scalar_one())


def _run_days(
    app: Garant, clock: FixedClock, days: int, *, order_id: int | None = None, buyer: Parties
) -> list[str]:
    """Advance the clock a day at a time, the sandbox carrier after each step; the buyer-visible
    codes the order went through."""
    seen: list[str] = []
    for _ in range(days):
        clock.advance(timedelta(days=1))
        advance(app)
        if order_id is not None:
            code = order_view(app, order_id, buyer.buyer)["status"]["code"]
            if not seen or seen[-1] != code:
                seen.append(code)
    return seen


def test_trk1_sandbox_parcel_reaches_delivered_as_the_clock_advances(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    number = sandbox_number(SC.LETTER_BOX, serial=1)
    order_id = _ship(app, p, number, method="aliexpress_choice")
    carrier = SandboxCarrier()
    [parcel] = carrier.parcels(app)
    assert (parcel.number, parcel.method, parcel.scenario) == (number, "aliexpress_choice",
                                                               SC.LETTER_BOX)  # fmt: skip
    journey = parcel.journey()
    # Nothing is released before its time.
    clock.current = journey[0].occurred_at - timedelta(minutes=1)
    assert carrier.advance(app).added == 0 and _events(app) == 0
    clock.current = journey[2].occurred_at
    assert carrier.advance(app).added == 3
    seen: list[str] = []
    for event in journey[3:]:  # the clock reaches each event in turn
        clock.current = event.occurred_at + timedelta(seconds=30)
        assert carrier.advance(app).added == 1
        code = order_view(app, order_id, p.buyer)["status"]["code"]
        if not seen or seen[-1] != code:
            seen.append(code)
    assert seen == [
        "international_transit",
        "arrived_destination_country",
        "customs_clearance",
        "customs_cleared",
        "out_for_delivery",
        "delivered",
    ]
    assert order_row(app, order_id)["state"] == "delivered"
    assert _events(app) == len(journey)
    # PRT-4 counts from the carrier's delivery instant, not from when the sandbox released it.
    assert order_row(app, order_id)["delivered_at"] == journey[-1].occurred_at
    assert carrier.advance(app).added == 0  # run again: nothing twice
    topics = outbox_topics(app, order_id)
    for kind in ("shipped", "arrived_destination_country", "out_for_delivery", "delivered"):
        assert topics.count(f"notify.{kind}") == 1, (kind, topics)


def test_trk5_unclaimed_parcel_returns_to_sender_with_its_reason(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _ship(app, p, sandbox_number(SC.UNCLAIMED, method="ems", serial=2))
    seen = _run_days(app, clock, 60, order_id=order_id, buyer=p)
    assert seen[-3:] == ["delivery_failed", "available_for_pickup", "returned_to_sender"]
    row = order_row(app, order_id)
    assert row["state"] == "returned_to_sender" and row["delivered_at"] is None
    view = order_view(app, order_id, p.buyer)
    returned = view["tracking"]["shipment"]["diagnoses"]["returned"]
    assert returned["reason"] == "unclaimed_at_pickup_point"


def test_trk5_wrong_address_parcel_returns_with_address_incorrect(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _ship(app, p, sandbox_number(SC.ADDRESS_INCORRECT, method="dhl", serial=3))
    _run_days(app, clock, 20, buyer=p)
    assert order_row(app, order_id)["state"] == "returned_to_sender"
    view = order_view(app, order_id, p.buyer)
    assert view["tracking"]["shipment"]["diagnoses"]["returned"]["reason"] == "address_incorrect"


def test_can13_never_collected_parcel_becomes_an_envoi_annule(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _ship(app, p, sandbox_number(SC.NEVER_COLLECTED, serial=4))
    seen = _run_days(app, clock, 12, order_id=order_id, buyer=p)
    assert order_row(app, order_id)["state"] == "shipment_cancelled"
    assert seen[-1] != "delivered"
    view = order_view(app, order_id, p.buyer)
    assert {"choose_reshipment", "choose_refund"} <= set(view["allowed_actions"])


def test_trk3_handover_local_number_leads_to_the_same_timeline(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    number = sandbox_number(SC.HANDOVER, method="aliexpress_standard", serial=5)
    order_id = _ship(app, p, number)
    _run_days(app, clock, 50, buyer=p)
    assert order_row(app, order_id)["state"] == "delivered"
    by_origin = public_view(app, number)
    [local] = [n["number"] for n in by_origin["numbers"] if n["number"] != number]
    assert local.startswith("6A") and public_view(app, local) == by_origin
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.shipments)).scalar_one() == 1


def test_trk2_assigned_parcel_without_order_and_demo_orders(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    carrier = SandboxCarrier()
    month_ago = clock.now() - timedelta(days=30)
    parcel = carrier.assign(app, scenario=SC.LOCKER, method="ups", shipped_at=month_ago)
    known = read_number(parcel.number)
    assert known is not None and (known.scenario, known.method, known.serial) == (
        SC.LOCKER, "ups", 1)  # fmt: skip
    again = carrier.assign(app, scenario=SC.LOCKER, method="ups", shipped_at=clock.now(),
                           serial=1)  # fmt: skip
    assert (again.number, again.shipped_at) == (parcel.number, month_ago)
    second = carrier.assign(app, scenario=SC.LOCKER, method="ups", shipped_at=clock.now())
    assert read_number(second.number) is not None and second.number != parcel.number
    # A demo order shipped under an ordinary number is driven too, unless told not to.
    demo = create_paid_order(app, p, shipping_method="eu_warehouse", external_ref="DEMO-x")
    act(app, demo, p.seller, "ship", tracking_number="LX100079193CN")
    clock.advance(timedelta(days=1))
    alone = {x.number for x in SandboxCarrier(demo_orders=False).parcels(app)}
    assert alone == {parcel.number, second.number}
    assert {x.number for x in carrier.parcels(app)} == alone | {"LX100079193CN"}
    carrier.advance(app)
    public = public_view(app, parcel.number)
    assert public["buyer_status"]["code"] == "delivered" and public["carrier"] == "sandbox"
    assert len(public["events"]) == len(parcel.journey())
    assert public_view(app, "LX100079193CN")["found"] is True
    assert order_row(app, demo)["state"] == "shipped"
    app.settings.sandbox = False
    with pytest.raises(SandboxOff):
        carrier.advance(app)


def test_trk2_advance_is_safe_to_repeat_at_the_same_instant(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _ship(app, p, sandbox_number(SC.CUSTOMS_HOLD, method="fedex", serial=6))
    clock.advance(timedelta(days=3))
    first = advance(app)
    second = advance(app)
    assert first.added > 0 and (second.events, second.added) == (0, 0)
    assert order_row(app, order_id)["state"] == "shipped"
