"""Polling the carriers (TRK-2), on both databases, against a local stand-in for their APIs.

The HTTP clients are the real ones; only their base URLs point at ``carrier_server``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from garant.app import Garant
from garant.carriers.clients import CarrierClients
from garant.clock import FixedClock
from garant.services.polling import PollStats, poll_due
from garant.services.tracking import FIRST_POLL_AFTER
from garant.services.views import order_view
from garant.store import schema as t
from garant.store import tracking as store

from .carrier_server import CarrierServer, Reply, carrier_server, carrier_settings, fixture
from .helpers import Parties, act, create_paid_order, make_parties, s10_number

LAPOSTE_NUMBER = "LB394817261CN"
LAPOSTE_PATH = f"/suivi/v2/idships/{LAPOSTE_NUMBER}"


@dataclass
class World:
    app: Garant
    clock: FixedClock
    p: Parties
    server: CarrierServer
    clients: CarrierClients

    def poll(self, worker: str = "poller-1", **kw: Any) -> PollStats:
        return poll_due(self.app, worker, fetch=self.clients.fetch, **kw)

    def ship(self, number: str, carrier: str) -> int:
        order_id = create_paid_order(self.app, self.p)
        act(self.app, order_id, self.p.seller, "ship", tracking_number=number, carrier=carrier)
        return order_id

    def shipment(self, number: str) -> dict[str, Any]:
        with self.app.engine.connect() as conn:
            shipment_id = store.shipment_id_for(conn, number)
            assert shipment_id is not None
            return store.shipment_row(conn, shipment_id)

    def count(self, table: Any) -> int:
        with self.app.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def state(self, order_id: int) -> tuple[str, str]:
        view = order_view(self.app, order_id, self.p.buyer)
        return view["state"], view["status"]["code"]


@pytest.fixture
def w(app: Garant, clock: FixedClock) -> Iterator[World]:
    clock.current = datetime(2024, 3, 18, 8, 0, tzinfo=UTC)
    with carrier_server() as server, CarrierClients(carrier_settings(server.url)) as clients:
        yield World(app, clock, make_parties(app), server, clients)


def _laposte(drop_newest: int) -> bytes:
    """The La Poste fixture as it read earlier in the journey (events are newest first)."""
    data = json.loads(fixture("laposte/china_to_france_pickup.json"))
    data["shipment"]["event"] = data["shipment"]["event"][drop_newest:]
    return json.dumps(data).encode()


def _assert_released(row: dict[str, Any]) -> None:
    assert row["poll_claimed_by"] is None and row["poll_lease_until"] is None


# ----------------------------------------------------------------------------- the happy path


def test_trk2_poll_asks_la_poste_with_its_key_ingests_and_schedules_by_stage(w: World) -> None:
    order_id = w.ship(LAPOSTE_NUMBER, "laposte")
    assert w.poll().claimed == 0  # the first poll waits FIRST_POLL_AFTER
    w.server.route("GET", LAPOSTE_PATH, Reply(200, _laposte(5)), Reply(200, _laposte(1)),
                   Reply(200, fixture("laposte/china_to_france_pickup.json")))

    # In transit (last scan: ET1 on 29 March): ask again in 6 h.
    w.clock.current = datetime(2024, 3, 30, 9, 0, tzinfo=UTC)
    stats = w.poll()
    assert (stats.claimed, stats.polled, stats.events, stats.failed) == (1, 1, 8, 0)
    (seen,) = w.server.requests_to(LAPOSTE_PATH)
    assert seen.method == "GET" and seen.headers["x-okapi-key"] == "okapi-test-key"
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["status"] == "in_transit"
    assert row["next_poll_at"] == w.clock.current + timedelta(hours=6)
    assert row["poll_failures"] == 0
    _assert_released(row)
    assert w.state(order_id) == ("shipped", "customs_cleared")

    # Not due yet: nobody asks La Poste again.
    w.clock.advance(timedelta(hours=5))
    assert w.poll().claimed == 0

    # Available at the post office: the last mile is asked every 2 h.
    w.clock.current = datetime(2024, 4, 3, 9, 0, tzinfo=UTC)
    assert w.poll().events == 4
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["status"] == "available_for_pickup"
    assert row["next_poll_at"] == w.clock.current + timedelta(hours=2)

    # Collected: the order is delivered and polling stops for good.
    w.clock.current = datetime(2024, 4, 5, 9, 0, tzinfo=UTC)
    assert w.poll().events == 1
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["status"] == "delivered" and row["next_poll_at"] is None
    _assert_released(row)
    assert w.state(order_id)[0] == "delivered"
    w.clock.advance(timedelta(days=30))
    assert w.poll().claimed == 0
    assert len(w.server.requests_to(LAPOSTE_PATH)) == 3


def test_trk2_poll_asks_ups_with_an_oauth_token_once_per_round(w: World) -> None:
    w.clock.current = datetime(2024, 9, 2, 0, 0, tzinfo=UTC)
    delivered = w.ship("1Z4A7E690398527119", "ups")
    unknown = w.ship("1Z4A7E690398520000", "ups")
    w.server.route("POST", "/security/v1/oauth/token",
                   Reply(200, b'{"access_token": "tok-1", "expires_in": "14399"}'))
    w.server.serve("GET", "/api/track/v1/details/1Z4A7E690398527119",
                   "ups/delivered_china_to_us.json")
    w.server.serve("GET", "/api/track/v1/details/1Z4A7E690398520000", "ups/not_found.json")
    w.clock.current = datetime(2024, 9, 10, 0, 0, tzinfo=UTC)

    stats = w.poll()
    assert (stats.claimed, stats.polled, stats.not_found, stats.failed) == (2, 1, 1, 0)
    assert len(w.server.requests_to("/security/v1/oauth/token")) == 1
    tracked = [s for s in w.server.seen if s.path.startswith("/api/track/v1/details/")]
    assert {s.headers["authorization"] for s in tracked} == {"Bearer tok-1"}
    assert w.state(delivered)[0] == "delivered"
    assert w.shipment("1Z4A7E690398527119")["next_poll_at"] is None
    assert w.state(unknown) == ("shipped", "shipped")  # nothing moved, nothing recorded
    assert w.count(t.tracking_errors) == 0


def test_trk2_poll_asks_cainiao_and_an_exception_is_asked_again_in_6h(w: World) -> None:
    w.clock.current = datetime(2024, 11, 13, 0, 0, tzinfo=UTC)
    order_id = w.ship("LP00698765432109", "cainiao")
    w.server.serve("GET", "/global/detail.json", "cainiao/customs_hold.json")
    w.clock.current = datetime(2024, 11, 22, 0, 0, tzinfo=UTC)

    assert w.poll().events == 12
    (seen,) = w.server.seen
    assert (seen.method, seen.query["mailNos"]) == ("GET", ["LP00698765432109"])
    assert "authorization" not in seen.headers
    row = w.shipment("LP00698765432109")
    assert row["status"] == "exception"
    assert row["next_poll_at"] == w.clock.current + timedelta(hours=6)
    assert w.state(order_id)[0] == "shipped"


# ----------------------------------------------------------------------------- failures


def test_trk2_a_500_backs_off_then_is_retried_after_the_clock_advances(w: World) -> None:
    order_id = w.ship(LAPOSTE_NUMBER, "laposte")
    w.server.route("GET", LAPOSTE_PATH, Reply(500, b"down"), Reply(500, b"down"),
                   Reply(200, fixture("laposte/china_to_france_pickup.json")))
    w.clock.current = datetime(2024, 4, 5, 9, 0, tzinfo=UTC)
    start = w.clock.current

    assert w.poll().failed == 1
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["poll_failures"] == 1
    # 15 min ± 20 % jitter: spread, so that a recovering carrier is not hit all at once.
    assert start + timedelta(minutes=12) <= row["next_poll_at"] <= start + timedelta(minutes=18)
    _assert_released(row)
    assert w.count(t.tracking_events) == 0 and w.count(t.tracking_errors) == 0
    assert w.poll().claimed == 0  # backing off: not asked again in the same breath

    w.clock.current = row["next_poll_at"]
    assert w.poll().failed == 1
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["poll_failures"] == 2
    assert w.clock.current + timedelta(minutes=24) <= row["next_poll_at"]
    assert row["next_poll_at"] <= w.clock.current + timedelta(minutes=36)

    w.clock.current = row["next_poll_at"]
    assert w.poll().events == 13
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["poll_failures"] == 0 and row["next_poll_at"] is None
    assert w.state(order_id)[0] == "delivered"


def test_trk2_backoff_is_capped_at_24h(w: World) -> None:
    w.ship(LAPOSTE_NUMBER, "laposte")
    w.server.route("GET", LAPOSTE_PATH, Reply(503, b""))
    w.clock.advance(FIRST_POLL_AFTER)
    for _ in range(12):
        w.poll()
        w.clock.current = w.shipment(LAPOSTE_NUMBER)["next_poll_at"]
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["poll_failures"] == 12
    before = w.clock.current
    w.poll()
    assert w.shipment(LAPOSTE_NUMBER)["next_poll_at"] <= before + timedelta(hours=24)


def test_trk2_a_429_retry_after_is_honoured_for_the_whole_carrier(w: World) -> None:
    w.ship(LAPOSTE_NUMBER, "laposte")
    other = s10_number("87654321", prefix="LB")
    w.ship(other, "laposte")
    w.server.route("GET", LAPOSTE_PATH, Reply(429, b"", {"Retry-After": "120"}))
    w.server.serve("GET", f"/suivi/v2/idships/{other}", "laposte/not_found.json", status=404)
    w.clock.advance(FIRST_POLL_AFTER)
    now = w.clock.current

    stats = w.poll()
    assert (stats.claimed, stats.failed, stats.deferred) == (2, 1, 1)
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["next_poll_at"] == now + timedelta(seconds=120)
    assert row["poll_failures"] == 1
    # The other parcel was not asked about: La Poste told us to wait. It is not a failure.
    assert w.server.requests_to(f"/suivi/v2/idships/{other}") == []
    held = w.shipment(other)
    assert held["poll_failures"] == 0
    assert now + timedelta(seconds=110) <= held["next_poll_at"] <= now + timedelta(seconds=120)
    _assert_released(row)
    _assert_released(held)


def test_trk2_a_slow_carrier_times_out_and_backs_off(w: World) -> None:
    w.ship(LAPOSTE_NUMBER, "laposte")
    w.server.route("GET", LAPOSTE_PATH, Reply(200, b"{}", delay=3))
    w.clock.advance(FIRST_POLL_AFTER)
    with CarrierClients(carrier_settings(w.server.url, timeout_seconds=0.2)) as impatient:
        stats = poll_due(w.app, "poller-1", fetch=impatient.fetch)
    assert stats.failed == 1
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["poll_failures"] == 1 and row["next_poll_at"] > w.clock.current
    _assert_released(row)


def test_trk2_an_unreadable_answer_is_recorded_and_backs_off(w: World) -> None:
    order_id = w.ship(LAPOSTE_NUMBER, "laposte")
    w.server.route("GET", LAPOSTE_PATH, Reply(200, b"<html>maintenance</html>"))
    w.clock.advance(FIRST_POLL_AFTER)

    assert w.poll().failed == 1
    with w.app.engine.connect() as conn:
        (error,) = conn.execute(select(t.tracking_errors)).mappings().all()
    assert (error["carrier"], error["source"], error["tracking_number"]) == (
        "laposte", "poll", LAPOSTE_NUMBER)
    assert error["excerpt"] == "<html>maintenance</html>"
    assert w.shipment(LAPOSTE_NUMBER)["poll_failures"] == 1
    assert w.count(t.tracking_events) == 0 and w.state(order_id) == ("shipped", "shipped")


def test_trk2_not_found_is_asked_again_in_24h_and_given_up_after_30_days(w: World) -> None:
    number = s10_number("11223344", prefix="LB")
    w.ship(number, "laposte")
    w.server.serve("GET", f"/suivi/v2/idships/{number}", "laposte/not_found.json", status=404)
    w.clock.advance(FIRST_POLL_AFTER)

    assert w.poll().not_found == 1
    row = w.shipment(number)
    assert row["next_poll_at"] == w.clock.current + timedelta(hours=24)
    assert row["poll_failures"] == 0
    _assert_released(row)

    w.clock.current = row["created_at"] + timedelta(days=30)
    assert w.poll().not_found == 1
    assert w.shipment(number)["next_poll_at"] is None
    assert w.count(t.tracking_errors) == 0


def test_trk2_a_carrier_without_api_is_skipped_and_not_polled_again(w: World) -> None:
    w.ship(s10_number("55667788", prefix="LB"), "unknown")
    w.ship("YT1234567890123456", "yunexpress")
    w.clock.advance(FIRST_POLL_AFTER)
    stats = w.poll()
    assert (stats.claimed, stats.skipped, stats.polled) == (2, 2, 0)
    assert w.server.seen == []
    for number in (s10_number("55667788", prefix="LB"), "YT1234567890123456"):
        row = w.shipment(number)
        assert row["next_poll_at"] is None
        _assert_released(row)


# ----------------------------------------------------------------------------- two pollers


def test_trk2_two_pollers_never_fetch_the_same_shipment_twice_in_one_round(w: World) -> None:
    numbers = [s10_number(f"{n:08d}", prefix="LB") for n in range(10, 22)]
    for number in numbers:
        w.ship(number, "laposte")
        # A little latency, so the two rounds really overlap.
        w.server.route("GET", f"/suivi/v2/idships/{number}",
                       Reply(404, fixture("laposte/not_found.json"), delay=0.02))
    w.clock.advance(FIRST_POLL_AFTER)
    results: dict[str, PollStats] = {}
    start = threading.Barrier(2)

    def run(worker: str) -> None:
        start.wait()
        results[worker] = w.poll(worker, limit=8)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results["a"].claimed + results["b"].claimed == len(numbers)
    assert results["a"].not_found + results["b"].not_found == len(numbers)
    asked = sorted(s.path.rsplit("/", 1)[1] for s in w.server.seen)
    assert asked == sorted(numbers)  # each once: never twice, never skipped
    for number in numbers:
        _assert_released(w.shipment(number))


def test_trk2_a_poller_whose_lease_ran_out_does_not_overwrite_the_new_holder(
    w: World,
) -> None:
    w.ship(LAPOSTE_NUMBER, "laposte")
    w.server.serve("GET", LAPOSTE_PATH, "laposte/china_to_france_pickup.json")
    w.clock.current = datetime(2024, 4, 5, 9, 0, tzinfo=UTC)
    late: list[PollStats] = []

    def stalled_fetch(slug: str, number: str) -> bytes:
        # While the first poller is stuck in its fetch, its lease runs out and a second one
        # takes the shipment over and finishes it.
        late.append(w.poll("poller-2", now=w.clock.current + timedelta(minutes=16)))
        return w.clients.fetch(slug, number)

    first = poll_due(w.app, "poller-1", fetch=stalled_fetch)
    assert late[0].claimed == 1 and late[0].events == 13
    assert (first.claimed, first.lost, first.events) == (1, 1, 0)
    row = w.shipment(LAPOSTE_NUMBER)
    assert row["next_poll_at"] is None and row["status"] == "delivered"
    _assert_released(row)
