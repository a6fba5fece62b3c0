"""Evidence routes (DSP-1, DSP-3). Thin: bound the body, parse the form, call one service.

The upload body is read as it arrives and refused once past the largest file any kind may be,
so a client cannot make the server spool an unbounded stream to memory or disk.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message

from garant.api.auth import ActorDep, GarantDep
from garant.domain.errors import InvalidInput
from garant.domain.evidence import EvidenceTooLarge, Limits, accepted_text, megabytes
from garant.domain.orders import Actor
from garant.http_common import content_disposition
from garant.services import evidence as service

router = APIRouter(prefix="/api/v1", tags=["evidence"])

_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "order_id": {"type": "integer", "description": "evidence about this order"},
                    "seller_id": {
                        "type": "integer",
                        "description": "or: a conversation with this shop outside any order",
                    },
                },
            }
        }
    },
}


@router.post(
    "/evidence",
    status_code=201,
    summary="DSP-3: upload a photo, screenshot, video or PDF as evidence",
    description=(
        "Multipart form: `file`, and `order_id` or `seller_id`. The type is read from the "
        "content, not the name. Pictures are shown to the other party without their metadata "
        "(location, camera); the original stays with the uploader and the platform's agents. "
        "Attach the returned id to a message or a dispute step."
    ),
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload_evidence(request: Request, garant: GarantDep, actor: ActorDep) -> JSONResponse:
    limits = service.limits_of(garant.settings)
    cap = service.max_upload_bytes(garant.settings)
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InvalidInput(
            "send the file as multipart/form-data, in a field named 'file', with order_id or "
            "seller_id beside it"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(limits)
    form = await Request(request.scope, _bounded(request, cap, limits)).form(
        max_files=1, max_fields=5
    )
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("the form has no file: send it in a field named 'file'")
        data = await upload.read()
        filename = upload.filename or ""
        order_id = _form_id(form.get("order_id"), "order_id")
        seller_id = _form_id(form.get("seller_id"), "seller_id")
    finally:
        await form.close()
    view = await run_in_threadpool(
        lambda: service.upload(
            garant,
            actor=actor,
            data=data,
            filename=filename,
            order_id=order_id,
            seller_id=seller_id,
        )
    )
    return JSONResponse(
        view, status_code=201, headers={"Location": f"/api/v1/evidence/{view['id']}"}
    )


def _bounded(request: Request, cap: int, limits: Limits) -> Any:
    """The request's receive channel, refusing once more than ``cap`` bytes came in (a body
    sent without Content-Length, in chunks, is bounded too)."""
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise _too_large(limits)
        return message

    return receive


def _too_large(limits: Limits) -> EvidenceTooLarge:
    return EvidenceTooLarge(
        f"The upload is larger than any evidence file may be ({megabytes(limits.largest)}). "
        f"{accepted_text(limits)}",
        limit_bytes=limits.largest,
    )


def _form_id(raw: object, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not raw.strip().isdigit():
        raise InvalidInput(f"{name} must be a whole number")
    return int(raw.strip())


@router.get(
    "/evidence/{evidence_id}",
    summary="An evidence file: the uploader's own, or the copy shown to the other party",
    response_class=Response,
)
def get_evidence(evidence_id: int, garant: GarantDep, actor: ActorDep) -> Response:
    return _file(garant, actor, evidence_id, original=None)


@router.get(
    "/evidence/{evidence_id}/original",
    summary="The original as uploaded, with its metadata (uploader, agents, operators)",
    response_class=Response,
)
def get_original(evidence_id: int, garant: GarantDep, actor: ActorDep) -> Response:
    return _file(garant, actor, evidence_id, original=True)


def _file(garant: Any, actor: Actor, evidence_id: int, *, original: bool | None) -> Response:
    data, content_type, filename = service.read(
        garant, actor=actor, evidence_id=evidence_id, original=original
    )
    return Response(
        data,
        media_type=content_type,
        headers={
            # Always a download, never rendered in our origin: a PDF or a picture from a
            # stranger must not run or be sniffed into something that runs.
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
            "X-Evidence-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )
