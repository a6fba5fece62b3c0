"""The deadline sweeper's use case: claim due rows, fire each in its own transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from garant.app import Garant
from garant.services.orders import fire_deadline
from garant.store import deadlines as store
from garant.store import orders as order_store

log = logging.getLogger(__name__)


@dataclass
class SweepStats:
    claimed: int = 0
    applied: int = 0
    obsolete: int = 0
    lost: int = 0  # another worker took the claim over (our lease ran out)
    errors: int = 0


def sweep(app: Garant, worker: str, *, limit: int | None = None) -> SweepStats:
    stats = SweepStats()
    lease = timedelta(seconds=app.settings.lease_seconds)
    now = app.clock.now()
    with app.engine.begin() as conn:
        claimed = store.claim(conn, worker, now, lease, limit or app.settings.worker_batch)
    stats.claimed = len(claimed)
    for c in claimed:
        try:
            with app.engine.begin() as conn:
                # The order's lock before the deadline row's, as every API call does (it
                # locks the order, then syncs the deadline rows): the other way round, a
                # seller answering at the deadline and this worker deadlock each other.
                order_store.lock(conn, c.order_id)
                if not store.still_mine(conn, c.id, worker):
                    stats.lost += 1
                    continue
                applied = fire_deadline(conn, c.order_id, c.kind, now)
                if not store.finish(conn, c.id, worker, now, applied):
                    raise _LostClaim()
            if applied:
                stats.applied += 1
            else:
                stats.obsolete += 1
        except _LostClaim:
            stats.lost += 1
        except Exception as exc:  # one bad row must not stop the sweep
            log.exception("deadline %s (%s of order %s) failed", c.id, c.kind, c.order_id)
            stats.errors += 1
            with app.engine.begin() as conn:
                store.release_after_error(conn, c.id, worker, f"{type(exc).__name__}: {exc}")
    return stats


class _LostClaim(Exception):
    """Rolls the effect back: the claim is no longer ours."""
