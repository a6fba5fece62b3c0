"""Idempotency keys: the first POST with a key runs; a repeat replays its response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from garant.store.schema import idempotency_keys as keys


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status_code: int | None  # None: the first request is still running
    body: str | None


def find(conn: Connection, user_id: int, key: str) -> Stored | None:
    row = conn.execute(
        select(keys.c.request_hash, keys.c.status_code, keys.c.response_body)
        .where(and_(keys.c.user_id == user_id, keys.c.key == key))
    ).first()
    return None if row is None else Stored(row[0], row[1], row[2])


def reserve(conn: Connection, user_id: int, key: str, method: str, path: str,
            request_hash: str, now: datetime) -> bool:
    """True when this request holds the key; False when another got it first."""
    try:
        with conn.begin_nested():
            conn.execute(insert(keys).values(user_id=user_id, key=key, method=method,
                                             path=path, request_hash=request_hash,
                                             created_at=now))
    except IntegrityError:
        return False
    return True


def complete(conn: Connection, user_id: int, key: str, status_code: int, body: str) -> None:
    conn.execute(update(keys).where(and_(keys.c.user_id == user_id, keys.c.key == key))
                 .values(status_code=status_code, response_body=body))


def release(conn: Connection, user_id: int, key: str) -> None:
    conn.execute(delete(keys).where(and_(keys.c.user_id == user_id, keys.c.key == key)))


def purge_older_than(conn: Connection, cutoff: datetime) -> int:
    return conn.execute(delete(keys).where(keys.c.created_at < cutoff)).rowcount
