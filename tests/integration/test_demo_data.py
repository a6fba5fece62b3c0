"""`garant demo`'s data (``build_demo``): an order in every buyer-visible status (ORD-1) and on
every cancellation path (CAN), built through the services on both databases with the
sandbox clock, exactly as the demo builds it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from garant.app import Garant
from garant.clock import SandboxClock
from garant.domain.orders import Actor
from garant.domain.statuses import STATUSES
from garant.domain.transitions import Role
from garant.services.users import authenticate
from garant.services.views import order_view
from garant.settings import Settings
from garant.store.db import make_engine
from garant.store.migrate import upgrade
from garant.store.schema import metadata
from garant.tools.demo import DemoAccounts, build_demo

from .helpers import assert_ledger_balanced

# "Facture disponible" is an event on the timeline (ORD-2), never an order's current status.
# No status is left to tracking alone: every parcel status is recorded through
# record_shipment_progress, the action the tracking poller uses.
TIMELINE_ONLY = {"invoice_available"}

# scenario → (lifecycle state, status the buyer reads)
EXPECTED: dict[str, tuple[str, str]] = {
    "abandoned_no_details": ("abandoned", "abandoned"),
    "auto_cancelled_72h": ("cancelled", "cancelled"),
    "ship_by_missed": ("cancelled", "cancelled"),
    "abandoned_unpaid": ("abandoned", "abandoned"),
    "received": ("received", "received"),
    "amount_updated": ("received", "amount_updated"),
    "awaiting_details": ("awaiting_details", "awaiting_details"),
    "processing": ("payment_processing", "processing"),
    "purchased": ("paid", "purchased"),
    "prepared": ("prepared", "prepared"),
    "consolidated": ("consolidated", "consolidated"),
    "invoice_available": ("paid", "purchased"),
    "shipped": ("shipped", "shipped"),
    "shipment_carrier_accepted": ("shipped", "carrier_accepted"),
    "shipment_international_transit": ("shipped", "international_transit"),
    "shipment_arrived_destination_country": ("shipped", "arrived_destination_country"),
    "shipment_customs_clearance": ("shipped", "customs_clearance"),
    "shipment_customs_cleared": ("shipped", "customs_cleared"),
    "shipment_out_for_delivery": ("shipped", "out_for_delivery"),
    "shipment_delivery_failed": ("shipped", "delivery_failed"),
    "shipment_available_for_pickup": ("shipped", "available_for_pickup"),
    "delivered": ("delivered", "delivered"),
    "completed": ("completed", "delivered"),
    "cancelled_unpaid": ("cancelled", "cancelled"),
    "cancellation_pending": ("paid", "purchased"),
    "cancellation_approved": ("cancelled", "cancelled"),
    "refunded": ("cancelled", "refunded"),
    "cancellation_declined": ("shipped", "shipped"),
    "cancellation_withdrawn": ("paid", "purchased"),
    "extension_asked": ("paid", "purchased"),
    "extension_accepted": ("paid", "purchased"),
    "extension_declined": ("paid", "purchased"),
    "promo_code_first_use": ("paid", "purchased"),
    "security_promo_code_reused": ("cancelled", "cancelled"),
    "security_payment_unverified": ("cancelled", "cancelled"),
    "unfulfillable_out_of_stock": ("unfulfillable", "unfulfillable"),
    "unfulfillable_no_shipping": ("unfulfillable", "unfulfillable"),
    "shipment_cancelled": ("shipment_cancelled", "returned_to_sender"),
    "reshipment_chosen": ("paid", "purchased"),
    "reshipped": ("shipped", "shipped"),
    "returned_to_sender": ("returned_to_sender", "returned_to_sender"),
    "returned_refund_chosen": ("cancelled", "cancelled"),
    "coupon_returned": ("cancelled", "cancelled"),
    "coupon_seller_code_kept": ("cancelled", "cancelled"),
    "coupon_shared_still_active": ("paid", "purchased"),
    "coupon_shared_not_returned": ("cancelled", "cancelled"),
    # DSP: disputes at every stage; the order shows where its parcel and money are
    "dispute_escalated": ("delivered", "delivered"),
    "dispute_decided": ("delivered", "delivered"),
    "dispute_awaiting_seller": ("shipped", "shipped"),
    "dispute_negotiating": ("delivered", "delivered"),
    "dispute_resolved_partial": ("completed", "delivered"),
    "dispute_return_started": ("returning", "return_in_progress"),
}

Views = dict[str, dict[str, Any]]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Like conftest's ``db_url``, but once per module: building the demo takes seconds, and
    the tests below only read what it built."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        engine = make_engine(url)
        upgrade(engine)
    else:
        url = request.getfixturevalue("pg_url")
        engine = make_engine(url)
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def demo(
    demo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Garant, DemoAccounts, Views]]:
    db_url = demo_url
    engine = make_engine(db_url)
    evidence_dir = str(tmp_path_factory.mktemp("evidence"))
    settings = Settings(database_url=db_url, sandbox=True, evidence_dir=evidence_dir)
    app = Garant(settings=settings, engine=engine, clock=SandboxClock(engine))
    accounts = build_demo(app)
    operator = Actor(Role.OPERATOR, accounts.users["operator"].id)
    views = {key: order_view(app, oid, operator) for key, oid in accounts.orders.items()}
    yield app, accounts, views
    engine.dispose()


def test_ord1_every_status_of_the_vocabulary_is_shown(
    demo: tuple[Garant, DemoAccounts, Views],
) -> None:
    _, _, views = demo
    current = {v["status"]["code"] for v in views.values()}
    on_timelines = {
        e["status"]["code"] for v in views.values() for e in v["timeline"] if e["status"]
    }
    assert current == set(STATUSES) - TIMELINE_ONLY
    assert on_timelines >= TIMELINE_ONLY


def test_every_scenario_ends_in_its_state_and_status(
    demo: tuple[Garant, DemoAccounts, Views],
) -> None:
    _, _, views = demo
    # Parcels on the sandbox carrier are still travelling (checked below, TRK).
    fixed = {k: v for k, v in views.items() if not k.startswith("parcel_")}
    assert set(fixed) == set(EXPECTED)
    shown = {key: (v["state"], v["status"]["code"]) for key, v in fixed.items()}
    assert shown == EXPECTED
    assert {v["external_ref"] for v in fixed.values()} == {f"DEMO-{k}" for k in EXPECTED}


def test_trk1_demo_parcels_move_on_the_sandbox_carrier(
    demo: tuple[Garant, DemoAccounts, Views],
) -> None:
    _, _, views = demo
    parcels = {k: v for k, v in views.items() if k.startswith("parcel_")}
    assert len(parcels) == 5
    for view in parcels.values():
        shipment = view["tracking"]["shipment"]
        assert view["state"] == "shipped" and shipment["found"] is True
        assert len(shipment["events"]) >= 3  # part of the journey is behind it already
        assert view["status"]["code"] != "shipped"  # tracking moved the buyer's status


def test_can_every_cancellation_path_is_there(demo: tuple[Garant, DemoAccounts, Views]) -> None:
    _, _, v = demo

    def request(key: str) -> str | None:
        req = v[key]["cancellation_request"]
        return req["status"] if req else None

    def closed(key: str) -> tuple[str, str]:
        return v[key]["closed"]["reason"], v[key]["closed"]["fault"]

    def actions(key: str) -> list[str]:
        return [e["action"] for e in v[key]["timeline"]]

    # CAN-1: unpaid, cancelled at once, nothing to refund
    assert closed("cancelled_unpaid") == ("buyer_cancelled_unpaid", "none")
    assert v["cancelled_unpaid"]["refunds"] == []
    # CAN-2: the request waits for the seller, with its 72 h countdown
    assert request("cancellation_pending") == "open"
    countdown = {d["kind"]: d for d in v["cancellation_pending"]["deadlines"]}["seller_answer"]
    assert 71 * 3600 < countdown["seconds_left"] <= 72 * 3600
    # CAN-3 approved (refund pending, then settled), CAN-4 expired by the worker
    assert request("cancellation_approved") == "approved"
    assert len(v["cancellation_approved"]["refunds"]) == 1
    assert v["refunded"]["refunds"][0]["settled_at"] is not None
    assert request("auto_cancelled_72h") == "expired"
    assert "expire_cancellation_request" in actions("auto_cancelled_72h")
    # CAN-5 declined with tracking; a withdrawn request leaves the order running
    assert request("cancellation_declined") == "declined"
    assert v["cancellation_declined"]["tracking"]["number"]
    assert request("cancellation_withdrawn") == "withdrawn"
    # CAN-7 ship-by missed: the seller's fault (CAN-9)
    assert closed("ship_by_missed") == ("ship_by_missed", "seller")
    assert "miss_ship_by" in actions("ship_by_missed")
    # CAN-8 extension asked, accepted (ship-by moved), declined
    assert v["extension_asked"]["extension_request"] == {"days": 5}
    assert "accept_extension" in actions("extension_accepted")
    assert v["extension_accepted"]["ship_by"] > v["extension_declined"]["ship_by"]
    assert "decline_extension" in actions("extension_declined")
    # CAN-10 security, both reasons, with what to do next
    assert v["security_promo_code_reused"]["security"]["reason"] == "promo_code_reused"
    assert v["security_payment_unverified"]["security"]["reason"] == "payment_unverified"
    # ORD-5 unfulfillable (both reasons) and abandoned (unpaid, no details)
    assert closed("unfulfillable_out_of_stock") == ("out_of_stock", "seller")
    assert closed("unfulfillable_no_shipping") == ("no_shipping_to_address", "none")
    assert closed("abandoned_unpaid") == ("unpaid", "none")
    assert closed("abandoned_no_details") == ("no_buyer_details", "none")
    # CAN-13 / TRK-5: shipment cancelled, reshipment chosen and done, returned, refund chosen
    assert "choose_reshipment" in actions("reshipment_chosen")
    assert v["reshipped"]["tracking"]["previous_numbers"]
    assert (
        v["reshipped"]["tracking"]["number"] not in v["reshipped"]["tracking"]["previous_numbers"]
    )
    assert closed("returned_refund_chosen") == ("shipment_failed", "seller")
    # CAN-12: coupons given back or kept, with the reason
    coupon_notes = {
        key: [(e["action"], e["reason"]) for e in v[key]["timeline"] if "coupon" in e["action"]]
        for key in ("coupon_returned", "coupon_seller_code_kept", "coupon_shared_not_returned")
    }
    assert coupon_notes == {
        "coupon_returned": [("coupon_returned", "all_items_cancelled")],
        "coupon_seller_code_kept": [("coupon_not_returned", "seller_code_never_returned")],
        "coupon_shared_not_returned": [("coupon_not_returned", "other_items_not_cancelled")],
    }


def test_accounts_have_working_tokens_and_every_ledger_balances(
    demo: tuple[Garant, DemoAccounts, Views],
) -> None:
    app, accounts, views = demo
    assert {u.role for u in accounts.users.values()} == {"buyer", "seller", "agent", "operator"}
    camille = accounts.users["camille"]
    assert (camille.name, camille.email) == ("Camille Martin", "camille@demo.garant")
    for user in accounts.users.values():
        found = authenticate(app, user.token)
        assert found is not None and found.id == user.id
    for order_id in accounts.orders.values():
        assert_ledger_balanced(app, order_id)
    # nothing is overdue: what had to fire has fired, the rest counts down
    assert all(d["seconds_left"] > 0 for view in views.values() for d in view["deadlines"])


def test_dsp_demo_has_a_dispute_at_every_stage(demo: tuple[Garant, DemoAccounts, Views]) -> None:
    from garant.services import disputes

    app, accounts, _ = demo
    agent = Actor(Role.AGENT, accounts.users["agent"].id)
    states = {
        key: disputes.dispute_view(app, actor=agent, order_id=oid)["state"]
        for key, oid in accounts.orders.items()
        if key.startswith("dispute_")
    }
    assert states == {
        "dispute_escalated": "escalated",
        "dispute_decided": "decided",
        "dispute_awaiting_seller": "awaiting_seller",
        "dispute_negotiating": "negotiating",
        "dispute_resolved_partial": "resolved",
        "dispute_return_started": "resolved",
    }
    queue, _ = disputes.list_disputes(app, actor=agent)
    assert [d["order_id"] for d in queue] == [accounts.orders["dispute_escalated"]]
    assert queue[0]["open_evidence_requests"] == 1
