"""Refunds on their way to the buyer's payment method (settled when the provider confirms)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from garant.store import schema as t

_r = t.refunds


def refund(conn: Connection, refund_id: int) -> Any | None:
    """The refund's row (order_id, amount_cents, settled_at…), or None."""
    return conn.execute(select(_r).where(_r.c.id == refund_id)).first()


def mark_settled(conn: Connection, refund_id: int, now: datetime) -> bool:
    """Settle the refund unless it already was; False when another call settled it first."""
    done = conn.execute(
        update(_r).where(_r.c.id == refund_id, _r.c.settled_at.is_(None)).values(settled_at=now)
    ).rowcount
    return done == 1
