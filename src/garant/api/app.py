"""The API: routes under /api/v1, OpenAPI at /api/docs. ``garant.asgi`` composes it with the
web pages into the application that is served."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from garant import __version__
from garant.api import (
    admin,
    disputes,
    evidence,
    idempotency,
    messages,
    notifications,
    orders,
    problems,
    tracking,
)
from garant.app import Garant


def create_api(garant: Garant | None = None, *, lifespan: Any = None) -> FastAPI:
    garant = garant or Garant.from_settings()
    app = FastAPI(
        lifespan=lifespan,
        title="Garant",
        version=__version__,
        summary="Post-purchase and buyer protection for marketplaces",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.garant = garant
    problems.install(app)
    idempotency.install(app)
    app.include_router(orders.router)
    app.include_router(disputes.router)
    app.include_router(admin.router)
    app.include_router(tracking.router)
    app.include_router(notifications.router)
    app.include_router(messages.router)
    app.include_router(evidence.router)
    return app
