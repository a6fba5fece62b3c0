"""Deadlines as data: one row per (order, kind), kept in step with the order's state.

Claiming is safe with several workers: on PostgreSQL the candidate rows are locked with
``FOR UPDATE SKIP LOCKED`` so two workers never take the same row; on SQLite (one writer at a
time, and SQLAlchemy drops the locking clause) the claim is a single conditional
``UPDATE … RETURNING``. A claim carries a lease: a worker that dies leaves rows whose lease
runs out, and another worker takes them over. Whoever fires a row re-checks, in the same
transaction as the effect, that the claim is still its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, and_, insert, or_, select, update

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


def sync(conn: Connection, order_id: int, wanted: Iterable[WantedDeadline]) -> None:
    """Make the rows of one order match the deadlines its state implies."""
    want = {str(d.kind): d.due_at for d in wanted}
    rows = conn.execute(
        select(deadlines.c.id, deadlines.c.kind, deadlines.c.due_at, deadlines.c.status).where(
            deadlines.c.order_id == order_id
        )
    ).all()
    have = {r.kind: r for r in rows}
    for kind, due_at in want.items():
        row = have.get(kind)
        if row is None:
            conn.execute(
                insert(deadlines).values(
                    order_id=order_id, kind=kind, due_at=due_at, status=PENDING, attempts=0
                )
            )
        elif row.due_at != due_at or row.status not in (PENDING, CLAIMED):
            conn.execute(
                update(deadlines)
                .where(deadlines.c.id == row.id)
                .values(
                    due_at=due_at,
                    status=PENDING,
                    claimed_by=None,
                    lease_until=None,
                    attempts=0,
                    last_error=None,
                    fired_at=None,
                )
            )
    for kind, row in have.items():
        # A claimed row is left to the worker holding it: it will find the deadline
        # no longer applies and mark it obsolete.
        if kind not in want and row.status == PENDING:
            conn.execute(update(deadlines).where(deadlines.c.id == row.id).values(status=CANCELLED))


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


def still_mine(conn: Connection, deadline_id: int, worker: str) -> bool:
    query = select(deadlines.c.status, deadlines.c.claimed_by).where(deadlines.c.id == deadline_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return row is not None and row.status == CLAIMED and row.claimed_by == worker


def finish(conn: Connection, deadline_id: int, worker: str, now: datetime, applied: bool) -> bool:
    result = conn.execute(
        update(deadlines)
        .where(
            and_(
                deadlines.c.id == deadline_id,
                deadlines.c.status == CLAIMED,
                deadlines.c.claimed_by == worker,
            )
        )
        .values(status=DONE if applied else OBSOLETE, fired_at=now, lease_until=None)
    )
    return result.rowcount == 1


def release_after_error(conn: Connection, deadline_id: int, worker: str, error: str) -> None:
    row = conn.execute(select(deadlines.c.attempts).where(deadlines.c.id == deadline_id)).first()
    attempts = row.attempts if row else MAX_ATTEMPTS
    conn.execute(
        update(deadlines)
        .where(
            and_(
                deadlines.c.id == deadline_id,
                deadlines.c.claimed_by == worker,
                deadlines.c.status == CLAIMED,
            )
        )
        .values(
            status=FAILED if attempts >= MAX_ATTEMPTS else PENDING,
            claimed_by=None,
            lease_until=None,
            last_error=error[:2000],
        )
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
