"""The outbox: the one place that writes its rows.

Side effects (webhooks, email, in-app) are messages written in the transaction of the change
that calls for them and sent by the relay after commit. Every writer hands its messages here,
so a batch of them costs one multi-row INSERT whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from garant.store import bulk
from garant.store.schema import outbox


@dataclass(frozen=True)
class Message:
    topic: str
    order_id: int | None
    created_at: datetime
    payload: dict[str, Any]


def append(conn: Connection, messages: Sequence[Message]) -> int:
    """Write the messages in one statement; return how many."""
    if not messages:
        return 0
    bulk.insert_many(
        conn,
        outbox,
        [
            {
                "topic": m.topic,
                "order_id": m.order_id,
                "created_at": m.created_at,
                "payload": m.payload,
            }
            for m in messages
        ],
    )
    return len(messages)
