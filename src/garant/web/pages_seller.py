"""Seller centre ("Espace vendeur"): /vendeur… A placeholder until the seller pages land.

See docs/web.md for how a page is written (router, template, service, refusals, flash).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.web.rendering import render
from garant.web.session import SellerDep

router = APIRouter()


@router.get("/vendeur")
def seller_home(request: Request, user: SellerDep) -> Response:
    return render(request, "seller/home.html")
