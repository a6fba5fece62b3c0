"""DSP-1: message threads (one per order, one per buyer and shop) and their messages.

Messages are only ever appended (the database refuses UPDATE and DELETE on ``messages``);
a thread's ``last_message_at`` is the one thing that moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from garant.store import schema as t

_th = t.message_threads
_m = t.messages


# ----------------------------------------------------------------------------- threads


def thread_id_of(conn: Connection, key: str) -> int | None:
    found = conn.execute(select(_th.c.id).where(_th.c.key == key)).scalar()
    return None if found is None else int(found)


def thread(conn: Connection, key: str) -> RowMapping | None:
    return conn.execute(select(_th).where(_th.c.key == key)).mappings().first()


def open_thread(
    conn: Connection, *, key: str, order_id: int | None, buyer_id: int, seller_id: int,
    now: datetime,
) -> int:  # fmt: skip
    """The thread's id, creating it when this is its first message. Two first messages at
    once: the unique key lets one thread in, the other reuses it."""
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        dialect_insert(_th)
        .on_conflict_do_nothing(index_elements=["key"])
        .values(
            key=key,
            order_id=order_id,
            buyer_id=buyer_id,
            seller_id=seller_id,
            created_at=now,
            last_message_at=now,
        )
    )
    return int(conn.execute(select(_th.c.id).where(_th.c.key == key)).scalar_one())


def touch_thread(conn: Connection, thread_id: int, now: datetime) -> None:
    """Never backwards: a message stamped earlier (clocks of two processes) keeps the later
    time."""
    conn.execute(
        update(_th)
        .where(
            _th.c.id == thread_id,
            or_(_th.c.last_message_at.is_(None), _th.c.last_message_at < now),
        )
        .values(last_message_at=now)
    )


def threads_page(
    conn: Connection,
    *,
    limit: int,
    buyer_id: int | None = None,
    seller_id: int | None = None,
    after: tuple[datetime, int] | None = None,
) -> list[RowMapping]:
    """Up to ``limit`` threads, most recent message first: a buyer's, a shop's, or (neither
    given) every thread; ``after`` is the (last activity, id) of the previous page's last."""
    query = select(_th).order_by(_th.c.last_message_at.desc(), _th.c.id.desc()).limit(limit)
    if buyer_id is not None:
        query = query.where(_th.c.buyer_id == buyer_id)
    if seller_id is not None:
        query = query.where(_th.c.seller_id == seller_id)
    if after is not None:
        at, after_id = after
        query = query.where(
            or_(
                _th.c.last_message_at < at,
                and_(_th.c.last_message_at == at, _th.c.id < after_id),
            )
        )
    return list(conn.execute(query).mappings())


# ----------------------------------------------------------------------------- messages


def _with_author() -> Select[Any]:
    return select(_m, t.users.c.name.label("author_name")).join(
        t.users, t.users.c.id == _m.c.author_id
    )


def add_message(
    conn: Connection, *, thread_id: int, author_id: int, author_role: str, body: str,
    attachments: Sequence[int], now: datetime,
) -> int:  # fmt: skip
    message_id = conn.execute(
        insert(_m)
        .values(
            thread_id=thread_id,
            author_id=author_id,
            author_role=author_role,
            body=body,
            attachments=list(attachments),
            created_at=now,
        )
        .returning(_m.c.id)
    ).scalar_one()
    return int(message_id)


def message(conn: Connection, message_id: int) -> RowMapping:
    """One message with its author's name (``author_name``)."""
    return conn.execute(_with_author().where(_m.c.id == message_id)).mappings().one()


def messages_of(conn: Connection, thread_id: int) -> list[RowMapping]:
    """The thread's messages with their authors' names, oldest first."""
    query = _with_author().where(_m.c.thread_id == thread_id).order_by(_m.c.id)
    return list(conn.execute(query).mappings())


def last_messages(conn: Connection, thread_ids: Sequence[int]) -> list[RowMapping]:
    """The latest message of each of the threads, with its author's name (one query)."""
    if not thread_ids:
        return []
    latest = (
        select(func.max(_m.c.id))
        .where(_m.c.thread_id.in_(list(thread_ids)))
        .group_by(_m.c.thread_id)
        .scalar_subquery()
    )
    return list(conn.execute(_with_author().where(_m.c.id.in_(latest))).mappings())


def authors_with_role(conn: Connection, thread_id: int, roles: Iterable[str]) -> list[int]:
    """Who of these roles has written in the thread, in the order of their first message."""
    authors = conn.execute(
        select(_m.c.author_id)
        .where(_m.c.thread_id == thread_id, _m.c.author_role.in_(list(roles)))
        .group_by(_m.c.author_id)
        .order_by(func.min(_m.c.id))
    ).scalars()
    return [int(a) for a in authors]
