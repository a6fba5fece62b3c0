"""Webhook endpoints, and what became of one outbox message (its deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from garant.store.schema import outbox, outbox_deliveries, webhook_endpoints

_e = webhook_endpoints
_LISTED = (_e.c.id, _e.c.url, _e.c.active, _e.c.created_at)


def add_endpoint(conn: Connection, *, url: str, secret: str, now: datetime) -> int:
    endpoint_id = conn.execute(
        insert(_e).values(url=url, secret=secret, active=True, created_at=now).returning(_e.c.id)
    ).scalar_one()
    return int(endpoint_id)


def endpoints(conn: Connection) -> list[Any]:
    """Every endpoint (id, url, active, created_at), oldest first; never the secret."""
    return list(conn.execute(select(*_LISTED).order_by(_e.c.id)).all())


def disable_endpoint(conn: Connection, endpoint_id: int) -> Any | None:
    """The endpoint as now listed, or None when there is no such endpoint."""
    return conn.execute(
        update(_e).where(_e.c.id == endpoint_id).values(active=False).returning(*_LISTED)
    ).first()


def message(conn: Connection, message_id: int) -> Any | None:
    """(id, topic, created_at, dispatched_at) of one outbox message."""
    return conn.execute(
        select(outbox.c.id, outbox.c.topic, outbox.c.created_at, outbox.c.dispatched_at).where(
            outbox.c.id == message_id
        )
    ).first()


def deliveries(conn: Connection, message_id: int) -> list[Any]:
    """The message's delivery rows, one per sink, in the order they were made."""
    return list(
        conn.execute(
            select(outbox_deliveries)
            .where(outbox_deliveries.c.message_id == message_id)
            .order_by(outbox_deliveries.c.id)
        ).all()
    )
