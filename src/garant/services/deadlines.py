"""The deadline sweeper's use case: claim a batch of due rows, fire them together.

A batch is two transactions whatever its size: one claims the rows (with a lease), one fires
them all (``unit_of_work.fire_claims``: one load, one save, one settle). When the batch's
transaction fails as a whole, its orders are fired one at a time, so that one bad order is
released with its error and the others still take effect.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from garant.app import Garant
from garant.services import unit_of_work as uow
from garant.store import deadlines as store
from garant.store.deadlines import Claimed

log = logging.getLogger(__name__)


@dataclass
class SweepStats:
    claimed: int = 0
    applied: int = 0
    obsolete: int = 0
    lost: int = 0  # another worker took the claim over (our lease ran out)
    errors: int = 0

    def add(self, outcome: uow.BatchOutcome) -> None:
        self.applied += len(outcome.applied)
        self.obsolete += len(outcome.obsolete)
        self.lost += len(outcome.lost)
        self.errors += len(outcome.failed)


def sweep(app: Garant, worker: str, *, limit: int | None = None) -> SweepStats:
    stats = SweepStats()
    lease = timedelta(seconds=app.settings.lease_seconds)
    now = app.clock.now()
    with app.engine.begin() as conn:
        claimed = store.claim(conn, worker, now, lease, limit or app.settings.worker_batch)
    stats.claimed = len(claimed)
    if not claimed:
        return stats
    try:
        stats.add(_fire(app, claimed, worker, now))
    except Exception:
        log.exception("a batch of %s deadlines failed; firing its orders one by one", len(claimed))
        for group in uow.orders_of(claimed):
            try:
                stats.add(_fire(app, group, worker, now))
            except uow.LostClaims:
                stats.lost += len(group)
            except Exception as exc:  # this order's own failure: released with its error
                log.exception("deadlines of order %s failed", group[0].order_id)
                _release(app, {c.id: f"{type(exc).__name__}: {exc}" for c in group}, worker)
                stats.errors += len(group)
    return stats


def _fire(app: Garant, claims: Sequence[Claimed], worker: str, now: datetime) -> uow.BatchOutcome:
    with app.engine.begin() as conn:
        outcome = uow.fire_claims(conn, claims, worker, now)
    for deadline_id, error in outcome.failed.items():
        log.error("deadline %s failed: %s", deadline_id, error)
    _release(app, outcome.failed, worker)
    return outcome


def _release(app: Garant, errors: dict[int, str], worker: str) -> None:
    if errors:
        with app.engine.begin() as conn:
            store.release_after_error(conn, errors, worker)
