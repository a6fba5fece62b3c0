"""The seller's actions on an order, one form each: prepare, consolidate, ship (the tracking
number checked as typed), answer a cancellation request, ask for more time, publish the
invoice, change the amount, ask the buyer for details, declare the order impossible to
fulfil, confirm a return, write to the buyer. Each form's address shows the order page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.domain.errors import DomainError, InvalidInput, NotFound
from garant.services import messages as message_service
from garant.services import orders as order_service
from garant.services.tracking_numbers import check_tracking_number
from garant.services.users import User
from garant.services.views import order_view
from garant.web.forms import act_then_redirect, upload_files
from garant.web.pages_seller.common import (
    Files,
    Text,
    carrier_name,
    field_errors,
    message_errors,
    parse_amount,
    version_number,
)
from garant.web.pages_seller.order import act_on_order, order_page
from garant.web.refusals import Problem
from garant.web.rendering import flash, translator
from garant.web.session import SellerDep, actor_of, garant_of

router = APIRouter()


@router.post("/vendeur/commandes/{order_id}/preparer")
def mark_prepared(request: Request, order_id: int, user: SellerDep, version: Text = "") -> Response:
    _ = translator(request)
    return act_on_order(
        request, user, order_id, "mark_prepared", {}, version, _("The order is marked as prepared.")
    )


@router.post("/vendeur/commandes/{order_id}/consolider")
def consolidate(
    request: Request, order_id: int, user: SellerDep, parcel_ref: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return act_on_order(
        request,
        user,
        order_id,
        "consolidate",
        {"parcel_ref": parcel_ref.strip()},
        version,
        _("The order is marked as consolidated."),
        values={"parcel_ref": parcel_ref},
    )


def _ship_or_decline(
    request: Request,
    user: User,
    order_id: int,
    *,
    action: str,
    field: str,
    raw: str,
    intent: str,
    version: str,
) -> Response:
    """Ship, or decline a cancellation by shipping (CAN-5): the number is read as typed
    (``check_tracking_number``) and shown back; "check" only shows what it was read as."""
    _ = translator(request)
    garant = garant_of(request)
    order_view(garant, order_id, actor_of(user))  # another seller's order: 404 first
    values = {field: raw}
    number = raw.strip()
    try:
        normalised, carrier, warnings = check_tracking_number(number, None)
    except InvalidInput as e:
        message = (
            _("Give the tracking number printed on the parcel's label.")
            if not number
            else _(
                "This is not a tracking number of any carrier we know. Check it against the "
                "label and type it again."
            )
        )
        return order_page(request, user, order_id, e, field_errors={field: message}, values=values)
    recognised = {
        "for": field,
        "number": normalised,
        "carrier": carrier,
        "carrier_name": carrier_name(carrier),
        "warnings": warnings,
    }
    if intent == "check":
        return order_page(request, user, order_id, values=values, recognised=recognised)

    def act() -> None:
        order_service.perform(
            garant,
            order_id=order_id,
            actor=actor_of(user),
            action=action,
            params={"tracking_number": number},
            expected_version=version_number(version),
        )

    def refused(e: DomainError) -> Response:
        errors = field_errors(e, {"tracking_number": field, "*": field}, _)
        return order_page(
            request, user, order_id, e, field_errors=errors, values=values, recognised=recognised
        )

    def done() -> str:
        """What was done; before it, when the number looked odd, a warning."""
        if warnings:
            flash(
                request,
                _(
                    "The number was accepted, but check it again: %(warnings)s",
                    warnings=" ".join(warnings),
                ),
                "warning",
            )
        return (
            _("Shipped with tracking number %(number)s (%(carrier)s).", number=normalised,
              carrier=recognised["carrier_name"])
            if action == "ship"
            else _(
                "Cancellation declined: the parcel is with the carrier under number %(number)s "
                "(%(carrier)s).",
                number=normalised,
                carrier=recognised["carrier_name"],
            )
        )  # fmt: skip

    return act_then_redirect(
        request, act, url=f"/vendeur/commandes/{order_id}", message=done, refused=refused
    )


@router.post("/vendeur/commandes/{order_id}/expedier")
def ship(
    request: Request,
    order_id: int,
    user: SellerDep,
    tracking_number: Text = "",
    intent: Text = "ship",
    version: Text = "",
) -> Response:
    return _ship_or_decline(
        request,
        user,
        order_id,
        action="ship",
        field="tracking_number",
        raw=tracking_number,
        intent=intent,
        version=version,
    )


@router.post("/vendeur/commandes/{order_id}/accepter-annulation")
def approve_cancellation(
    request: Request, order_id: int, user: SellerDep, version: Text = ""
) -> Response:
    _ = translator(request)
    return act_on_order(
        request,
        user,
        order_id,
        "approve_cancellation",
        {},
        version,
        _("Cancellation accepted: the order is cancelled and the buyer refunded in full."),
    )


@router.post("/vendeur/commandes/{order_id}/refuser-annulation")
def decline_cancellation(
    request: Request,
    order_id: int,
    user: SellerDep,
    decline_tracking_number: Text = "",
    intent: Text = "decline",
    version: Text = "",
) -> Response:
    return _ship_or_decline(
        request,
        user,
        order_id,
        action="decline_cancellation",
        field="decline_tracking_number",
        raw=decline_tracking_number,
        intent=intent,
        version=version,
    )


@router.post("/vendeur/commandes/{order_id}/delai")
def request_extension(
    request: Request,
    order_id: int,
    user: SellerDep,
    days: Text = "",
    extension_reason: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    values = {"days": days, "extension_reason": extension_reason}
    if not days.strip().isdigit():
        problem = Problem(
            "invalid_input",
            422,
            "days must be a whole number",
            errors=[{"field": "days", "message": _("Give a whole number of days, for example 3.")}],
        )
        return order_page(request, user, order_id, problem, values=values)
    n = int(days.strip())
    return act_on_order(
        request,
        user,
        order_id,
        "request_extension",
        {"days": n, "reason": extension_reason.strip()},
        version,
        _.ngettext(
            "%(num)d more day asked for. The ship-by date moves once the buyer agrees.",
            "%(num)d more days asked for. The ship-by date moves once the buyer agrees.",
            n,
        ),
        fields={"days": "days", "*": "days"},
        values=values,
    )


@router.post("/vendeur/commandes/{order_id}/facture")
def publish_invoice(
    request: Request, order_id: int, user: SellerDep, invoice_ref: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return act_on_order(
        request,
        user,
        order_id,
        "publish_invoice",
        {"invoice_ref": invoice_ref.strip()},
        version,
        _("The invoice is published: the buyer can see it."),
        values={"invoice_ref": invoice_ref},
    )


@router.post("/vendeur/commandes/{order_id}/montant")
def update_amount(
    request: Request,
    order_id: int,
    user: SellerDep,
    new_total: Text = "",
    amount_reason: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    return act_on_order(
        request,
        user,
        order_id,
        "update_amount",
        {"new_total": parse_amount(new_total), "reason": amount_reason.strip()},
        version,
        _("The amount is updated; the buyer pays the new amount."),
        fields={"new_total": "new_total", "*": "new_total"},
        values={"new_total": new_total, "amount_reason": amount_reason},
    )


@router.post("/vendeur/commandes/{order_id}/precisions")
def request_details(
    request: Request, order_id: int, user: SellerDep, question: Text = "", version: Text = ""
) -> Response:
    _ = translator(request)
    return act_on_order(
        request,
        user,
        order_id,
        "request_details",
        {"question": question.strip()},
        version,
        _("Your question was sent to the buyer."),
        values={"question": question},
    )


@router.post("/vendeur/commandes/{order_id}/inexecutable")
def mark_unfulfillable(
    request: Request,
    order_id: int,
    user: SellerDep,
    unfulfillable_reason: Text = "",
    version: Text = "",
) -> Response:
    _ = translator(request)
    if not unfulfillable_reason:
        problem = Problem(
            "invalid_input",
            422,
            "choose a reason",
            errors=[{"field": "unfulfillable_reason", "message": _("Choose a reason.")}],
        )
        return order_page(request, user, order_id, problem)
    return act_on_order(
        request,
        user,
        order_id,
        "mark_unfulfillable",
        {"reason": unfulfillable_reason},
        version,
        _("The order is closed as impossible to fulfil; the buyer is refunded in full."),
    )


@router.post("/vendeur/commandes/{order_id}/retour-recu")
def confirm_return_received(
    request: Request, order_id: int, user: SellerDep, version: Text = ""
) -> Response:
    _ = translator(request)
    return act_on_order(
        request,
        user,
        order_id,
        "confirm_return_received",
        {},
        version,
        _("Return confirmed: the agreed refund is made and the rest is paid to you."),
    )


@router.post("/vendeur/commandes/{order_id}/messages")
def post_order_message(
    request: Request,
    order_id: int,
    user: SellerDep,
    body: Text = "",
    attachments: Files = None,
) -> Response:
    _ = translator(request)
    garant, actor = garant_of(request), actor_of(user)

    def act() -> None:
        ids = upload_files(garant, actor, attachments, order_id=order_id, check_size_first=True)
        message_service.post_order_message(
            garant, actor=actor, order_id=order_id, body=body, attachments=ids
        )

    def refused(e: DomainError) -> Response:
        return order_page(
            request, user, order_id, e, field_errors=message_errors(e, _), values={"body": body}
        )

    return act_then_redirect(
        request,
        act,
        url=f"/vendeur/commandes/{order_id}#messages",
        message=_("Message sent to the buyer."),
        refused=refused,
    )


ORDER_STEPS = (
    "preparer",
    "consolider",
    "expedier",
    "accepter-annulation",
    "refuser-annulation",
    "delai",
    "facture",
    "montant",
    "precisions",
    "inexecutable",
    "retour-recu",
    "messages",
)


# Last here, and this router after the dispute's (see __init__): it matches …/litige too.
@router.get("/vendeur/commandes/{order_id}/{step}")
def order_step_page(request: Request, order_id: int, step: str, user: SellerDep) -> Response:
    """An order form's own address (the order page it is on)."""
    if step not in ORDER_STEPS:
        raise NotFound(f"no page {step}")
    return order_page(request, user, order_id)
