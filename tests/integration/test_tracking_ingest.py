"""Tracking wired into orders, on both databases (TRK-1, 3, 4, 9, 11; ORD-1; CAN-13)."""

from __future__ import annotations

import hashlib
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from garant.app import Garant
from garant.carriers import get_adapter
from garant.clock import FixedClock
from garant.services.tracking import ingest, public_view
from garant.services.views import order_view
from garant.store import schema as t

from .helpers import Parties, act, create_paid_order, make_parties

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
JOURNEY = FIXTURES / "17track" / "tracking_updated_delivered.json"  # LX123123127CN → La Poste
NUMBER, LOCAL = "LX123123127CN", "6A24599900011"


def _events() -> list[Any]:
    return get_adapter("17track").parse(JOURNEY.read_bytes())


def _count(app: Garant, table: Any, *where: Any) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


@pytest.fixture
def p(app: Garant, clock: FixedClock) -> Parties:
    clock.current = datetime(2024, 3, 25, 2, 0, tzinfo=UTC)
    return make_parties(app)


def _shipped(app: Garant, p: Parties, number: str = NUMBER) -> int:
    order_id = create_paid_order(app, p)
    act(app, order_id, p.seller, "ship", tracking_number=number)
    return order_id


def test_trk1_ingest_moves_the_order_through_its_statuses_to_delivered(
    app: Garant, clock: FixedClock, p: Parties
) -> None:
    order_id = _shipped(app, p)
    clock.current = datetime(2024, 4, 3, 12, 0, tzinfo=UTC)
    report = ingest(app, _events(), source="webhook")
    assert (report.added, report.duplicates, report.orders_moved) == (9, 0, 1)
    view = order_view(app, order_id, p.buyer)
    assert view["state"] == "delivered"
    assert view["status"] == {"code": "delivered", "fr": "Arrivée à destination",
                              "en": "Delivered"}
    # PRT-4 counts from the carrier's delivery instant, not from when we heard of it.
    assert view["tracking"]["delivered_at"] == "2024-04-03T10:02:00+00:00"
    shipment = view["tracking"]["shipment"]
    assert shipment["events"][0]["occurred_at"] == "2024-04-03T12:02:00+02:00"
    assert shipment["events"][-1]["occurred_at"] == "2024-03-25T14:02:00+08:00"
    assert "boîte" in shipment["diagnoses"]["delivered"]["where"]["fr"]


def test_trk1_the_same_events_from_poll_and_webhook_are_stored_once(
    app: Garant, p: Parties
) -> None:
    _shipped(app, p)
    ingest(app, _events()[:4], source="poll")
    again = ingest(app, _events(), source="webhook")
    assert (again.added, again.duplicates) == (5, 4)
    assert _count(app, t.tracking_events) == 9


def test_trk3_the_local_number_leads_to_the_same_timeline(app: Garant, p: Parties) -> None:
    _shipped(app, p)
    ingest(app, _events(), source="webhook")
    by_origin, by_local = public_view(app, NUMBER), public_view(app, LOCAL)
    assert by_local == by_origin
    assert {n["number"] for n in by_local["numbers"]} == {NUMBER, LOCAL}


def test_trk11_two_orders_in_one_parcel_both_move(app: Garant, p: Parties) -> None:
    first, second = _shipped(app, p), _shipped(app, p)
    report = ingest(app, _events(), source="webhook")
    assert report.orders_moved == 2 and report.shipments == 1
    for order_id in (first, second):
        assert order_view(app, order_id, p.buyer)["state"] == "delivered"


def test_trk9_buyer_notified_once_per_milestone(app: Garant, p: Parties) -> None:
    order_id = _shipped(app, p)
    events = _events()
    ingest(app, events[:3], source="poll")  # up to the arrival in France
    ingest(app, events[:3], source="webhook")
    ingest(app, events, source="webhook")
    with app.engine.connect() as conn:
        topics = conn.execute(
            select(t.outbox.c.topic).where(t.outbox.c.order_id == order_id,
                                           t.outbox.c.topic.like("notify.%"))
            .order_by(t.outbox.c.id)).scalars().all()
    assert topics == ["notify.shipped", "notify.arrived_destination_country",
                      "notify.delivered"]


