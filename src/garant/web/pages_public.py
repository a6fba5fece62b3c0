"""Public parcel tracking ("Suivi de colis"), open to anyone, no buyer data: /suivi… A
placeholder until the tracking pages land.

See docs/web.md for how a page is written (router, template, service, refusals, flash).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.web.rendering import render

router = APIRouter()


@router.get("/suivi")
def tracking(request: Request) -> Response:
    return render(request, "public/tracking.html")
