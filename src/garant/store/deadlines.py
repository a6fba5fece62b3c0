"""Deadlines as data: one row per (order, kind), kept in step with the order's state.

Claiming is safe with several workers: on PostgreSQL the candidate rows are locked with
``FOR UPDATE SKIP LOCKED`` so two workers never take the same row; on SQLite (one writer at a
time, and SQLAlchemy drops the locking clause) the claim is a single conditional
``UPDATE … RETURNING``. A claim carries a lease: a worker that dies leaves rows whose lease
runs out, and another worker takes them over. Whoever fires a row re-checks, in the same
transaction as the effect, that the claim is still its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, and_, insert, or_, select, update

from garant.store import bulk
from garant.store.order_reads import id_in
from garant.store.schema import deadlines

PENDING, CLAIMED, DONE, OBSOLETE, CANCELLED, FAILED = (
    "pending",
    "claimed",
    "done",
    "obsolete",
    "cancelled",
    "failed",
)
MAX_ATTEMPTS = 5


class WantedDeadline(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...


@dataclass(frozen=True)
class Claimed:
    id: int
    order_id: int
    kind: str


def sync_many(conn: Connection, wanted: Mapping[int, Iterable[WantedDeadline]]) -> None:
    """Make the rows of these orders match the deadlines their states imply: one SELECT, then
    at most one INSERT and two UPDATEs (executemany) whatever the number of orders."""
    if not wanted:
        return
    rows = conn.execute(
        select(
            deadlines.c.id,
            deadlines.c.order_id,
            deadlines.c.kind,
            deadlines.c.due_at,
            deadlines.c.status,
        ).where(id_in(conn, deadlines.c.order_id, list(wanted)))
    ).all()
    have: dict[int, dict[str, Any]] = {}
    for r in rows:
        have.setdefault(r.order_id, {})[r.kind] = r
    new: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for order_id, wanted_deadlines in wanted.items():
        want = {str(d.kind): d.due_at for d in wanted_deadlines}
        rows_of_order = have.get(order_id, {})
        for kind, due_at in want.items():
            row = rows_of_order.get(kind)
            if row is None:
                new.append(
                    {
                        "order_id": order_id,
                        "kind": kind,
                        "due_at": due_at,
                        "status": PENDING,
                        "attempts": 0,
                    }
                )
            elif row.due_at != due_at or row.status not in (PENDING, CLAIMED):
                moved.append({"_id": row.id, "due_at": due_at})
        for kind, row in rows_of_order.items():
            # A claimed row is left to the worker holding it: it will find the deadline
            # no longer applies and mark it obsolete.
            if kind not in want and row.status == PENDING:
                dropped.append({"_id": row.id})
    if new:
        conn.execute(insert(deadlines), new)
    bulk.update_many(
        conn,
        deadlines,
        moved,
        const={
            "status": PENDING,
            "claimed_by": None,
            "lease_until": None,
            "attempts": 0,
            "last_error": None,
            "fired_at": None,
        },
    )
    bulk.update_many(conn, deadlines, dropped, const={"status": CANCELLED})


def claim(
    conn: Connection, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    due = or_(
        and_(deadlines.c.status == PENDING, deadlines.c.due_at <= now),
        and_(deadlines.c.status == CLAIMED, deadlines.c.lease_until < now),
    )
    candidates = select(deadlines.c.id).where(due).order_by(deadlines.c.due_at).limit(limit)
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    rows = conn.execute(
        update(deadlines)
        .where(deadlines.c.id.in_(candidates.scalar_subquery()))
        .values(
            status=CLAIMED,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=deadlines.c.attempts + 1,
        )
        .returning(deadlines.c.id, deadlines.c.order_id, deadlines.c.kind)
    ).all()
    return [Claimed(r.id, r.order_id, r.kind) for r in rows]


def still_mine(conn: Connection, ids: Sequence[int], worker: str) -> set[int]:
    """Which of these claimed rows are still this worker's (locked on PostgreSQL until the
    transaction ends: a worker whose lease ran out cannot take them over meanwhile)."""
    if not ids:
        return set()
    query = select(deadlines.c.id).where(
        id_in(conn, deadlines.c.id, ids),
        deadlines.c.status == CLAIMED,
        deadlines.c.claimed_by == worker,
    )
    if conn.dialect.name == "postgresql":
        query = query.order_by(deadlines.c.id).with_for_update()
    return {int(i) for i in conn.execute(query).scalars()}


def finish(conn: Connection, outcomes: Mapping[int, bool], worker: str, now: datetime) -> int:
    """Mark fired rows done (applied) or obsolete (the state no longer called for them);
    return how many were still this worker's."""
    if not outcomes:
        return 0
    return bulk.update_many(
        conn,
        deadlines,
        [{"_id": i, "status": DONE if applied else OBSOLETE} for i, applied in outcomes.items()],
        const={"fired_at": now, "lease_until": None},
        where=[deadlines.c.status == CLAIMED, deadlines.c.claimed_by == worker],
    )


def release_after_error(conn: Connection, errors: Mapping[int, str], worker: str) -> None:
    """Give failed rows back for another attempt, or mark them failed after the last one."""
    if not errors:
        return
    attempts = dict(
        conn.execute(
            select(deadlines.c.id, deadlines.c.attempts).where(
                id_in(conn, deadlines.c.id, list(errors))
            )
        ).all()
    )
    bulk.update_many(
        conn,
        deadlines,
        [
            {
                "_id": i,
                "status": FAILED if attempts.get(i, MAX_ATTEMPTS) >= MAX_ATTEMPTS else PENDING,
                "last_error": error[:2000],
            }
            for i, error in errors.items()
        ],
        const={"claimed_by": None, "lease_until": None},
        where=[deadlines.c.claimed_by == worker, deadlines.c.status == CLAIMED],
    )


def for_order(conn: Connection, order_id: int) -> list[dict[str, object]]:
    rows = (
        conn.execute(
            select(deadlines).where(deadlines.c.order_id == order_id).order_by(deadlines.c.due_at)
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]
