"""Where each outbox message goes (TRK-9), and the sinks behind the names.

A buyer notification (topic ``notify.<kind>``) goes to that buyer by email (when they have an
address) and in the app, and like every other message to the active webhook endpoints. The
sinks are chosen when the message is fanned out, so each is a delivery row of its own with its
own retries: a mail server down does not hold back the in-app notification.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from garant.app import Garant
from garant.notify import email, inapp, messages
from garant.notify.relay import RelayStats, relay_once
from garant.notify.settings import SmtpSettings
from garant.notify.sinks import DeliveryFailed, Sink, SinkResolver
from garant.notify.webhooks import SINK_PREFIX as WEBHOOK_PREFIX
from garant.notify.webhooks import WebhookResolver, active_endpoint_sinks


def targets(conn: Connection, topic: str, payload: dict[str, Any]) -> list[str]:
    """The relay's ``Targets``: the buyer's own sinks for a notification, then the webhooks."""
    sinks: list[str] = []
    user_id = payload.get("user_id") if isinstance(payload, dict) else None
    if messages.kind_of(topic) is not None and isinstance(user_id, int):
        who = messages.recipient(conn, user_id)
        if who is not None:
            if "@" in who.email:
                sinks.append(email.sink_name(who.user_id))
            sinks.append(inapp.sink_name(who.user_id))
    return sinks + active_endpoint_sinks(conn, topic)


class _Resolver:
    """Dispatches a sink name to the resolver of its kind (``webhook:``, ``email:``,
    ``inapp:``); each caches what it read, so make one per relay pass."""

    def __init__(self, resolvers: dict[str, SinkResolver]) -> None:
        self._resolvers = resolvers

    def __call__(self, name: str) -> Sink:
        prefix = name.partition(":")[0] + ":"
        resolver = self._resolvers.get(prefix)
        if resolver is None:
            # Perhaps a sink of a newer release: leave it to a worker that knows it.
            raise DeliveryFailed(f"this worker has no sink for '{name}'")
        return resolver(name)


def resolve(app: Garant, smtp: SmtpSettings | None = None) -> SinkResolver:
    return _Resolver({
        WEBHOOK_PREFIX: WebhookResolver(app),
        email.SINK_PREFIX: email.EmailResolver(app, smtp),
        inapp.SINK_PREFIX: inapp.InAppResolver(app),
    })


def relay_all(app: Garant, worker: str, limit: int = 100, *, smtp: SmtpSettings | None = None,
              rand: Callable[[], float] = random.random) -> RelayStats:
    """One relay pass over every kind of sink: what the worker runs each round."""
    return relay_once(app, worker, limit, targets=targets, resolve=resolve(app, smtp),
                      rand=rand)
