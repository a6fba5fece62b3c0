"""In-app notifications as their user reads them (the relay's in-app sink writes them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, RowMapping, and_, func, select, update

from garant.store.schema import notifications

_n = notifications

_COLUMNS = (
    _n.c.id,
    _n.c.kind,
    _n.c.order_id,
    _n.c.title_fr,
    _n.c.title_en,
    _n.c.body_fr,
    _n.c.body_en,
    _n.c.created_at,
    _n.c.read_at,
)


def page_of(
    conn: Connection, user_id: int, *, unread_only: bool, limit: int, before_id: int | None
) -> list[RowMapping]:
    """Up to ``limit`` of the user's notifications, newest first, older than ``before_id``."""
    query = select(*_COLUMNS).where(_n.c.user_id == user_id).order_by(_n.c.id.desc()).limit(limit)
    if unread_only:
        query = query.where(_n.c.read_at.is_(None))
    if before_id is not None:
        query = query.where(_n.c.id < before_id)
    return list(conn.execute(query).mappings())


def unread_count(conn: Connection, user_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(_n)
            .where(and_(_n.c.user_id == user_id, _n.c.read_at.is_(None)))
        ).scalar_one()
    )


def mark_read(
    conn: Connection, user_id: int, notification_id: int, now: datetime
) -> RowMapping | None:
    """Mark one of the user's notifications read, keeping the first time; None when it is not
    theirs (or does not exist)."""
    mine = and_(_n.c.id == notification_id, _n.c.user_id == user_id)
    conn.execute(update(_n).where(mine, _n.c.read_at.is_(None)).values(read_at=now))
    return conn.execute(select(*_COLUMNS).where(mine)).mappings().first()
