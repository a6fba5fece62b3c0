"""Users and their bearer tokens. Tokens are stored hashed; the clear token is shown once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotFound
from garant.domain.transitions import Role
from garant.store import users as store
from garant.store.db import reading

HUMAN_ROLES = (Role.BUYER, Role.SELLER, Role.AGENT, Role.OPERATOR)


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str
    role: Role
    locale: str = "fr"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(app: Garant, *, name: str, email: str, role: str, locale: str = "fr") -> User:
    if role not in {r.value for r in HUMAN_ROLES}:
        raise InvalidInput(f"unknown role '{role}'; use one of: buyer, seller, agent, operator")
    if not name.strip() or "@" not in email:
        raise InvalidInput("a user needs a name and an email address")
    # Before the transaction: the sandbox clock reads the database, and on SQLite it would
    # wait for the write lock this transaction holds.
    now = app.clock.now()
    with app.engine.begin() as conn:
        if store.email_taken(conn, email):
            raise InvalidInput(f"a user with the email {email} already exists")
        user_id = store.add(conn, name=name, email=email, role=role, locale=locale, now=now)
    return User(user_id, name, email, Role(role), locale)


def issue_token(app: Garant, user_id: int) -> str:
    """A new token for the user; the previous one stops working."""
    token = "gar_" + secrets.token_urlsafe(32)
    with app.engine.begin() as conn:
        done = store.set_token_hash(conn, user_id, _hash(token))
    if not done:
        raise NotFound(f"no user {user_id}")
    return token


def authenticate(app: Garant, token: str) -> User | None:
    with reading(app.engine) as conn:
        row = store.by_token_hash(conn, _hash(token))
    if row is None:
        return None
    return User(row.id, row.name, row.email, Role(row.role), row.locale)


def get_user(app: Garant, user_id: int) -> User:
    with reading(app.engine) as conn:
        row = store.by_id(conn, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return User(row.id, row.name, row.email, Role(row.role), row.locale)


def find_by_email(app: Garant, email: str) -> User | None:
    with reading(app.engine) as conn:
        row = store.by_email(conn, email)
    return None if row is None else User(row.id, row.name, row.email, Role(row.role), row.locale)


def set_return_address(app: Garant, *, actor_role: Role, actor_id: int | None, seller_id: int,
                       address: str) -> str:  # fmt: skip
    """DSP-5: where a return agreed in a dispute goes. The seller's own, or set by an
    operator; a few postal lines."""
    if actor_role is not Role.OPERATOR and not (
        actor_role is Role.SELLER and actor_id == seller_id
    ):
        raise NotFound(f"seller {seller_id} not found")
    lines = [line.strip() for line in address.strip().splitlines() if line.strip()]
    if not 2 <= len(lines) <= 8 or any(len(line) > 120 for line in lines):
        raise InvalidInput(
            "a return address is 2 to 8 lines of at most 120 characters "
            "(name, street, postcode and town, country)"
        )
    text = "\n".join(lines)
    with app.engine.begin() as conn:
        done = store.set_return_address(conn, seller_id, text)
    if not done:
        raise NotFound(f"seller {seller_id} not found")
    return text


def return_address_of(app: Garant, *, seller_id: int) -> str:
    """The seller's return address as saved ('' when none)."""
    from garant.store.disputes import seller_return_address

    with reading(app.engine) as conn:
        return seller_return_address(conn, seller_id) or ""
