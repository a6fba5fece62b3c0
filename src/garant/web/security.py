"""CSRF protection of every web form, and the security headers of every page.

CSRF: each session has a random token; the ``csrf_field()`` macro puts it in every form, and
``page_guard`` (a dependency on every web router, added by ``web.app``) refuses a POST, PUT,
PATCH or DELETE whose ``csrf_token`` field (or ``X-CSRF-Token`` header, for scripts) does not
match, before the handler runs: nothing changes. The API under /api/v1 is not concerned: it
takes bearer tokens, which a browser never sends by itself.
"""

from __future__ import annotations

import secrets

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from garant.web.i18n import normalize
from garant.web.session import CSRF_KEY, LANG_KEY

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """The form's token is missing or wrong (``csrf_failed``), or the browser sent no
    session at all (``csrf_no_session``); the page answers 403."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def csrf_token(request: Request) -> str:
    """This session's token (made on first use)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not expected:
        raise CsrfRefused("csrf_no_session")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("csrf_failed")


async def page_guard(request: Request) -> None:
    """On every web route: keep a ``?lang=`` choice in the session, then check CSRF."""
    lang = normalize(request.query_params.get("lang"))
    if lang and request.session.get(LANG_KEY) != lang:
        request.session[LANG_KEY] = lang
    await check_csrf(request)


# Our own CSS, JS and images only; no inline script or style, no framing, forms post here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_web_path(path: str) -> bool:
    """Everything but the API (and its docs, which load Swagger UI from a CDN)."""
    return not (path == "/api" or path.startswith("/api/"))


class SecurityHeaders:
    """Pure ASGI middleware: the headers above on every page and static file (not the API);
    pages also get ``Cache-Control: no-store`` (they show personal data; the back button
    after signing out must not show them again)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_web_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
