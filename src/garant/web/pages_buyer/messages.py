"""The buyer's messages to the seller (with files), and the evidence files of an order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from garant.domain.errors import DomainError
from garant.services import messages
from garant.services.views import order_view
from garant.web.forms import act_then_redirect, chosen_files, evidence_download, upload_files
from garant.web.pages_buyer.common import Files, Kept, basics, field_errors, order_url, own_files
from garant.web.pages_buyer.orders import order_context
from garant.web.rendering import render_with_problem
from garant.web.session import BuyerDep, actor_of, garant_of

router = APIRouter()


@router.post("/commandes/{order_id}/messages")
def post_message(
    request: Request,
    order_id: int,
    user: BuyerDep,
    body: Annotated[str, Form(max_length=6000)] = "",
    files: Files = None,
    kept: Kept = None,
) -> Response:
    """Each file is uploaded as evidence first; then the message with their ids."""
    garant, _, _locale = basics(request)
    actor = actor_of(user)
    ids = own_files(garant, actor, kept)

    def act() -> None:
        upload_files(garant, actor, chosen_files(files), into=ids, order_id=order_id)
        messages.post_order_message(
            garant, actor=actor, order_id=order_id, body=body, attachments=ids
        )

    def refused(error: DomainError) -> Response:
        form = {"name": "message", "body": body, "kept": ids}
        ctx = order_context(request, user, order_id, form=form)
        ctx["field_errors"] = field_errors(error, _)
        return render_with_problem(request, "buyer/order.html", ctx, error)

    return act_then_redirect(
        request, act, url=order_url(order_id, "messages"), message=_("Message sent."),
        refused=refused,
    )  # fmt: skip


@router.get("/commandes/{order_id}/preuves/{evidence_id}")
def evidence_file(request: Request, order_id: int, evidence_id: int, user: BuyerDep) -> Response:
    """An evidence file of this order: the buyer's own as sent, the seller's as shown to the
    buyer (pictures without their metadata). Always a download, never run in our origin."""
    garant = garant_of(request)
    actor = actor_of(user)
    order_view(garant, order_id, actor)  # the order is the buyer's, or "not found"
    return evidence_download(garant, actor, evidence_id)
