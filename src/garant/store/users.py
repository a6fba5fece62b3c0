"""Users: who someone is (name, role, email), their token, a seller's return address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from garant.domain.transitions import Role
from garant.store.schema import users


def role_of(conn: Connection, user_id: int) -> str | None:
    role = conn.execute(select(users.c.role).where(users.c.id == user_id)).scalar()
    return None if role is None else str(role)


def roles_of(conn: Connection, user_ids: Iterable[int]) -> dict[int, str]:
    """user id → role, for those of the ids that exist (one query)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.role).where(users.c.id.in_(ids)))
    return {int(r.id): str(r.role) for r in rows}


def names_of(conn: Connection, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.name).where(users.c.id.in_(ids)))
    return {int(r.id): r.name for r in rows}


def people(conn: Connection, user_ids: Iterable[int]) -> dict[int, Any]:
    """user id → (id, name, email, role) for those of the ids that exist (one query)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = conn.execute(
        select(users.c.id, users.c.name, users.c.email, users.c.role).where(users.c.id.in_(ids))
    )
    return {int(r.id): r for r in rows}


def by_id(conn: Connection, user_id: int) -> Any | None:
    return conn.execute(select(users).where(users.c.id == user_id)).first()


def by_email(conn: Connection, email: str) -> Any | None:
    return conn.execute(select(users).where(users.c.email == email)).first()


def by_token_hash(conn: Connection, token_hash: str) -> Any | None:
    return conn.execute(select(users).where(users.c.token_hash == token_hash)).first()


def email_taken(conn: Connection, email: str) -> bool:
    return conn.execute(select(users.c.id).where(users.c.email == email)).scalar() is not None


def add(conn: Connection, *, name: str, email: str, role: str, locale: str, now: datetime) -> int:
    user_id = conn.execute(
        insert(users)
        .values(name=name, email=email, role=role, locale=locale, created_at=now)
        .returning(users.c.id)
    ).scalar_one()
    return int(user_id)


def set_token_hash(conn: Connection, user_id: int, token_hash: str) -> bool:
    """False when there is no such user."""
    done = conn.execute(
        update(users).where(users.c.id == user_id).values(token_hash=token_hash)
    ).rowcount
    return bool(done)


def set_return_address(conn: Connection, seller_id: int, text: str) -> bool:
    """False when ``seller_id`` is not a seller."""
    done = conn.execute(
        update(users)
        .where(users.c.id == seller_id, users.c.role == Role.SELLER.value)
        .values(return_address=text)
    ).rowcount
    return bool(done)
