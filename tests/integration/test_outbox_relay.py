"""The outbox relay (DESIGN, "side effects after commit") against a real local HTTP receiver,
on SQLite and PostgreSQL. Email and in-app sinks (TRK-9) come later; here a fake sink stands in
to show they plug in without touching the relay.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from garant.app import Garant
from garant.clock import FixedClock, SandboxClock
from garant.domain.errors import InvalidInput, NotFound
from garant.notify.relay import RelayStats, claim, deliver, fan_out, relay_once, retry_delay
from garant.notify.sinks import DeliveryFailed
from garant.notify.webhooks import (
    WebhookResolver,
    WebhookVerificationError,
    sink_name,
    verify,
)
from garant.services.webhooks import (
    add_endpoint,
    delivery_status,
    disable_endpoint,
    list_endpoints,
)
from garant.store.schema import outbox, outbox_deliveries


def full_wait() -> float:
    """As ``rand`` for the relay: the jitter keeps its whole half, waits are base·2^(n−1)."""
    return 1.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records requests, can answer 500 to the first
    ``fail_first`` ones, and can hold requests until ``release()`` to interleave relays.
    """

    fail_first: int = 0
    requests: list[Received] = field(default_factory=list)
    holding: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def url(self, path: str = "/hooks") -> str:
        return self.base_url + path

    def release(self) -> None:
        self.released.set()

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            status = 500 if len(self.requests) < self.fail_first else 204
            self.requests.append(Received(path, headers, body, status))
        if self.holding:
            self.arrived.set()
            self.released.wait(10)
        return status


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recv = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status = recv.handle(self.path, {k.lower(): v for k, v in self.headers.items()},
                                 body)
            self.send_response(status)
            payload = b"down for maintenance" if status >= 400 else b""
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recv.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield recv
    recv.release()
    server.shutdown()
    server.server_close()
    thread.join(5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _message(app: Garant, topic: str = "order.request_cancellation",
             **payload: Any) -> tuple[int, dict[str, Any]]:
    body = {"type": topic, "order_id": 7, "reason": "changed my mind", **payload}
    now = app.clock.now()  # outside the transaction: the sandbox clock reads the database
    with app.engine.begin() as conn:
        message_id = conn.execute(
            insert(outbox).values(topic=topic, order_id=7, payload=body, created_at=now)
            .returning(outbox.c.id)
        ).scalar_one()
    return int(message_id), body


def _deliveries(app: Garant) -> list[Any]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(outbox_deliveries).order_by(outbox_deliveries.c.id)))


def _ids_sent(receiver: Receiver) -> Counter[tuple[str, str]]:
    return Counter((r.path, r.headers["webhook-id"]) for r in receiver.requests)


# --- delivery ------------------------------------------------------------------------------


