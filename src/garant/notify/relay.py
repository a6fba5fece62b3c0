"""Outbox relay: gets messages written by the services out to their sinks (webhooks; email and
in-app for TRK-9, see ``notify.routing``), after commit and with retries (DESIGN, "side effects
after commit").

One pass, ``relay_once``, does three things:

1. Fan-out. Each new message (``dispatched_at IS NULL``) gets one ``outbox_deliveries`` row per
   target sink, and is marked dispatched, in one transaction. PostgreSQL relays lock the
   messages with ``FOR UPDATE SKIP LOCKED``; SQLite has a single writer. The unique
   (message_id, sink) makes a repeat harmless anyway.
2. Claim. Due deliveries are taken with a lease, as ``store/deadlines.py`` claims deadlines,
   and the claim is committed before anything is sent: no transaction stays open across the
   network.
3. Send and record. Each claimed delivery is sent, then its result is written in a new
   transaction only if the claim is still ours. A success is never sent again; a send whose
   result was not recorded (crash, lost lease) may be repeated, which the receiver can spot
   by its ``webhook-id``: delivery is at least once.

"now" is read from ``app.clock`` before each transaction opens, never inside one: the sandbox
clock reads the database, and on SQLite a second connection would wait for our write lock.

``attempts`` counts sends started: it is incremented by the claim, like deadlines, so a worker
that keeps dying while sending one message still runs out of attempts.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Insert, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from garant.app import Garant
from garant.notify.sinks import DeliveryFailed, SinkGone, SinkResolver
from garant.notify.webhooks import WebhookResolver, active_endpoint_sinks
from garant.store.schema import outbox, outbox_deliveries

log = logging.getLogger(__name__)

PENDING, CLAIMED, DELIVERED, DEAD = "pending", "claimed", "delivered", "dead"
BACKOFF_CAP = timedelta(hours=1)
_ERROR_CHARS = 2000

# (connection, topic, payload) → names of the sinks a new message goes to. The payload is there
# because a buyer notification goes to that buyer's own sinks (``email:<user_id>``…).
Targets = Callable[[Connection, str, dict[str, Any]], list[str]]

_d = outbox_deliveries


def every_endpoint(conn: Connection, topic: str, payload: dict[str, Any]) -> list[str]:
    """The default ``Targets``: every active webhook endpoint, whatever the message."""
    return active_endpoint_sinks(conn, topic)


@dataclass
class RelayStats:
    fanned_out: int = 0  # messages marked dispatched in this pass
    delivered: int = 0
    failed: int = 0  # failed sends that will be retried
    dead: int = 0  # deliveries given up in this pass


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    message_id: int
    sink: str
    attempts: int  # including the one this claim is for
    lease_until: datetime
    payload: dict[str, Any]


def retry_delay(attempts: int, base_seconds: float, cap: timedelta = BACKOFF_CAP,
                rand: Callable[[], float] = random.random) -> timedelta:
    """Wait after the ``attempts``-th failed send: base·2^(attempts−1), capped, of which a random
    half is dropped ("equal jitter") so endpoints that failed together do not retry together,
    yet the wait never shrinks to nothing.
    """
    ceiling = min(cap.total_seconds(), base_seconds * 2.0 ** min(max(attempts - 1, 0), 40))
    return timedelta(seconds=ceiling / 2 + rand() * ceiling / 2)


def _insert_ignoring_duplicates(conn: Connection) -> Insert:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(_d).on_conflict_do_nothing(index_elements=["message_id", "sink"])


def fan_out(app: Garant, now: datetime, limit: int, targets: Targets = every_endpoint
            ) -> int:
    """Create the delivery rows of up to ``limit`` new messages; return how many messages."""
    with app.engine.begin() as conn:
        query = (select(outbox.c.id, outbox.c.topic, outbox.c.payload)
                 .where(outbox.c.dispatched_at.is_(None))
                 .order_by(outbox.c.id).limit(limit))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = conn.execute(query).all()
        if not messages:
            return 0
        rows: list[dict[str, Any]] = []
        for message in messages:
            rows += [dict(message_id=message.id, sink=sink, status=PENDING, attempts=0,
                          next_attempt_at=now)
                     for sink in targets(conn, message.topic, message.payload)]
        if rows:
            conn.execute(_insert_ignoring_duplicates(conn), rows)
        conn.execute(update(outbox)
                     .where(outbox.c.id.in_([m.id for m in messages]),
                            outbox.c.dispatched_at.is_(None))
                     .values(dispatched_at=now))
    return len(messages)


def claim(app: Garant, worker: str, now: datetime, lease: timedelta, limit: int
          ) -> tuple[list[ClaimedDelivery], int]:
    """Claim up to ``limit`` due deliveries for ``worker``; also return how many deliveries were
    given up because their sender kept disappearing.
    """
    max_attempts = app.settings.webhook_max_attempts
    with app.engine.begin() as conn:
        # A lease that ran out on the last allowed attempt: the sender died mid-send every
        # time. Say so instead of retrying forever.
        abandoned = conn.execute(
            update(_d)
            .where(and_(_d.c.status == CLAIMED, _d.c.lease_until < now,
                        _d.c.attempts >= max_attempts))
            .values(status=DEAD, claimed_by=None, lease_until=None,
                    last_error="the sender stopped during the last allowed attempt "
                               "without recording a result")
        ).rowcount
        due = or_(
            and_(_d.c.status == PENDING, _d.c.next_attempt_at <= now),
            and_(_d.c.status == CLAIMED, _d.c.lease_until < now),
        )
        candidates = (select(_d.c.id).where(due).order_by(_d.c.next_attempt_at, _d.c.id)
                      .limit(limit))
        if conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        lease_until = now + lease
        rows = conn.execute(
            update(_d)
            .where(_d.c.id.in_(candidates.scalar_subquery()))
            .values(status=CLAIMED, claimed_by=worker, lease_until=lease_until,
                    attempts=_d.c.attempts + 1)
            .returning(_d.c.id, _d.c.message_id, _d.c.sink, _d.c.attempts)
        ).all()
        payloads: dict[int, dict[str, Any]] = {}
        if rows:
            payloads = {m.id: m.payload for m in conn.execute(
                select(outbox.c.id, outbox.c.payload)
                .where(outbox.c.id.in_({r.message_id for r in rows}))
            )}
    claimed = [ClaimedDelivery(r.id, r.message_id, r.sink, r.attempts, lease_until,
                               payloads[r.message_id])
               for r in sorted(rows, key=lambda r: r.id)]
    return claimed, abandoned


def _record(app: Garant, worker: str, delivery_id: int, values: dict[str, Any]) -> bool:
    """Write a result if the claim is still ours; someone who took over an expired lease owns
    the row now and will record its own send.
    """
    with app.engine.begin() as conn:
        result = conn.execute(
            update(_d)
            .where(and_(_d.c.id == delivery_id, _d.c.status == CLAIMED,
                        _d.c.claimed_by == worker))
            .values(claimed_by=None, lease_until=None, **values)
        )
    if result.rowcount != 1:
        log.warning("delivery %s: claim lost by %s before its result was recorded",
                    delivery_id, worker)
    return result.rowcount == 1


def _release(app: Garant, worker: str, delivery_ids: list[int]) -> None:
    """Hand back claims we will not send in time; the attempt never started, so uncount it."""
    with app.engine.begin() as conn:
        conn.execute(
            update(_d)
            .where(and_(_d.c.id.in_(delivery_ids), _d.c.status == CLAIMED,
                        _d.c.claimed_by == worker))
            .values(status=PENDING, claimed_by=None, lease_until=None,
                    attempts=_d.c.attempts - 1)
        )


def deliver(app: Garant, worker: str, delivery: ClaimedDelivery, resolve: SinkResolver,
            stats: RelayStats, rand: Callable[[], float] = random.random) -> None:
    """Send one claimed delivery (outside any transaction) and record what happened."""
    try:
        resolve(delivery.sink).send(delivery.message_id, delivery.payload)
    except SinkGone as gone:
        if _record(app, worker, delivery.id,
                   dict(status=DEAD, last_error=gone.reason[:_ERROR_CHARS])):
            stats.dead += 1
        return
    except DeliveryFailed as failed:
        reason = failed.reason
    except Exception as exc:  # a bug in a sink must not stop the other deliveries
        log.exception("delivery %s to %s: unexpected error", delivery.id, delivery.sink)
        reason = f"unexpected {type(exc).__name__}: {exc}"
    else:
        if _record(app, worker, delivery.id,
                   dict(status=DELIVERED, delivered_at=app.clock.now())):
            stats.delivered += 1
        return
    settings = app.settings
    if delivery.attempts >= settings.webhook_max_attempts:
        if _record(app, worker, delivery.id,
                   dict(status=DEAD, last_error=reason[:_ERROR_CHARS])):
            stats.dead += 1
        return
    wait = retry_delay(delivery.attempts, settings.outbox_retry_base_seconds, rand=rand)
    if _record(app, worker, delivery.id,
               dict(status=PENDING, next_attempt_at=app.clock.now() + wait,
                    last_error=reason[:_ERROR_CHARS])):
        stats.failed += 1


def relay_once(app: Garant, worker: str, limit: int = 100, *, targets: Targets | None = None,
               resolve: SinkResolver | None = None,
               rand: Callable[[], float] = random.random) -> RelayStats:
    """One pass of the relay: fan out up to ``limit`` new messages, then send up to ``limit``
    due deliveries. ``targets`` and ``resolve`` default to the webhook endpoints; other sinks
    plug in there (``notify.routing.relay_all`` adds email and in-app).
    """
    settings = app.settings
    stats = RelayStats()
    stats.fanned_out = fan_out(app, app.clock.now(), limit, targets or every_endpoint)
    resolve = resolve or WebhookResolver(app)
    lease = timedelta(seconds=settings.lease_seconds)
    # A send may take up to the timeout for each of connect and response, so only claim as many
    # as can be sent well within one lease: otherwise the lease of the last ones would run out
    # while we are still busy, and another relay would send them too.
    per_send = timedelta(seconds=2 * max(settings.webhook_timeout_seconds, 0.5))
    chunk = max(1, int(lease / per_send))
    claimed_total = 0
    while claimed_total < limit:
        claimed, abandoned = claim(app, worker, app.clock.now(), lease,
                                   min(chunk, limit - claimed_total))
        stats.dead += abandoned
        if not claimed:
            break
        claimed_total += len(claimed)
        for index, delivery in enumerate(claimed):
            # The first one is always sent, so a lease shorter than a send cannot stall us.
            if index and app.clock.now() + per_send > delivery.lease_until:
                _release(app, worker, [d.id for d in claimed[index:]])
                break
            deliver(app, worker, delivery, resolve, stats, rand)
    return stats
