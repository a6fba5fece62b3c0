"""DSP-7 / SEL-1: a seller who accepts early gets the case closed faster, and its figures
show it beside the cases it left to silence or to the platform."""

from __future__ import annotations

from datetime import timedelta

from garant.app import Garant
from garant.clock import FixedClock
from garant.services import disputes
from garant.services.deadlines import sweep
from garant.services.sellers import seller_metrics

from .helpers import Parties, act, create_paid_order, make_parties


def _shipped_and_disputed(app: Garant, p: Parties, clock: FixedClock, number: str) -> int:
    order_id = create_paid_order(app, p, total="30.00")
    act(app, order_id, p.seller, "ship", tracking_number=number, carrier=None)
    clock.advance(timedelta(days=20))
    disputes.open_dispute(
        app,
        actor=p.buyer,
        order_id=order_id,
        reason="not_received",
        description="Toujours rien après 20 jours",
        resolution={"kind": "full_refund"},
    )
    return order_id


def test_dsp7_early_acceptance_shows_in_seller_metrics(app: Garant, clock: FixedClock) -> None:
    p = make_parties(app)
    quick = _shipped_and_disputed(app, p, clock, "RR123456785CN")
    clock.advance(timedelta(hours=6))
    disputes.act(app, actor=p.seller, order_id=quick, action="accept_request", params={})

    _shipped_and_disputed(app, p, clock, "RR987654325CN")
    clock.advance(timedelta(days=5, minutes=1))  # the seller stays silent (DSP-4)
    sweep(app, "w1")

    figures = seller_metrics(app, actor=p.agent, seller_id=p.seller.user_id or 0)
    assert figures["shipped"] == 2
    assert figures["disputes"] == 2
    assert figures["dispute_rate"] == 1.0
    assert figures["disputes_open"] == 0
    assert figures["disputes_settled_by_agreement"] == 1
    assert figures["dispute_acceptance_rate"] == 0.5
    assert figures["median_dispute_answer_hours"] == 6.0  # the silent case has no answer
    assert figures["median_hours_to_close_when_accepted"] == 6.0
    assert figures["median_hours_to_close_otherwise"] == 120.0


def test_sel1_no_dispute_no_figures(app: Garant) -> None:
    p = make_parties(app)
    figures = seller_metrics(app, actor=p.agent, seller_id=p.seller.user_id or 0)
    assert (figures["disputes"], figures["dispute_rate"], figures["dispute_acceptance_rate"]) == (
        0,
        None,
        None,
    )
