"""Message threads (DSP-1). Thin: parse, call one service, return what it gives.

An order's thread is between its buyer and its seller (agents join by writing); a shop's
thread is a buyer's conversation with a seller outside any order. Mounted by ``api.app``.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from garant.api.auth import ActorDep, GarantDep
from garant.api.schemas import Body
from garant.services import messages as service

router = APIRouter(prefix="/api/v1", tags=["messages"])

BUYER_ID = Query(description="the buyer of the conversation (the shop's and agents' side)")


class MessageIn(Body):
    body: str = Field(description="the text; may be empty when there is an attachment")
    attachments: list[int] = Field(default_factory=list, description="evidence ids from an upload")


class ShopMessageIn(MessageIn):
    buyer_id: int | None = Field(
        default=None, description="the buyer answered (the shop's and agents' side)"
    )


@router.get("/orders/{order_id}/messages", summary="DSP-1: the order's message thread")
def order_thread(order_id: int, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    return service.order_thread(garant, actor=actor, order_id=order_id)


@router.post(
    "/orders/{order_id}/messages",
    status_code=201,
    summary="DSP-1: write in the order's thread (kept as evidence; cannot be edited)",
)
def post_order_message(
    order_id: int, body: MessageIn, garant: GarantDep, actor: ActorDep
) -> dict[str, Any]:
    return service.post_order_message(
        garant, actor=actor, order_id=order_id, body=body.body, attachments=body.attachments
    )


@router.get("/shops/{seller_id}/messages", summary="DSP-1: a buyer's conversation with a shop")
def shop_thread(
    seller_id: int,
    garant: GarantDep,
    actor: ActorDep,
    buyer_id: Annotated[int | None, BUYER_ID] = None,
) -> dict[str, Any]:
    return service.shop_thread(garant, actor=actor, seller_id=seller_id, buyer_id=buyer_id)


@router.post(
    "/shops/{seller_id}/messages",
    status_code=201,
    summary="DSP-1: write to a shop outside any order, or answer a buyer who wrote",
)
def post_shop_message(
    seller_id: int, body: ShopMessageIn, garant: GarantDep, actor: ActorDep
) -> dict[str, Any]:
    return service.post_shop_message(
        garant,
        actor=actor,
        seller_id=seller_id,
        body=body.body,
        attachments=body.attachments,
        buyer_id=body.buyer_id,
    )


@router.get("/threads", summary="DSP-1: the caller's threads, most recent message first")
def list_threads(
    garant: GarantDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> dict[str, Any]:
    items, next_cursor = service.list_threads(garant, actor=actor, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}
