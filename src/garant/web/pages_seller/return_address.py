"""The address the seller's returns are sent to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.domain.errors import DomainError
from garant.services.users import return_address_of, set_return_address
from garant.web.pages_seller.common import Text
from garant.web.rendering import redirect_with_flash, render, render_with_problem, translator
from garant.web.session import SellerDep, garant_of

router = APIRouter()


@router.get("/vendeur/retours")
def return_address_form(request: Request, user: SellerDep) -> Response:
    current = return_address_of(garant_of(request), seller_id=user.id)
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
            "current": return_address_of(garant, seller_id=user.id),
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
