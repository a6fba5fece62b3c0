"""The address the seller's returns are sent to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from garant.app import Garant
from garant.domain.errors import DomainError
from garant.services.users import set_return_address
from garant.store import schema as t
from garant.web.pages_seller.common import Text
from garant.web.rendering import redirect_with_flash, render, render_with_problem, translator
from garant.web.session import SellerDep, garant_of

router = APIRouter()


def _current_return_address(garant: Garant, seller_id: int) -> str:
    """The address saved with ``users.set_return_address`` (no service reads it back yet)."""
    with garant.engine.connect() as conn:
        found = conn.execute(
            select(t.users.c.return_address).where(t.users.c.id == seller_id)
        ).scalar()
    return str(found or "")


@router.get("/vendeur/retours")
def return_address_form(request: Request, user: SellerDep) -> Response:
    current = _current_return_address(garant_of(request), user.id)
    return render(
        request, "seller/returns.html", {"current": current, "values": {"address": current}}
    )


@router.post("/vendeur/retours")
def save_return_address(request: Request, user: SellerDep, address: Text = "") -> Response:
    _ = translator(request)
    garant = garant_of(request)
    try:
        set_return_address(
            garant, actor_role=user.role, actor_id=user.id, seller_id=user.id, address=address
        )
    except DomainError as e:
        ctx = {
            "current": _current_return_address(garant, user.id),
            "values": {"address": address},
            "field_errors": {
                "address": _(
                    "Give 2 to 8 lines of at most 120 characters: name, street, postcode and "
                    "town, country."
                )
            },
        }
        return render_with_problem(request, "seller/returns.html", ctx, e)
    return redirect_with_flash(
        request, "/vendeur/retours", _("Return address saved. Returns agreed from now on go there.")
    )
