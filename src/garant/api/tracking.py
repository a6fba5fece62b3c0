"""Tracking routes: the public timeline by number (TRK-1) and the ingest webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from garant.api.auth import ActorDep, GarantDep
from garant.carriers import aftership, track17
from garant.domain.errors import NotAllowed
from garant.domain.transitions import Role
from garant.http_common import TooManyRequests, public_lookup_wait
from garant.notify.webhooks import WebhookVerificationError, verify
from garant.services import ingest as ingest_service
from garant.services.tracking import public_view

router = APIRouter(prefix="/api/v1/tracking", tags=["tracking"])


@router.get("/{number}", summary="TRK-1: the public timeline of a tracking number")
def track(number: str, request: Request, garant: GarantDep) -> JSONResponse:
    wait = public_lookup_wait(request, garant.settings.public_tracking_per_minute)
    if wait:
        raise TooManyRequests(f"too many look-ups; try again in {wait} s", retry_after=wait)
    if not 4 <= len(number) <= 64:
        return JSONResponse(public_view(garant, number[:64] or "?"))
    return JSONResponse(public_view(garant, number))


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > 5 * 1024 * 1024:
        raise HTTPException(413, "payload too large")
    return body


def _signed_or_401(ok: bool, what: str) -> None:
    if not ok:
        raise HTTPException(401, f"{what}: the signature does not match; nothing was stored")


@router.post("/webhooks/17track", summary="17TRACK webhook (header `sign`)")
async def from_17track(request: Request, garant: GarantDep) -> dict[str, Any]:
    body = await _body(request)
    key = garant.settings.track17_api_key
    _signed_or_401(bool(key) and track17.verify_signature(request.headers, body, key), "17TRACK")
    return _ingest(garant, "17track", body, "webhook")


@router.post("/webhooks/aftership", summary="AfterShip webhook (header aftership-hmac-sha256)")
async def from_aftership(request: Request, garant: GarantDep) -> dict[str, Any]:
    body = await _body(request)
    secret = garant.settings.aftership_webhook_secret
    _signed_or_401(
        bool(secret) and aftership.verify_signature(request.headers, body, secret), "AfterShip"
    )
    return _ingest(garant, "aftership", body, "webhook")


@router.post("/push/{carrier}", summary="A carrier's own payload, signed (Standard Webhooks)")
async def carrier_push(carrier: str, request: Request, garant: GarantDep) -> dict[str, Any]:
    body = await _body(request)
    secret = garant.settings.carrier_push_secret
    try:
        if not secret:
            raise WebhookVerificationError("no secret configured")
        verify(secret, request.headers, body, garant.clock.now())
    except WebhookVerificationError:
        _signed_or_401(False, carrier)
    return _ingest(garant, carrier, body, "webhook")


@router.post("/events/{carrier}", summary="An operator posts a carrier's raw payload")
async def operator_push(
    carrier: str, request: Request, garant: GarantDep, actor: ActorDep
) -> dict[str, Any]:
    if actor.role not in (Role.OPERATOR, Role.AGENT):
        raise NotAllowed("only an operator or an agent may post carrier payloads")
    return _ingest(garant, carrier, await _body(request), "import")


def _ingest(garant: Any, carrier: str, body: bytes, source: str) -> dict[str, Any]:
    outcome = ingest_service.ingest_payload(garant, carrier=carrier, payload=body, source=source)
    r = outcome.report
    return {
        "carrier": carrier,
        "events": r.events,
        "added": r.added,
        "duplicates": r.duplicates,
        "shipments": r.shipments,
        "orders_moved": r.orders_moved,
    }
