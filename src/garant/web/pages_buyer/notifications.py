"""The buyer's notifications: the list (all, or the unread ones), marking one read."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from garant.services import notifications
from garant.web.pages_buyer.common import per_page
from garant.web.rendering import redirect, redirect_with_flash, render, translator
from garant.web.session import BuyerDep, garant_of

router = APIRouter()


@router.get("/notifications")
def notifications_page(
    request: Request, user: BuyerDep, apres: str = "", non_lues: str = ""
) -> Response:
    garant = garant_of(request)
    cursor = int(apres) if apres.isdigit() else None
    unread_only = non_lues == "1"
    items, next_id = notifications.list_notifications(
        garant, user_id=user.id, unread_only=unread_only, limit=per_page(), cursor=cursor
    )
    base = {"non_lues": "1"} if unread_only else {}
    return render(
        request,
        "buyer/notifications.html",
        {
            "items": [n.to_json() for n in items],
            "unread": notifications.unread_count(garant, user_id=user.id),
            "unread_only": unread_only,
            "next_url": "/notifications?" + urlencode({**base, "apres": next_id})
            if next_id
            else None,
            "first_url": ("/notifications" + ("?non_lues=1" if unread_only else ""))
            if cursor
            else None,
        },
    )


@router.get("/notifications/{notification_id}/lu")
def notification_read_page(request: Request, notification_id: int, user: BuyerDep) -> Response:
    return redirect("/notifications", 303)


@router.post("/notifications/{notification_id}/lu")
def mark_notification_read(
    request: Request,
    notification_id: int,
    user: BuyerDep,
    next: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    notifications.mark_read(garant_of(request), user_id=user.id, notification_id=notification_id)
    if next.startswith("/commandes/") and "//" not in next:
        return redirect(next, 303)
    return redirect_with_flash(request, "/notifications", _("Marked as read."))
