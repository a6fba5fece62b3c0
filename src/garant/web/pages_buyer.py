"""Buyer pages ("Mes commandes"): /commandes… A placeholder until the buyer pages land.

See docs/web.md for how a page is written (router, template, service, refusals, flash).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.web.rendering import render
from garant.web.session import BuyerDep

router = APIRouter()


@router.get("/commandes")
def orders(request: Request, user: BuyerDep) -> Response:
    return render(request, "buyer/orders.html")
