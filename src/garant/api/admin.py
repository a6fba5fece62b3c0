"""Operator and platform routes: users, sandbox clock, refunds, seller metrics, policy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from garant.api.auth import ActorDep, GarantDep, UserDep
from garant.api.schemas import Body, ClockAdvance, UserCreate, WebhookCreate
from garant.domain.errors import DomainError, InvalidInput, NotAllowed
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services import orders as order_service
from garant.services import sandbox, users
from garant.services.sellers import seller_metrics
from garant.services.views import order_view
from garant.store.db import reading
from garant.store.policies import current_policy

router = APIRouter(prefix="/api/v1")


def _operator(actor: Actor) -> None:
    if actor.role is not Role.OPERATOR:
        raise NotAllowed("only an operator may do this")


@router.get("/me", tags=["users"])
def me(user: UserDep) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "locale": user.locale,
    }


@router.post("/users", tags=["users"], status_code=201)
def create_user(body: UserCreate, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    _operator(actor)
    user = users.create_user(
        garant, name=body.name, email=body.email, role=body.role, locale=body.locale
    )
    token = users.issue_token(garant, user.id)
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "token": token,
    }


@router.post("/users/{user_id}/token", tags=["users"])
def new_token(user_id: int, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    _operator(actor)
    return {"id": user_id, "token": users.issue_token(garant, user_id)}


@router.get(
    "/sellers/{seller_id}/metrics",
    tags=["sellers"],
    summary="CAN-9/SEL-1: seller-fault cancellations, on-time shipment",
)
def metrics(seller_id: int, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    return seller_metrics(garant, actor=actor, seller_id=seller_id)


class ReturnAddress(Body):
    address: str = Field(min_length=1, max_length=1000, description="postal lines, one per line")


@router.put(
    "/sellers/{seller_id}/return-address",
    tags=["sellers"],
    summary="DSP-5: where returns agreed in disputes are sent",
)
def return_address(
    seller_id: int, body: ReturnAddress, garant: GarantDep, actor: ActorDep
) -> dict[str, Any]:
    text = users.set_return_address(
        garant,
        actor_role=actor.role,
        actor_id=actor.user_id,
        seller_id=seller_id,
        address=body.address,
    )
    return {"seller_id": seller_id, "return_address": text}


@router.post(
    "/refunds/{refund_id}/settle",
    tags=["money"],
    summary="The payment provider confirms the refund reached the buyer",
)
def settle_refund(refund_id: int, garant: GarantDep, actor: ActorDep) -> JSONResponse:
    order_id = order_service.settle_refund(garant, actor=actor, refund_id=refund_id)
    return JSONResponse(order_view(garant, order_id, actor))


@router.get("/policy", tags=["policy"], summary="The current policy (new orders get it)")
def policy(garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    with garant.engine.begin() as conn:
        return current_policy(conn, garant.clock.now()).to_json()


@router.get("/sandbox/clock", tags=["sandbox"])
def clock_show(garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    return sandbox.clock_state(garant)


@router.post(
    "/sandbox/clock/advance",
    tags=["sandbox"],
    summary="Move time forward (sandbox mode only, operator only)",
)
def clock_advance(body: ClockAdvance, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    _operator(actor)
    try:
        return sandbox.advance(garant, body.by)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


@router.post(
    "/webhooks",
    tags=["webhooks"],
    status_code=201,
    summary="Register a webhook endpoint; the secret is shown once",
)
def add_webhook(body: WebhookCreate, garant: GarantDep, actor: ActorDep) -> dict[str, Any]:
    _operator(actor)
    from garant.services.webhooks import add_endpoint

    try:
        endpoint_id, secret = add_endpoint(garant, body.url)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return {"id": endpoint_id, "url": body.url, "secret": secret}


@router.get("/health", tags=["ops"])
def health(garant: GarantDep) -> dict[str, Any]:
    try:
        with reading(garant.engine) as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # report, do not raise: this is what monitoring reads
        raise DomainError(f"database unreachable: {type(exc).__name__}") from None
    return {"status": "ok", "sandbox": garant.settings.sandbox}
