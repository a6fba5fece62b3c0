"""Agent console ("Console agent", agents and operators): /agent… A placeholder until the
agent pages land.

See docs/web.md for how a page is written (router, template, service, refusals, flash).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.web.rendering import render
from garant.web.session import StaffDep

router = APIRouter()


@router.get("/agent")
def console(request: Request, user: StaffDep) -> Response:
    return render(request, "agent/queue.html")
