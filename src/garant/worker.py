"""The background worker: fires due deadlines, then relays the outbox, round after round.

Several workers may run at once (on one machine or many): every step they take is a claim
with a lease (see ``store.deadlines``), so a deadline takes effect once whoever fires it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from garant.app import Garant
from garant.services.deadlines import SweepStats, sweep

log = logging.getLogger(__name__)

RelayOnce = Callable[..., Any]


def default_worker_name() -> str:
    """Unique per process, and readable in ``deadlines.claimed_by`` when a lease is stuck."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class RoundStats:
    deadlines: SweepStats = field(default_factory=SweepStats)
    # Whatever ``relay_once`` returned, as name → count; empty when no relay is installed.
    relay: dict[str, int] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        """True when the round did something: the next round may find more, so no sleep."""
        return self.deadlines.claimed > 0 or any(self.relay.values())

    def summary(self) -> str:
        d = self.deadlines
        parts = [
            f"deadlines claimed={d.claimed} applied={d.applied} obsolete={d.obsolete} "
            f"lost={d.lost} errors={d.errors}"
        ]
        if self.relay:
            parts.append("outbox " + " ".join(f"{k}={v}" for k, v in self.relay.items()))
        return "; ".join(parts)


def load_relay() -> RelayOnce | None:
    """The outbox relay with every sink: signed webhooks, email (SMTP) and in-app."""
    from garant.notify.routing import relay_all

    return relay_all


def _counts(stats: Any) -> dict[str, int]:
    """RelayStats as name → count, whatever its exact fields (owned by the relay module)."""
    if stats is None:
        return {}
    if dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        raw = dataclasses.asdict(stats)
    elif isinstance(stats, dict):
        raw = stats
    else:
        raw = dict(vars(stats))
    return {k: int(v) for k, v in raw.items() if isinstance(v, int) and not isinstance(v, bool)}


def run_round(app: Garant, worker_name: str, relay: RelayOnce | None) -> RoundStats:
    # Deadlines first: firing one writes outbox messages that the relay then sends at once.
    stats = RoundStats(deadlines=sweep(app, worker_name))
    if relay is not None:
        stats.relay = _counts(relay(app, worker_name, limit=app.settings.worker_batch))
    return stats


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT finish the current round, then stop: a transaction is never cut.

    Signal handlers can only be installed from the main thread; elsewhere (the demo runs the
    worker in a thread) the owner of ``stop`` is responsible for setting it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping after the current round", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass
class Periodic:
    """A task the worker runs every ``every`` seconds, beside the deadline/outbox rounds.

    Tracking work makes slow HTTP calls (carriers) or reads many timelines (stalls), so it
    runs on a thread of its own and never holds up a deadline."""

    name: str
    every: float
    run: Callable[[Garant, str], object]
    last: float = field(default=-1e18)


def tracking_tasks(app: Garant) -> list[Periodic]:
    from garant.services.polling import poll_due
    from garant.services.stalls import notify_stalls

    tasks = [Periodic("stall notifications", 900.0, lambda a, name: notify_stalls(a))]
    if app.settings.carrier_polling:
        tasks.insert(0, Periodic("poll carriers", 30.0, lambda a, name: poll_due(a, name)))
    if app.settings.sandbox:
        from garant.services.sandbox_carrier import advance as advance_sandbox

        tasks.insert(0, Periodic("sandbox carrier", 2.0, lambda a, name: advance_sandbox(a)))
    return tasks


def run_periodic(app: Garant, name: str, tasks: list[Periodic], *, force: bool = False) -> None:
    for task in tasks:
        now = time.monotonic()
        if not force and now - task.last < task.every:
            continue
        task.last = now
        try:
            result = task.run(app, name)
        except Exception:  # one failing carrier or task must not stop the others
            log.exception("%s failed", task.name)
            continue
        # Reports are dataclasses (always truthy): log only when something happened.
        if getattr(result, "added", None) or getattr(result, "polled", None) or (
            isinstance(result, int) and result
        ):
            log.info("%s: %s", task.name, result)


def _periodic_thread(app: Garant, name: str, stop: threading.Event) -> threading.Thread:
    tasks = tracking_tasks(app)

    def loop() -> None:
        while not stop.is_set():
            run_periodic(app, name, tasks)
            stop.wait(1.0)

    thread = threading.Thread(target=loop, name=f"{name}-tracking", daemon=True)
    thread.start()
    return thread


def run_worker(
    app: Garant,
    *,
    worker_name: str | None = None,
    once: bool = False,
    stop_event: threading.Event | None = None,
) -> RoundStats:
    """Sweep deadlines and relay the outbox until stopped.

    With ``once``, rounds run back to back until one finds nothing to do, then it returns:
    everything due now is done (cron-friendly), however many batches that takes.

    Returns the totals of every round. An error in a round is logged and retried after the
    poll delay (a database restart must not kill the worker); with ``once`` it propagates, so
    ``garant worker --once`` fails visibly.
    """
    name = worker_name or default_worker_name()
    stop = stop_event or threading.Event()
    relay = load_relay()
    if relay is None:
        log.info("outbox relay not installed: only deadlines are swept")
    totals = RoundStats()
    poll = app.settings.worker_poll_seconds
    with _stop_on_signals(stop):
        log.info("worker %s started (poll every %ss)", name, poll)
        if once:
            run_periodic(app, name, tracking_tasks(app), force=True)
        else:
            _periodic_thread(app, name, stop)
        while not stop.is_set():
            try:
                stats = run_round(app, name, relay)
            except Exception:
                if once:
                    raise
                log.exception("worker round failed; retrying in %ss", poll)
                stop.wait(poll)
                continue
            _add(totals, stats)
            if stats.busy:
                log.info("%s: %s", name, stats.summary())
            if not stats.busy:
                if once:
                    break
                stop.wait(poll)
        log.info("worker %s stopped", name)
    return totals


def _add(totals: RoundStats, stats: RoundStats) -> None:
    for f in dataclasses.fields(SweepStats):
        total = getattr(totals.deadlines, f.name) + getattr(stats.deadlines, f.name)
        setattr(totals.deadlines, f.name, total)
    for key, value in stats.relay.items():
        totals.relay[key] = totals.relay.get(key, 0) + value