def test_trk1_public_view_reveals_no_buyer_data(app: Garant, p: Parties) -> None:
    _shipped(app, p)
    ingest(app, _events(), source="webhook")
    text = json.dumps(public_view(app, NUMBER))
    with app.engine.connect() as conn:
        people = conn.execute(select(t.users.c.name, t.users.c.email)).all()
    for secret in ("buyer_id", "seller_id", "order_id", "total", "25.00", "external_ref",
                   "@", *(name for name, _ in people)):
        assert secret not in text, secret


def test_trk4_unknown_number_gets_the_not_found_diagnosis(app: Garant, p: Parties) -> None:
    view = public_view(app, "rr123456786cn")
    assert view["found"] is False and view["events"] == []
    diagnosis = view["diagnoses"]["not_found"]
    assert diagnosis["likely_cause"] == "typo"
    assert any("5, pas 6" in s["fr"] for s in diagnosis["explanation"])


# ----------------------------------------------------------------------------- over HTTP


def _http(app: Garant) -> TestClient:
    return TestClient(create_app(app), raise_server_exceptions=False)


def test_trk1_public_tracking_endpoint_needs_no_token_and_is_rate_limited(
    app: Garant, p: Parties
) -> None:
    _shipped(app, p)
    ingest(app, _events(), source="webhook")
    app.settings.public_tracking_per_minute = 3
    with _http(app) as http:
        answers = [http.get(f"/api/v1/tracking/{NUMBER}") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].json()["buyer_status"]["fr"] == "Arrivée à destination"
    assert answers[3].json()["code"] == "rate_limited"


def test_trk4_unknown_number_over_http_is_never_a_500(app: Garant) -> None:
    with _http(app) as http:
        for number in ("XX", "0" * 64, "%00", "LP00123456789012"):
            r = http.get(f"/api/v1/tracking/{number}")
            assert r.status_code == 200, (number, r.text)
            assert r.json()["found"] is False


def _sign17(body: bytes, key: str) -> str:
    return hashlib.sha256(body + b"/" + key.encode()).hexdigest()


def test_trk2_17track_webhook_bad_signature_is_401_and_stores_nothing(
    app: Garant, p: Parties
) -> None:
    app.settings.track17_api_key = "k-17"
    body = JOURNEY.read_bytes()
    with _http(app) as http:
        r = http.post("/api/v1/tracking/webhooks/17track", content=body,
                      headers={"sign": _sign17(body, "wrong")})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert _count(app, t.tracking_events) == 0 and _count(app, t.shipments) == 0


def test_trk2_17track_webhook_signed_is_ingested(app: Garant, p: Parties) -> None:
    order_id = _shipped(app, p)
    app.settings.track17_api_key = "k-17"
    body = JOURNEY.read_bytes()
    with _http(app) as http:
        r = http.post("/api/v1/tracking/webhooks/17track", content=body,
                      headers={"sign": _sign17(body, "k-17")})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 9
    assert order_view(app, order_id, p.buyer)["state"] == "delivered"


@pytest.mark.parametrize("payload", [
    b"{not json", b"[]", b'{"event": "TRACKING_UPDATED", "data": 5}',
    b'{"a":' * 200 + b"1" + b"}" * 200,
])
def test_trk2_hostile_payload_is_recorded_and_nothing_half_stored(
    app: Garant, p: Parties, payload: bytes
) -> None:
    app.settings.track17_api_key = "k-17"
    with _http(app) as http:
        r = http.post("/api/v1/tracking/webhooks/17track", content=payload,
                      headers={"sign": _sign17(payload, "k-17")})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "unreadable_tracking_payload"
    assert _count(app, t.tracking_errors) == 1
    assert _count(app, t.tracking_events) == 0 and _count(app, t.shipments) == 0
