"""Polling the carriers (TRK-2): ask each due shipment's carrier, ingest what it says, and
decide when to ask again.

A round claims due shipments with a lease (``store.tracking.due_for_poll``), so several pollers
may run at once: a shipment is fetched by the poller holding its claim, and every write after
the fetch first checks that the claim is still that poller's. The fetch itself runs outside any
transaction: a slow carrier never holds a database lock.

When to ask again depends on the parcel's stage: a parcel in the last mile changes within
hours, one crossing the world within days, and a delivered or returned parcel no longer
changes at all. Failures back off exponentially with jitter, so an outage of one carrier does
not turn into a thundering herd when it ends.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from garant.app import Garant
from garant.carriers import clients, get_adapter
from garant.carriers.base import TrackingNotFound
from garant.carriers.clients import CarrierUnavailable, RateLimited, polled_as
from garant.domain.tracking import TrackingEvent, TrackingParseError
from garant.domain.tracking import TrackingStatus as T
from garant.services.ingest import record_error
from garant.services.tracking import ingest
from garant.store import tracking as store

log = logging.getLogger(__name__)

Fetch = Callable[[str, str], bytes]
# Long enough for a batch of slow answers (50 × a 10 s timeout would be the worst case); a
# poller that dies leaves its shipments to the others once this runs out.
POLL_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class PollSchedule:
    waiting: timedelta = timedelta(hours=12)  # label created, not scanned yet
    in_transit: timedelta = timedelta(hours=6)
    last_mile: timedelta = timedelta(hours=2)  # out for delivery, at a pickup point, failed
    not_found: timedelta = timedelta(hours=24)  # TRK-4: an update may not be published yet
    # A carrier silent about a number this long (since its last event, else since shipping)
    # will not find it: polling stops, TRK-4's diagnosis tells the buyer why.
    not_found_for: timedelta = timedelta(days=30)
    # Beyond the longest protection period (PRT-2, 90 days) and its dispute window (PRT-4).
    track_for: timedelta = timedelta(days=120)
    backoff_base: timedelta = timedelta(minutes=15)
    backoff_cap: timedelta = timedelta(hours=24)
    jitter: float = 0.2  # ± this fraction of each backoff
    # A Retry-After of 0 or 1 s, answered again and again, must not poll in a tight loop.
    retry_floor: timedelta = timedelta(minutes=1)

    def interval(self, status: str) -> timedelta | None:
        """How long until the next poll of a parcel at this stage; None: never again."""
        stage = T(status)
        if stage in (T.DELIVERED, T.RETURNED, T.EXPIRED):
            return None
        if stage in (T.OUT_FOR_DELIVERY, T.AVAILABLE_FOR_PICKUP, T.DELIVERY_FAILED):
            return self.last_mile
        if stage in (T.PENDING, T.INFO_RECEIVED):
            return self.waiting
        return self.in_transit

    def backoff(self, failures: int) -> timedelta:
        exponent = min(max(failures, 1) - 1, 20)  # 2**20 × base is far beyond any cap
        delay = min(self.backoff_base * 2**exponent, self.backoff_cap)
        return min(delay * random.uniform(1 - self.jitter, 1 + self.jitter), self.backoff_cap)


DEFAULT_SCHEDULE = PollSchedule()


@dataclass
class PollStats:
    claimed: int = 0
    polled: int = 0  # the carrier answered about the parcel (events or none yet)
    events: int = 0  # new events stored
    not_found: int = 0
    failed: int = 0  # carrier unavailable, unreadable answer, or an error of ours
    deferred: int = 0  # our own rate limit: asked later, not counted as a failure
    skipped: int = 0  # no API for the carrier: polling stopped
    lost: int = 0  # the lease ran out and another poller took the shipment over

    @property
    def busy(self) -> bool:
        return self.claimed > 0


@dataclass(frozen=True)
class _Claim:
    id: int
    carrier: str
    number: str
    worker: str
    lease_until: datetime


# Given the shipment's row (still claimed): (next poll or None, poll_failures to store).
Outcome = Callable[[dict[str, Any]], tuple[datetime | None, int]]


def poll_due(
    app: Garant,
    worker: str,
    *,
    limit: int = 50,
    fetch: Fetch | None = None,
    now: datetime | None = None,
    schedule: PollSchedule = DEFAULT_SCHEDULE,
    lease: timedelta = POLL_LEASE,
) -> PollStats:
    """One polling round: claim up to ``limit`` due shipments, ask their carriers, ingest."""
    fetch = fetch or clients.fetch  # the process's shared clients, configured from the env
    now = now or app.clock.now()
    lease_until = now + lease
    with app.engine.begin() as conn:
        due = store.due_for_poll(conn, worker, now, lease, limit)
    stats = PollStats(claimed=len(due))
    for shipment_id, carrier, number in due:
        claim = _Claim(shipment_id, carrier, number, worker, lease_until)
        try:
            _poll_one(app, claim, fetch, now, schedule, stats)
        except Exception:
            # A bug or a database error on one shipment must not stop the round for the
            # others; the shipment backs off like any failure and the traceback is logged.
            log.exception("polling shipment %s (%s %s) failed", shipment_id, carrier, number)
            stats.failed += 1
            try:
                _settle(app, claim, stats, _failure(now, schedule, None))
            except Exception:
                log.exception("could not release shipment %s; its lease will run out", claim.id)
    return stats


def _poll_one(
    app: Garant,
    claim: _Claim,
    fetch: Fetch,
    now: datetime,
    schedule: PollSchedule,
    stats: PollStats,
) -> None:
    slug = polled_as(claim.carrier)
    if slug is None:
        # "unknown" or a carrier we have no API for: only pushes (webhooks) can feed it.
        stats.skipped += 1
        _settle(app, claim, stats, lambda row: (None, row["poll_failures"]))
        return
    try:
        payload = fetch(slug, claim.number)
    except RateLimited as exc:
        stats.deferred += 1
        wait = timedelta(seconds=exc.retry_after or 0)
        _settle(app, claim, stats, lambda row: (now + wait, row["poll_failures"]))
        return
    except CarrierUnavailable as exc:
        log.warning("poll of %s %s: %s", slug, claim.number, exc)
        stats.failed += 1
        _settle(app, claim, stats, _failure(now, schedule, exc.retry_after))
        return
    try:
        events = get_adapter(slug).parse(payload)
    except TrackingNotFound:
        stats.not_found += 1
        _settle(app, claim, stats, _not_found(now, schedule))
        return
    except TrackingParseError as exc:
        # CarrierError included: the carrier's own error (bad key, busy) is worth keeping.
        stats.failed += 1
        record_error(
            app, carrier=slug, source="poll", error=str(exc), payload=payload, number=claim.number
        )
        _settle(app, claim, stats, _failure(now, schedule, None))
        return
    if not _still_ours(app, claim, slug, events, now):
        stats.lost += 1
        return
    stats.polled += 1
    stats.events += ingest(app, events, source="poll").added
    _settle(app, claim, stats, _answered(now, schedule))


def _still_ours(
    app: Garant, claim: _Claim, slug: str, events: list[TrackingEvent], now: datetime
) -> bool:
    """Re-check the claim before writing, and tie every number the carrier answered with to
    this shipment: a carrier that answers under another form of the number (its own reference
    for the same parcel) must not have its events land in a new, orphan shipment."""
    with app.engine.begin() as conn:
        if store.claimed_for_poll(conn, claim.id, claim.worker, claim.lease_until) is None:
            return False
        for number in {store.normalise(e.tracking_number) for e in events}:
            store.add_number(conn, claim.id, slug, number, now)
    return True


def _settle(app: Garant, claim: _Claim, stats: PollStats, outcome: Outcome) -> None:
    """Write the next poll and release the claim, in one transaction, if the claim is ours."""
    with app.engine.begin() as conn:
        row = store.claimed_for_poll(conn, claim.id, claim.worker, claim.lease_until)
        if row is None:
            stats.lost += 1
            return
        next_at, failures = outcome(row)
        store.finish_poll(
            conn, claim.id, claim.worker, claim.lease_until,
            next_poll_at=next_at, poll_failures=failures,
        )  # fmt: skip


def _answered(now: datetime, schedule: PollSchedule) -> Outcome:
    def outcome(row: dict[str, Any]) -> tuple[datetime | None, int]:
        interval = schedule.interval(row["status"])
        if interval is None or now - row["created_at"] >= schedule.track_for:
            return None, 0
        return now + interval, 0

    return outcome


def _not_found(now: datetime, schedule: PollSchedule) -> Outcome:
    def outcome(row: dict[str, Any]) -> tuple[datetime | None, int]:
        since = row["last_event_at"] or row["created_at"]
        if now - since >= schedule.not_found_for:
            return None, 0
        return now + schedule.not_found, 0

    return outcome


def _failure(now: datetime, schedule: PollSchedule, retry_after: float | None) -> Outcome:
    def outcome(row: dict[str, Any]) -> tuple[datetime | None, int]:
        failures = int(row["poll_failures"]) + 1
        if retry_after is not None:  # the carrier said when: that, not our guess
            wait = max(timedelta(seconds=retry_after), schedule.retry_floor)
            return now + min(wait, schedule.backoff_cap), failures
        return now + schedule.backoff(failures), failures

    return outcome
