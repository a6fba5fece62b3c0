"""In-app notification routes (TRK-9). Thin: parse, call one service, return the caller's own
notifications. Mounted by ``api.app`` with ``app.include_router(notifications.router)``."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from garant.api.auth import ActorDep, GarantDep
from garant.domain.errors import InvalidInput, NotFound
from garant.services import notifications as service

router = APIRouter(prefix="/api/v1", tags=["notifications"])


def _user_id(actor: ActorDep) -> int:
    if actor.user_id is None:  # only the system acts without a user, and it has no inbox
        raise NotFound("no notifications for this caller")
    return actor.user_id


@router.get("/notifications", summary="The caller's notifications, newest first")
def list_notifications(
    garant: GarantDep,
    actor: ActorDep,
    unread: Annotated[bool, Query(description="only those not read yet")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> dict[str, Any]:
    after = None
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidInput("cursor is not one this API gave; start again without it")
        after = int(cursor)
    user_id = _user_id(actor)
    items, next_id = service.list_notifications(
        garant, user_id=user_id, unread_only=unread, limit=limit, cursor=after
    )
    return {
        "items": [n.to_json() for n in items],
        "next_cursor": str(next_id) if next_id is not None else None,
        "unread": service.unread_count(garant, user_id=user_id),
    }


@router.post("/notifications/{notification_id}/read", summary="Mark one notification read")
def mark_read(notification_id: int, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    notification = service.mark_read(
        garant, user_id=_user_id(actor), notification_id=notification_id
    )
    return notification.to_json()
