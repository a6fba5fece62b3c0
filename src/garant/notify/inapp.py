"""The in-app sink (TRK-9): ``inapp:<user_id>`` files a buyer notification in ``notifications``,
in French and English (the page shows the reader's language).

Insert-or-ignore on (message_id, user_id): a send repeated after a crash or a lost lease
leaves one notification, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from garant.app import Garant
from garant.notify import messages
from garant.notify.sinks import DeliveryFailed, Sink, SinkGone
from garant.store.schema import notifications

SINK_PREFIX = "inapp:"
_TITLE_CHARS = 300  # the column's size


def sink_name(user_id: int) -> str:
    return f"{SINK_PREFIX}{user_id}"


def _insert_once(conn: Connection) -> Insert:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(notifications).on_conflict_do_nothing(
        index_elements=["message_id", "user_id"]
    )


@dataclass(frozen=True)
class InAppSink:
    app: Garant
    recipient: messages.Recipient

    @property
    def name(self) -> str:
        return sink_name(self.recipient.user_id)

    def send(self, message_id: int, payload: dict[str, Any]) -> None:
        kind = str(payload.get("kind"))
        if kind not in messages.KINDS:
            raise DeliveryFailed(f"no in-app template for the kind '{kind}'")
        who = self.recipient
        # Read before the write transaction opens: the sandbox clock reads the database.
        now = self.app.clock.now()
        try:
            with self.app.engine.connect() as conn:
                destination = messages.destination_of(conn, payload)
            texts = {
                locale: messages.render(kind, locale, messages.context(
                    payload, locale, name=who.name, destination=destination,
                    base_url=self.app.settings.base_url))
                for locale in messages.LOCALES
            }
            order_id = payload.get("order_id")
            with self.app.engine.begin() as conn:
                conn.execute(_insert_once(conn), [{
                    "message_id": message_id,
                    "user_id": who.user_id,
                    "order_id": order_id if isinstance(order_id, int) else None,
                    "kind": kind,
                    "title_fr": texts["fr"].subject[:_TITLE_CHARS],
                    "title_en": texts["en"].subject[:_TITLE_CHARS],
                    "body_fr": texts["fr"].lead,
                    "body_en": texts["en"].lead,
                    "created_at": now,
                }])
        except OperationalError as exc:  # database busy or unreachable: try again later
            raise DeliveryFailed(f"database: {type(exc).__name__}") from exc


class InAppResolver:
    """Turns ``inapp:<user_id>`` into an ``InAppSink``; a removed user's deliveries die."""

    def __init__(self, app: Garant) -> None:
        self._app = app
        self._cache: dict[str, Sink] = {}

    def __call__(self, name: str) -> Sink:
        if name in self._cache:
            return self._cache[name]
        if not name.startswith(SINK_PREFIX):
            raise DeliveryFailed(f"this worker has no sink for '{name}'")
        try:
            user_id = int(name.removeprefix(SINK_PREFIX))
        except ValueError as exc:
            raise SinkGone(f"'{name}' names no user") from exc
        with self._app.engine.connect() as conn:
            who = messages.recipient(conn, user_id)
        if who is None:
            raise SinkGone(f"user {user_id} no longer exists")
        sink = InAppSink(self._app, who)
        self._cache[name] = sink
        return sink
