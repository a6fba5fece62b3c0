"""The application that is served: the API and the web pages, composed here and only here.

``uvicorn --factory garant.asgi:create_app`` (or ``garant serve``) runs it.
"""

from __future__ import annotations

from fastapi import FastAPI

from garant.api.app import create_api
from garant.app import Garant
from garant.web.app import install as install_web_pages


def create_app(garant: Garant | None = None) -> FastAPI:
    app = create_api(garant)
    install_web_pages(app)  # the web pages under "/"; last: it wraps the API's error handlers
    return app
