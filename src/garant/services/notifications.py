"""In-app notifications (TRK-9): a user reads and marks their own, and nobody else's.

The rows are written by the relay's in-app sink (``notify.inapp``); this is the reading side.
A notification of someone else is "not found", never "forbidden": its id says nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotFound
from garant.store import notifications as store
from garant.store.db import reading


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    order_id: int | None
    title_fr: str
    title_en: str
    body_fr: str
    body_en: str
    created_at: datetime
    read_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "order_id": self.order_id,
            "title": {"fr": self.title_fr, "en": self.title_en},
            "body": {"fr": self.body_fr, "en": self.body_en},
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
            "read_at": self.read_at.isoformat() if self.read_at else None,
        }


def _notification(row: Mapping[Any, Any]) -> Notification:
    order_id = row["order_id"]
    return Notification(
        id=int(row["id"]),
        kind=row["kind"],
        order_id=None if order_id is None else int(order_id),
        title_fr=row["title_fr"],
        title_en=row["title_en"],
        body_fr=row["body_fr"],
        body_en=row["body_en"],
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


def list_notifications(
    app: Garant,
    *,
    user_id: int,
    unread_only: bool = False,
    limit: int = 20,
    cursor: int | None = None,
) -> tuple[list[Notification], int | None]:
    """The user's notifications, newest first; the cursor is the last id of the previous page
    (ids only grow, so a notification filed meanwhile never shifts a page)."""
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100")
    with reading(app.engine) as conn:
        found = store.page_of(
            conn, user_id, unread_only=unread_only, limit=limit + 1, before_id=cursor
        )
    rows = [_notification(r) for r in found]
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


def unread_count(app: Garant, *, user_id: int) -> int:
    with reading(app.engine) as conn:
        return store.unread_count(conn, user_id)


def mark_read(app: Garant, *, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read. Marking it again keeps the first time."""
    now = app.clock.now()  # before the transaction: the sandbox clock reads the database
    with app.engine.begin() as conn:
        row = store.mark_read(conn, user_id, notification_id, now)
    if row is None:
        raise NotFound(f"notification {notification_id} not found")
    return _notification(row)
