"""The web pages under "/", beside the API: ``install(app)`` is called by
``garant.asgi.create_app`` as its last step (it wraps the API's error handlers, so it must
come after them).

What it adds: signed sessions, security headers, /static, the page routers (each area has
its own module, with CSRF checked on every form by ``page_guard``), and error pages in the
page's language for anything that is not the API (the API keeps its problem+json).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from garant.domain.errors import DomainError
from garant.web import pages_account, pages_agent, pages_buyer, pages_public, pages_seller
from garant.web.refusals import Problem
from garant.web.rendering import STATIC_DIR, error_page
from garant.web.security import CsrfRefused, SecurityHeaders, is_web_path, page_guard
from garant.web.session import SignInRequired, WrongRole, install_sessions

log = logging.getLogger(__name__)

ROUTERS = (
    pages_account.router,  # /, /connexion, /deconnexion (the foundation's)
    pages_buyer.router,  # /commandes…
    pages_seller.router,  # /vendeur…
    pages_agent.router,  # /agent…
    pages_public.router,  # /suivi…
)

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}

Handler = Callable[[Request, Any], Awaitable[Response]]


def install(app: FastAPI) -> None:
    install_sessions(app, app.state.garant.settings)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(page_guard)], include_in_schema=False)
    _install_error_pages(app)


def _install_error_pages(app: FastAPI) -> None:
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/connexion?" + urlencode({"next": exc.next_url}), 303)

    async def wrong_role(request: Request, exc: WrongRole) -> Response:
        wanted = " or ".join(r.value for r in exc.roles)
        detail = f"This page is for a {wanted} account; you are signed in as a {exc.user.role}."
        return await _page(request, Problem("wrong_role", 403, detail), 403)

    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        return await _page(request, Problem(exc.code, 403), 403)

    async def domain(request: Request, exc: DomainError) -> Response:
        return await _page(request, Problem.from_error(exc), exc.http_status)

    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        # Starlette's own detail is the status phrase ("Not Found"): the sentence says more.
        detail = "" if exc.detail == HTTPStatus(exc.status_code).phrase else str(exc.detail)
        problem = Problem(code, exc.status_code, detail)
        return await _page(request, problem, exc.status_code, dict(exc.headers or {}))

    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query")),
             "message": e.get("msg", "")}
            for e in exc.errors()
        ]  # fmt: skip
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        problem = Problem("invalid_request", 400, f"Not valid: {summary}", errors=errors)
        return await _page(request, problem, 400)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on page %s", request.url.path)
        return await _page(request, Problem("internal_error", 500), 500)

    app.add_exception_handler(SignInRequired, sign_in_first)  # type: ignore[arg-type]
    app.add_exception_handler(WrongRole, wrong_role)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, csrf)  # type: ignore[arg-type]
    _beside_api(app, DomainError, domain)
    _beside_api(app, StarletteHTTPException, http)
    _beside_api(app, RequestValidationError, invalid)
    _beside_api(app, Exception, unexpected)


def _beside_api(app: FastAPI, exc_class: type[Exception], web_handler: Handler) -> None:
    """Pages get ``web_handler``; the API keeps the handler it had (problem+json)."""
    api_handler = app.exception_handlers.get(exc_class)

    async def handler(request: Request, exc: Exception) -> Response:
        if is_web_path(request.url.path):
            return await web_handler(request, exc)
        if api_handler is None:
            raise exc
        response = api_handler(request, exc)
        if isinstance(response, Awaitable):
            response = await response
        return response

    app.add_exception_handler(exc_class, handler)


async def _page(
    request: Request, problem: Problem, status: int, headers: dict[str, str] | None = None
) -> Response:
    try:
        response: Response = await run_in_threadpool(error_page, request, problem, status)
    except Exception:  # the error page itself failed: say it plainly, never loop
        log.exception("the error page for %s failed", request.url.path)
        response = PlainTextResponse(
            f"Error {status}. Nothing was changed. / Erreur {status}. Rien n'a été modifié.",
            status_code=status,
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
