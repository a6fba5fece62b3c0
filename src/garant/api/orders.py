"""Order routes. Thin: parse, call one service, return the caller's view of the order."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from garant.api.auth import ActorDep, GarantDep
from garant.api.schemas import ACTION_BODIES, Body, OrderCreate
from garant.domain.cancellation import BUYER_REASONS
from garant.domain.errors import InvalidInput
from garant.domain.transitions import TRANSITIONS, Action
from garant.services import order_lists
from garant.services import orders as service
from garant.services.views import order_view

router = APIRouter(prefix="/api/v1", tags=["orders"])


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise InvalidInput('If-Match must be the order\'s version number, e.g. "3"')
    return int(raw)


@router.get("/orders", summary="Orders visible to the caller, newest first, as summaries")
def list_orders(
    garant: GarantDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    state: str | None = None,
) -> dict[str, Any]:
    after = None
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidInput("cursor is not one this API gave; start again without it")
        after = int(cursor)
    items, next_id = order_lists.order_summaries(
        garant, actor=actor, limit=limit, cursor=after, states=[state] if state else None
    )
    # Summaries, one statement for the page; each item links to its full view.
    return {"items": items, "next_cursor": str(next_id) if next_id is not None else None}


@router.post("/orders", status_code=201, summary="Create an order (marketplace integration)")
def create_order(body: OrderCreate, garant: GarantDep, actor: ActorDep) -> JSONResponse:
    order_id = service.create_order(
        garant,
        actor=actor,
        buyer_id=body.buyer_id,
        seller_id=body.seller_id,
        items=[i.model_dump() for i in body.items],
        total=body.total,
        shipping_method=body.shipping_method,
        product_category=body.product_category,
        is_choice=body.is_choice,
        destination_country=body.destination_country,
        coupons_used=[c.model_dump() for c in body.coupons],
        external_ref=body.external_ref,
        checkout_id=body.checkout_id,
    )
    view = order_view(garant, order_id, actor)
    return JSONResponse(
        view,
        status_code=201,
        headers={"Location": f"/api/v1/orders/{order_id}", "ETag": f'"{view["version"]}"'},
    )


@router.get("/orders/{order_id}", summary="One order: status, timeline, allowed actions, deadlines")
def get_order(order_id: int, garant: GarantDep, actor: ActorDep) -> JSONResponse:
    view = order_view(garant, order_id, actor)
    return JSONResponse(view, headers={"ETag": f'"{view["version"]}"'})


@router.get("/cancellation-reasons", summary="CAN-2: the reasons a buyer can choose")
def cancellation_reasons() -> list[dict[str, str]]:
    return [
        {
            "code": r.code,
            "fr": r.fr,
            "en": r.en,
            "counts_against_seller": str(r.fault.value == "seller").lower(),
        }
        for r in BUYER_REASONS.values()
    ]


def _action_route(action: Action, model: type[Body]) -> None:
    def endpoint(
        order_id: int,
        body: Any,
        request: Request,
        garant: GarantDep,
        actor: ActorDep,
        if_match: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        service.perform(
            garant,
            order_id=order_id,
            actor=actor,
            action=action.value,
            params=body.model_dump(),
            expected_version=_version(if_match),
        )
        view = order_view(garant, order_id, actor)
        return JSONResponse(view, headers={"ETag": f'"{view["version"]}"'})

    rule = TRANSITIONS[action]
    # The body type is set per action so OpenAPI documents each one.
    endpoint.__annotations__["body"] = model
    endpoint.__name__ = action.value
    router.post(
        f"/orders/{{order_id}}/actions/{action.value}",
        summary=TRANSITIONS[action].meaning,
        description=(
            f"Allowed in states: {', '.join(sorted(s.value for s in rule.sources))}; "
            f"roles: {', '.join(sorted(r.value for r in rule.roles))}. Send If-Match with the "
            "order's version to refuse acting on a stale read (409)."
        ),
        name=action.value,
    )(endpoint)


for _action, _model in ACTION_BODIES.items():
    _action_route(_action, _model)
