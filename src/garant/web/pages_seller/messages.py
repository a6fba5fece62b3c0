"""The seller's conversations: the threads, most recent first; a buyer's conversation with
the shop, the answer form (with files), its files."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.domain.errors import DomainError
from garant.services import messages as message_service
from garant.services.users import User
from garant.web.forms import act_then_redirect, describe_files, evidence_download, upload_files
from garant.web.pages_seller.common import PAGE_SIZE, Files, Text, message_errors
from garant.web.rendering import render, render_with_problem, translator
from garant.web.session import SellerDep, actor_of, garant_of

router = APIRouter()


@router.get("/vendeur/messages")
def seller_threads(request: Request, user: SellerDep, apres: str = "") -> Response:
    garant, actor = garant_of(request), actor_of(user)
    items, next_cursor = message_service.list_threads(
        garant, actor=actor, limit=PAGE_SIZE, cursor=apres or None
    )
    ctx: dict[str, Any] = {"threads": items}
    if next_cursor is not None:
        ctx["next_url"] = "/vendeur/messages?" + urlencode({"apres": next_cursor})
    if apres:
        ctx["first_url"] = "/vendeur/messages"
    return render(request, "seller/messages.html", ctx)


def _thread_page(
    request: Request, user: User, buyer_id: int, error: DomainError | None = None, **extra: Any
) -> Response:
    garant, actor = garant_of(request), actor_of(user)
    thread = message_service.shop_thread(garant, actor=actor, seller_id=user.id, buyer_id=buyer_id)
    attached = [i for message in thread["messages"] for i in message["attachments"]]
    buyer = next((p for p in thread["participants"] if p["id"] == buyer_id), None)
    ctx = {
        "thread": thread,
        "buyer": buyer,
        "files": describe_files(garant, attached),
        "values": {},
        **extra,
    }
    if error is None:
        return render(request, "seller/thread.html", ctx)
    return render_with_problem(request, "seller/thread.html", ctx, error)


@router.get("/vendeur/messages/acheteurs/{buyer_id}")
def shop_thread(request: Request, buyer_id: int, user: SellerDep) -> Response:
    return _thread_page(request, user, buyer_id)


@router.get("/vendeur/messages/acheteurs/{buyer_id}/preuves/{evidence_id}")
def shop_evidence(request: Request, buyer_id: int, evidence_id: int, user: SellerDep) -> Response:
    return evidence_download(garant_of(request), actor_of(user), evidence_id, inline_images=True)


@router.post("/vendeur/messages/acheteurs/{buyer_id}")
def answer_buyer(
    request: Request,
    buyer_id: int,
    user: SellerDep,
    body: Text = "",
    attachments: Files = None,
) -> Response:
    _ = translator(request)
    garant, actor = garant_of(request), actor_of(user)
    # The conversation first: a shop answers only buyers who wrote to it (404 otherwise).
    message_service.shop_thread(garant, actor=actor, seller_id=user.id, buyer_id=buyer_id)

    def act() -> None:
        ids = upload_files(garant, actor, attachments, seller_id=user.id, check_size_first=True)
        message_service.post_shop_message(
            garant, actor=actor, seller_id=user.id, buyer_id=buyer_id, body=body, attachments=ids
        )

    def refused(e: DomainError) -> Response:
        return _thread_page(
            request, user, buyer_id, e, field_errors=message_errors(e, _), values={"body": body}
        )

    return act_then_redirect(
        request,
        act,
        url=f"/vendeur/messages/acheteurs/{buyer_id}",
        message=_("Message sent to the buyer."),
        refused=refused,
    )