def test_message_is_delivered_once_signed_with_the_payload_as_body(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    endpoint_id, secret = add_endpoint(app, receiver.url())
    message_id, payload = _message(app)

    stats = relay_once(app, "w1")

    assert stats == RelayStats(fanned_out=1, delivered=1, failed=0, dead=0)
    [request] = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["webhook-id"] == f"msg_{message_id}"
    assert request.headers["content-type"] == "application/json"
    verify(secret, request.headers, request.body, now=datetime.now(UTC))
    assert json.loads(request.body) == payload
    [row] = _deliveries(app)
    assert (row.message_id, row.sink, row.status, row.attempts) == (
        message_id, sink_name(endpoint_id), "delivered", 1)
    assert row.delivered_at == clock.now() and row.claimed_by is None
    assert delivery_status(app, message_id).dispatched_at == clock.now()


def test_delivered_message_is_never_sent_again(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    add_endpoint(app, receiver.url())
    _message(app)
    relay_once(app, "w1")

    clock.advance(timedelta(days=3))
    stats = relay_once(app, "w2")

    assert stats == RelayStats()
    assert len(receiver.requests) == 1


def test_signature_timestamp_is_wall_clock_so_receivers_accept_sandbox_webhooks(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    # The app clock (a sandbox clock may run days ahead) schedules; the receiver checks the
    # timestamp against its own wall clock, so that is what the header carries.
    _, secret = add_endpoint(app, receiver.url())
    _message(app)
    clock.advance(timedelta(days=40))
    relay_once(app, "w1")

    [request] = receiver.requests
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    with pytest.raises(WebhookVerificationError, match=r"too old|too new"):
        verify(secret, request.headers, request.body, now=clock.now())


def test_message_goes_to_every_active_endpoint_each_with_its_own_secret(
        app: Garant, receiver: Receiver) -> None:
    _, secret_a = add_endpoint(app, receiver.url("/a"))
    _, secret_b = add_endpoint(app, receiver.url("/b"))
    message_id, _ = _message(app)

    stats = relay_once(app, "w1")

    assert stats == RelayStats(fanned_out=1, delivered=2)
    by_path = {r.path: r for r in receiver.requests}
    assert set(by_path) == {"/a", "/b"}
    now = datetime.now(UTC)
    verify(secret_a, by_path["/a"].headers, by_path["/a"].body, now)
    verify(secret_b, by_path["/b"].headers, by_path["/b"].body, now)
    with pytest.raises(WebhookVerificationError):
        verify(secret_a, by_path["/b"].headers, by_path["/b"].body, now)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {f"msg_{message_id}"}


def test_disabled_endpoint_gets_no_new_message(app: Garant, receiver: Receiver) -> None:
    add_endpoint(app, receiver.url("/a"))
    disabled_id, _ = add_endpoint(app, receiver.url("/b"))
    disable_endpoint(app, disabled_id)
    _message(app)

    relay_once(app, "w1")

    assert [r.path for r in receiver.requests] == ["/a"]
    assert sink_name(disabled_id) not in {row.sink for row in _deliveries(app)}


def test_endpoint_disabled_after_fan_out_gives_up_its_pending_delivery_unsent(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    endpoint_id, _ = add_endpoint(app, receiver.url())
    message_id, _ = _message(app)
    fan_out(app, clock.now(), 10)
    disable_endpoint(app, endpoint_id)

    stats = relay_once(app, "w1")

    assert stats == RelayStats(dead=1)
    assert receiver.requests == []
    [delivery] = delivery_status(app, message_id).deliveries
    assert delivery.status == "dead" and "disabled" in (delivery.last_error or "")


def test_message_written_before_any_endpoint_is_dispatched_to_no_one(
        app: Garant, receiver: Receiver) -> None:
    message_id, _ = _message(app)
    assert relay_once(app, "w1") == RelayStats(fanned_out=1)

    add_endpoint(app, receiver.url())
    assert relay_once(app, "w1") == RelayStats()
    assert receiver.requests == []
    assert delivery_status(app, message_id).deliveries == []


def test_relay_and_endpoints_work_with_the_sandbox_clock_which_reads_the_database(
        app: Garant, receiver: Receiver) -> None:
    # The sandbox clock opens its own connection: reading it inside a transaction would wait
    # on SQLite's write lock until busy_timeout. Guards against that regression.
    sandbox = Garant(settings=app.settings, engine=app.engine, clock=SandboxClock(app.engine))
    started = time.monotonic()
    _, secret = add_endpoint(sandbox, receiver.url())
    _message(sandbox)

    assert relay_once(sandbox, "w1") == RelayStats(fanned_out=1, delivered=1)
    assert time.monotonic() - started < 10
    verify(secret, receiver.requests[0].headers, receiver.requests[0].body, datetime.now(UTC))


# --- retries -------------------------------------------------------------------------------


def test_500_is_retried_after_backoff_then_delivered_with_attempts_counted(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    receiver.fail_first = 1
    _, secret = add_endpoint(app, receiver.url())
    message_id, payload = _message(app)

    assert relay_once(app, "w1", rand=full_wait) == RelayStats(fanned_out=1, failed=1)
    [row] = _deliveries(app)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "HTTP 500 down for maintenance"
    assert row.next_attempt_at == clock.now() + timedelta(seconds=2)

    clock.advance(timedelta(seconds=1))  # not due yet: nothing is sent
    assert relay_once(app, "w1") == RelayStats()
    assert len(receiver.requests) == 1

    clock.advance(timedelta(seconds=1))
    assert relay_once(app, "w1") == RelayStats(delivered=1)
    [row] = _deliveries(app)
    assert (row.status, row.attempts, row.delivered_at) == ("delivered", 2, clock.now())
    first, second = receiver.requests
    assert (first.status, second.status) == (500, 204)
    # A retry is the same message: same id and body, so receivers can drop a duplicate.
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{message_id}"
    assert first.body == second.body and json.loads(second.body) == payload
    verify(secret, second.headers, second.body, datetime.now(UTC))


def test_down_endpoint_is_dead_after_max_attempts_with_last_error(
        app: Garant, clock: FixedClock) -> None:
    endpoint_id, _ = add_endpoint(app, f"http://127.0.0.1:{_free_port()}/hooks")
    message_id, _ = _message(app)
    max_attempts = app.settings.webhook_max_attempts
    waits = []

    for attempt in range(1, max_attempts):
        assert relay_once(app, "w1", rand=full_wait).failed == 1
        [row] = _deliveries(app)
        assert (row.status, row.attempts) == ("pending", attempt)
        waits.append(row.next_attempt_at - clock.now())
        clock.advance(timedelta(hours=1))
    stats = relay_once(app, "w1")

    assert stats == RelayStats(dead=1)
    base = app.settings.outbox_retry_base_seconds
    assert waits == [timedelta(seconds=base * 2 ** n) for n in range(max_attempts - 1)]
    [delivery] = delivery_status(app, message_id).deliveries
    assert (delivery.sink, delivery.status, delivery.attempts) == (
        sink_name(endpoint_id), "dead", max_attempts)
    assert delivery.last_error is not None and "ConnectError" in delivery.last_error
    clock.advance(timedelta(days=1))
    assert relay_once(app, "w1") == RelayStats()


def test_retry_delay_doubles_with_jitter_and_is_capped_at_one_hour() -> None:
    assert retry_delay(1, 2.0, rand=lambda: 1.0) == timedelta(seconds=2)
    assert retry_delay(4, 2.0, rand=lambda: 1.0) == timedelta(seconds=16)
    assert retry_delay(4, 2.0, rand=lambda: 0.0) == timedelta(seconds=8)
    assert retry_delay(40, 2.0, rand=lambda: 1.0) == timedelta(hours=1)
    assert retry_delay(10_000, 2.0, rand=lambda: 0.0) == timedelta(minutes=30)


def test_unknown_sink_kind_is_retried_not_dropped(app: Garant, clock: FixedClock) -> None:
    # A delivery for a sink an older worker does not know (say email, TRK-9) waits for a
    # worker that does, visibly, instead of being thrown away.
    message_id, _ = _message(app)
    fan_out(app, clock.now(), 10)
    with app.engine.begin() as conn:
        conn.execute(insert(outbox_deliveries).values(
            message_id=message_id, sink="email:buyer", status="pending", attempts=0,
            next_attempt_at=clock.now()))

    assert relay_once(app, "w1") == RelayStats(failed=1)
    [row] = _deliveries(app)
    assert row.status == "pending" and "no sink for 'email:buyer'" in row.last_error


# --- concurrency ---------------------------------------------------------------------------


def test_two_relays_interleaved_never_send_a_message_twice_to_one_sink(
        app: Garant, receiver: Receiver) -> None:
    add_endpoint(app, receiver.url())
    ids = [_message(app)[0] for _ in range(3)]
    receiver.holding = True

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(relay_once, app, "w1")
        assert receiver.arrived.wait(10)  # w1 has claimed and is mid-send, outside any tx
        second = relay_once(app, "w2")
        receiver.release()
        first_stats = first.result(10)

    assert second == RelayStats()
    assert first_stats == RelayStats(fanned_out=3, delivered=3)
    assert _ids_sent(receiver) == Counter({("/hooks", f"msg_{i}"): 1 for i in ids})
    assert relay_once(app, "w2") == RelayStats()


def test_two_relays_running_together_deliver_each_message_once_per_sink(
        app: Garant, receiver: Receiver) -> None:
    add_endpoint(app, receiver.url("/a"))
    add_endpoint(app, receiver.url("/b"))
    ids = [_message(app)[0] for _ in range(20)]

    def drain(worker: str) -> None:
        while relay_once(app, worker, limit=5) != RelayStats():
            pass

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(drain, "w1"), pool.submit(drain, "w2")]:
            done.result(60)

    expected = {(path, f"msg_{i}"): 1 for i in ids for path in ("/a", "/b")}
    assert _ids_sent(receiver) == Counter(expected)
    assert {row.status for row in _deliveries(app)} == {"delivered"}


def test_expired_lease_is_taken_over_and_the_late_owner_cannot_record(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    add_endpoint(app, receiver.url())
    _message(app)
    fan_out(app, clock.now(), 10)
    lease = timedelta(seconds=app.settings.lease_seconds)
    [stalled], _ = claim(app, "w1", clock.now(), lease, 10)  # w1 claims, then stalls

    assert relay_once(app, "w2") == RelayStats()  # the lease still holds
    clock.advance(lease + timedelta(seconds=1))
    assert relay_once(app, "w2") == RelayStats(delivered=1)
    taken_over = _deliveries(app)[0]

    late = RelayStats()
    deliver(app, "w1", stalled, WebhookResolver(app), late)  # w1 wakes up and sends

    assert late == RelayStats()
    assert _deliveries(app)[0] == taken_over  # w2's recorded success stands
    assert taken_over.status == "delivered" and taken_over.attempts == 2


def test_fan_out_is_idempotent_one_delivery_per_message_and_sink(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    a, _ = add_endpoint(app, receiver.url("/a"))
    b, _ = add_endpoint(app, receiver.url("/b"))
    _message(app)

    assert fan_out(app, clock.now(), 10) == 1
    assert fan_out(app, clock.now(), 10) == 0
    with app.engine.begin() as conn:  # as if a second relay had read the message as new
        conn.execute(update(outbox).values(dispatched_at=None))
    assert fan_out(app, clock.now(), 10) == 1

    assert sorted(row.sink for row in _deliveries(app)) == [sink_name(a), sink_name(b)]


def test_postgres_fan_out_and_claim_skip_rows_locked_by_another_relay(
        app: Garant, clock: FixedClock, receiver: Receiver) -> None:
    if app.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers instead")
    add_endpoint(app, receiver.url())
    locked_id, _ = _message(app)
    free_id, _ = _message(app)
    lease = timedelta(seconds=60)

    with app.engine.connect() as other:
        other.begin()
        other.execute(select(outbox.c.id).where(outbox.c.id == locked_id).with_for_update())
        assert fan_out(app, clock.now(), 10) == 1  # only the unlocked message
        other.rollback()
    assert fan_out(app, clock.now(), 10) == 1

    d = outbox_deliveries
    with app.engine.connect() as other:
        other.begin()
        other.execute(select(d.c.id).where(d.c.message_id == locked_id).with_for_update())
        claimed, _ = claim(app, "w1", clock.now(), lease, 10)
        other.rollback()
    assert [c.message_id for c in claimed] == [free_id]


def test_claims_that_would_outlive_their_lease_are_handed_back_uncounted(
        app: Garant, clock: FixedClock) -> None:
    # Each send takes most of a lease (the clock moves while sending): the relay hands back
    # the rest of its claim rather than send after its lease ran out, and claims them afresh.
    sent: list[int] = []

    class SlowSink:
        name = "slow:1"

        def send(self, message_id: int, payload: dict[str, Any]) -> None:
            sent.append(message_id)
            clock.advance(timedelta(seconds=app.settings.lease_seconds - 5))

    ids = [_message(app)[0] for _ in range(3)]
    stats = relay_once(app, "w1", targets=lambda conn, topic, payload: ["slow:1"],
                       resolve=lambda name: SlowSink())

    assert stats == RelayStats(fanned_out=3, delivered=3)
    assert sent == ids
    assert [row.attempts for row in _deliveries(app)] == [1, 1, 1]


def test_other_sinks_plug_in_through_targets_and_resolver(
        app: Garant, clock: FixedClock) -> None:
    # How the email and in-app sinks (TRK-9) will be added: no change to the relay.
    inbox: list[tuple[int, dict[str, Any]]] = []

    class InAppSink:
        name = "inapp:buyer"

        def send(self, message_id: int, payload: dict[str, Any]) -> None:
            if not inbox:
                inbox.append((-1, {}))
                raise DeliveryFailed("inbox busy")
            inbox.append((message_id, payload))

    message_id, payload = _message(app)
    options: dict[str, Any] = dict(targets=lambda conn, topic, payload: ["inapp:buyer"],
                                   resolve=lambda name: InAppSink(), rand=lambda: 1.0)

    assert relay_once(app, "w1", **options) == RelayStats(fanned_out=1, failed=1)
    clock.advance(timedelta(seconds=2))
    assert relay_once(app, "w1", **options) == RelayStats(delivered=1)
    assert inbox[1:] == [(message_id, payload)]


# --- endpoint service ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/hooks", "https://",
                                 "https://exa mple.com/", "http://example.com:99999/"])
def test_add_endpoint_refuses_what_cannot_receive_webhooks(app: Garant, url: str) -> None:
    with pytest.raises(InvalidInput, match="cannot receive webhooks") as refused:
        add_endpoint(app, url)
    assert isinstance(refused.value, ValueError)  # what the CLI catches
    assert list_endpoints(app) == []


def test_endpoints_are_listed_without_their_secret_and_disabling_is_repeatable(
        app: Garant, clock: FixedClock) -> None:
    endpoint_id, secret = add_endpoint(app, " https://example.com/garant ")
    assert secret.startswith("whsec_")

    [listed] = list_endpoints(app)
    assert (listed.id, listed.url, listed.active, listed.created_at) == (
        endpoint_id, "https://example.com/garant", True, clock.now())
    assert secret not in repr(listed)
    assert disable_endpoint(app, endpoint_id).active is False
    assert disable_endpoint(app, endpoint_id).active is False
    with pytest.raises(NotFound):
        disable_endpoint(app, endpoint_id + 1)


def test_delivery_status_of_unknown_message_is_not_found(app: Garant) -> None:
    with pytest.raises(NotFound):
        delivery_status(app, 404)
