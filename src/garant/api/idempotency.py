"""``Idempotency-Key`` on every POST: a retried request gets the first response back instead
of acting twice (a refund asked twice over a flaky network is still one refund)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.types import ASGIApp, Receive, Scope, Send

from garant.api.problems import problem
from garant.app import Garant
from garant.services.evidence import max_upload_bytes
from garant.services.users import authenticate
from garant.store import idempotency as store

MAX_KEY = 200


class _KeyedPostsOnly:
    """Only a POST with an ``Idempotency-Key`` goes through the idempotency check; every
    other request goes straight on (a Starlette ``BaseHTTPMiddleware`` costs a task and a
    stream per request, too much for the reads that are most of the traffic)."""

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction) -> None:
        self.app = app
        self.keyed = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and any(name == b"idempotency-key" for name, _ in scope["headers"])
        ):
            await self.keyed(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    async def _idempotency(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        key = request.headers.get("idempotency-key")
        if request.method != "POST" or key is None:
            return await call_next(request)
        if not key or len(key) > MAX_KEY:
            return problem(
                422,
                "invalid_idempotency_key",
                f"Idempotency-Key must be 1 to {MAX_KEY} characters.",
                request.url.path,
            )
        garant: Garant = request.app.state.garant
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        user = await run_in_threadpool(authenticate, garant, token) if token else None
        if user is None:
            return await call_next(request)  # the route answers 401
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_upload_bytes(garant.settings):
            # The body is held in memory to be hashed: refuse before reading one that no
            # route would accept (the largest is an evidence upload).
            return problem(
                413,
                "request_too_large",
                "The request body is larger than any request this API accepts.",
                request.url.path,
            )
        body = await request.body()
        digest = hashlib.sha256(
            request.method.encode()
            + b" "
            + request.url.path.encode()
            + b"\n"
            + _comparable(request.headers.get("content-type", ""), body)
        ).hexdigest()

        def _claim() -> store.Stored | bool | None:
            with garant.engine.begin() as conn:
                found = store.find(conn, user.id, key)
                if found is not None:
                    return found
                return store.reserve(
                    conn, user.id, key, request.method, request.url.path, digest, garant.clock.now()
                )

        claimed = await run_in_threadpool(_claim)
        if claimed is False:
            return _in_progress(request)
        if isinstance(claimed, store.Stored):
            if claimed.request_hash != digest:
                return problem(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request; use a "
                    "new key for a new request.",
                    request.url.path,
                )
            if claimed.status_code is None:
                return _in_progress(request)
            return Response(
                claimed.body or "",
                status_code=claimed.status_code,
                media_type=_media(claimed.status_code),
                headers={"Idempotent-Replayed": "true"},
            )

        response = await call_next(request)
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)

        def _finish() -> None:
            with garant.engine.begin() as conn:
                if response.status_code >= 500:
                    store.release(conn, user.id, key)  # let the client retry for real
                else:
                    store.complete(conn, user.id, key, response.status_code, content.decode())

        await run_in_threadpool(_finish)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(content, status_code=response.status_code, headers=headers)

    app.add_middleware(_KeyedPostsOnly, dispatch=_idempotency)


def _comparable(content_type: str, body: bytes) -> bytes:
    """A multipart body is framed by a boundary the client draws at random for each request,
    so a retried upload differs from the first only there: leave it out of the comparison."""
    if not content_type.lower().startswith("multipart/"):
        return body
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value.strip('"'):
            return body.replace(b"--" + value.strip('"').encode("latin-1", "replace"), b"--")
    return body


def _media(status: int) -> str:
    return "application/json" if status < 400 else "application/problem+json"


def _in_progress(request: Request) -> Response:
    return problem(
        409,
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still running; retry in a moment.",
        request.url.path,
    )
