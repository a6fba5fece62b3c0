"""Webhook endpoints (operator actions) and the delivery status of outbox messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotFound
from garant.notify.webhooks import new_secret
from garant.store import webhooks as store
from garant.store.db import reading

_MAX_URL = 2000  # the column's length


@dataclass(frozen=True)
class Endpoint:
    """An endpoint as listed; the secret is shown once, by ``add_endpoint``, and never again."""

    id: int
    url: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    sink: str
    status: str  # pending, claimed (being sent), delivered, dead
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class MessageStatus:
    message_id: int
    topic: str
    created_at: datetime
    dispatched_at: datetime | None  # None: not fanned out yet, no delivery rows exist
    deliveries: list[Delivery]


class InvalidEndpointUrl(InvalidInput, ValueError):
    """Also a ValueError, so callers that treat bad input as ValueError (CLI) catch it too."""


def _check_url(url: str) -> str:
    url = url.strip()
    problem = None
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a port like ":99999" or ":abc"
    except ValueError:
        problem = "it is not a valid URL"
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it has no host name"
        elif any(ch.isspace() for ch in url):
            problem = "it contains spaces"
        elif len(url) > _MAX_URL:
            problem = f"it is longer than {_MAX_URL} characters"
    if problem:
        raise InvalidEndpointUrl(
            f"'{url[:200]}' cannot receive webhooks: {problem}. "
            "Give the full address, like https://example.com/garant/webhooks.",
            field="url",
        )
    return url


def add_endpoint(app: Garant, url: str) -> tuple[int, str]:
    """Register an endpoint for every future message; return its id and its signing secret."""
    url = _check_url(url)
    secret = new_secret()
    # Read the clock before the transaction: the sandbox clock reads the database, and on
    # SQLite a second connection would wait for the write lock this transaction holds.
    now = app.clock.now()
    with app.engine.begin() as conn:
        endpoint_id = store.add_endpoint(conn, url=url, secret=secret, now=now)
    return endpoint_id, secret


def list_endpoints(app: Garant) -> list[Endpoint]:
    with reading(app.engine) as conn:
        rows = store.endpoints(conn)
    return [Endpoint(r.id, r.url, r.active, r.created_at) for r in rows]


def disable_endpoint(app: Garant, endpoint_id: int) -> Endpoint:
    """Stop sending to an endpoint. New messages skip it; its pending deliveries are given up
    (dead, "endpoint disabled") when the relay reaches them. Disabling twice is harmless.
    """
    with app.engine.begin() as conn:
        row = store.disable_endpoint(conn, endpoint_id)
    if row is None:
        raise NotFound(
            f"No webhook endpoint {endpoint_id}; list them to see which exist.",
            endpoint_id=endpoint_id,
        )
    return Endpoint(row.id, row.url, row.active, row.created_at)


def delivery_status(app: Garant, message_id: int) -> MessageStatus:
    with reading(app.engine) as conn:
        message = store.message(conn, message_id)
        if message is None:
            raise NotFound(f"No outbox message {message_id}.", message_id=message_id)
        rows = store.deliveries(conn, message_id)
    return MessageStatus(
        message_id=message.id,
        topic=message.topic,
        created_at=message.created_at,
        dispatched_at=message.dispatched_at,
        deliveries=[
            Delivery(r.sink, r.status, r.attempts, r.next_attempt_at, r.last_error, r.delivered_at)
            for r in rows
        ],
    )
