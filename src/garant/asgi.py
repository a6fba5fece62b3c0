"""The application that is served: the API and the web pages, composed here and only here.

``uvicorn --factory garant.asgi:create_app`` (or ``garant serve``) runs it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from garant.api.app import create_api
from garant.app import Garant
from garant.web.app import install as install_web_pages


def create_app(garant: Garant | None = None) -> FastAPI:
    app = create_api(garant, lifespan=_lifespan)
    install_web_pages(app)  # the web pages under "/"; last: it wraps the API's error handlers
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The routes and the services are synchronous: each request runs in the thread pool.
    # AnyIO's default of 40 threads makes them fight over the GIL and the database pool
    # under load (at 32 connections, 8 threads gave the same throughput and half the tail).
    garant: Garant = app.state.garant
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = garant.settings.server_threads
    yield
