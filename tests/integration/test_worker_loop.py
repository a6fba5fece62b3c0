"""The worker loop (``garant.worker.run_worker``): sweeps due deadlines, relays the outbox,
stops cleanly. Both databases, with a fixed clock moved by hand."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import pytest

from garant import worker as worker_module
from garant.app import Garant
from garant.clock import FixedClock
from garant.services.deadlines import SweepStats
from garant.worker import default_worker_name, load_relay, run_worker

from .helpers import Parties, act, create_paid_order, make_parties, order_row, timeline_actions

H72 = timedelta(hours=72)


@pytest.fixture
def p(app: Garant) -> Parties:
    return make_parties(app)


def _requested(app: Garant, p: Parties) -> int:
    order_id = create_paid_order(app, p)
    act(app, order_id, p.buyer, "request_cancellation", reason="no_longer_needed")
    return order_id


def test_can4_run_worker_once_fires_the_due_deadline(
    app: Garant, p: Parties, clock: FixedClock
) -> None:
    order_id = _requested(app, p)
    assert run_worker(app, worker_name="w1", once=True).deadlines.claimed == 0
    assert order_row(app, order_id)["state"] == "paid"

    clock.advance(H72 + timedelta(seconds=1))
    totals = run_worker(app, worker_name="w1", once=True)

    assert (totals.deadlines.applied, totals.deadlines.errors) == (1, 0)
    assert order_row(app, order_id)["state"] == "cancelled"
    assert timeline_actions(app, order_id).count("expire_cancellation_request") == 1
    # a deadline takes effect once: the next round finds nothing
    assert run_worker(app, worker_name="w2", once=True).deadlines.claimed == 0


def test_run_worker_once_drains_more_than_one_batch(
    app: Garant, p: Parties, clock: FixedClock
) -> None:
    app.settings.worker_batch = 2
    ids = [_requested(app, p) for _ in range(5)]
    clock.advance(H72 + timedelta(seconds=1))

    totals = run_worker(app, worker_name="w1", once=True)

    assert totals.deadlines.applied == 5
    assert {order_row(app, i)["state"] for i in ids} == {"cancelled"}


def test_the_relay_runs_after_the_sweep_in_the_same_round(
    app: Garant, p: Parties, clock: FixedClock
) -> None:
    assert load_relay() is not None, "garant.notify.relay should be installed"
    _requested(app, p)
    clock.advance(H72 + timedelta(seconds=1))

    totals = run_worker(app, worker_name="w1", once=True)

    # the cancellation's timeline entries went to the outbox and were fanned out at once
    assert totals.relay.get("fanned_out", 0) > 0
    assert "outbox fanned_out=" in totals.summary()


def test_a_running_worker_picks_up_deadlines_and_stops_on_its_event(
    app: Garant, p: Parties, clock: FixedClock
) -> None:
    app.settings.worker_poll_seconds = 0.02
    order_id = _requested(app, p)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, kwargs={"app": app, "worker_name": "loop", "stop_event": stop}
    )
    thread.start()
    try:
        clock.advance(H72 + timedelta(seconds=1))
        deadline = time.monotonic() + 10
        while order_row(app, order_id)["state"] != "cancelled" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert order_row(app, order_id)["state"] == "cancelled"
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_sigterm_stops_the_worker_after_its_round_and_restores_the_handler(
    app: Garant,
) -> None:
    app.settings.worker_poll_seconds = 0.02
    original = signal.getsignal(signal.SIGTERM)

    def send_sigterm_once_installed() -> None:
        # Only once run_worker's handler is in place: the default one would end pytest.
        for _ in range(500):
            if signal.getsignal(signal.SIGTERM) is not original:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.01)

    sender = threading.Thread(target=send_sigterm_once_installed)
    sender.start()
    run_worker(app, worker_name="sig")  # returns only when stopped
    sender.join()
    assert signal.getsignal(signal.SIGTERM) is original


def test_a_failed_round_is_logged_and_retried_unless_once(
    app: Garant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app.settings.worker_poll_seconds = 0.01
    stop = threading.Event()
    calls: list[int] = []

    def flaky_sweep(_app: Garant, _worker: str) -> SweepStats:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        stop.set()
        return SweepStats()

    monkeypatch.setattr(worker_module, "sweep", flaky_sweep)
    run_worker(app, worker_name="flaky", stop_event=stop)
    assert len(calls) == 2
    assert "worker round failed" in caplog.text

    calls.clear()
    with pytest.raises(ConnectionError):
        run_worker(app, worker_name="flaky", once=True)


def test_the_default_worker_name_is_host_and_pid() -> None:
    assert default_worker_name().endswith(f"-{os.getpid()}")
