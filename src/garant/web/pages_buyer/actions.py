"""The buyer's actions on an order: the one-button ones, details for the seller, confirming
receipt (with a confirmation step), cancelling or asking to cancel (with a confirmation
step), sending the item back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from garant.domain.cancellation import BUYER_REASONS
from garant.domain.errors import DomainError, NotFound
from garant.services import orders as order_service
from garant.services.views import order_view
from garant.web.forms import act_then_redirect
from garant.web.pages_buyer.common import basics, order_url, when
from garant.web.pages_buyer.orders import order_context
from garant.web.pages_buyer.words import RETURN_STATUSES, SIMPLE_ACTIONS
from garant.web.rendering import page_locale, redirect, render, render_with_problem, translator
from garant.web.session import BuyerDep, actor_of, garant_of

router = APIRouter()


def _perform(
    request: Request,
    user: Any,
    order_id: int,
    action: str,
    params: dict[str, Any],
    *,
    done: Callable[[dict[str, Any]], str],
    template: str = "buyer/order.html",
    context: Callable[[], dict[str, Any]] | None = None,
    anchor: str = "",
) -> Response:
    """One order action through ``perform``; then the order with a flash, or the page again
    with the refusal in words (nothing changed)."""
    garant = garant_of(request)
    actor = actor_of(user)

    def act() -> None:
        order_service.perform(garant, order_id=order_id, actor=actor, action=action, params=params)

    def refused(error: DomainError) -> Response:
        ctx = context() if context else order_context(request, user, order_id)
        ctx.setdefault("field_errors", {})
        return render_with_problem(request, template, ctx, error)

    return act_then_redirect(
        request,
        act,
        url=order_url(order_id, anchor),
        message=lambda: done(order_view(garant, order_id, actor)),
        refused=refused,
    )


@router.get("/commandes/{order_id}/actions/{action}")
@router.get("/commandes/{order_id}/precisions")
@router.get("/commandes/{order_id}/messages")
def back_to_order(request: Request, order_id: int, user: BuyerDep) -> Response:
    """The addresses that only take a form lead back to the order."""
    return redirect(order_url(order_id), 303)


@router.post("/commandes/{order_id}/actions/{action}")
def simple_action(request: Request, order_id: int, action: str, user: BuyerDep) -> Response:
    _, locale = translator(request), page_locale(request)
    if action not in SIMPLE_ACTIONS:
        raise NotFound(f"no such action here: {action}")

    def done(view: dict[str, Any]) -> str:
        message = SIMPLE_ACTIONS[action]
        return _(message, date=when(view.get("ship_by"), locale))

    return _perform(request, user, order_id, action, {}, done=done)


@router.post("/commandes/{order_id}/precisions")
def provide_details(
    request: Request, order_id: int, user: BuyerDep, answer: Annotated[str, Form()] = ""
) -> Response:
    _ = translator(request)

    def context() -> dict[str, Any]:
        return order_context(request, user, order_id, form={"name": "details", "answer": answer})

    return _perform(
        request, user, order_id, "provide_details", {"answer": answer},
        done=lambda view: _("Your details were sent to the seller."), context=context,
    )  # fmt: skip


# ------------------------------------------------------------------ confirm receipt


@router.get("/commandes/{order_id}/reception")
def receipt_form(request: Request, order_id: int, user: BuyerDep) -> Response:
    view = order_view(garant_of(request), order_id, actor_of(user))
    return render(request, "buyer/receipt.html", {"order": view})


@router.post("/commandes/{order_id}/reception")
def confirm_receipt(
    request: Request, order_id: int, user: BuyerDep, confirm: Annotated[str, Form()] = ""
) -> Response:
    garant, _, _locale = basics(request)

    def context() -> dict[str, Any]:
        return {"order": order_view(garant, order_id, actor_of(user))}

    if confirm != "yes":
        ctx = context()
        ctx["field_errors"] = {"confirm": _("Tick the box to confirm you received the item.")}
        return render(request, "buyer/receipt.html", ctx, status_code=422)
    return _perform(
        request, user, order_id, "confirm_receipt", {},
        done=lambda view: _("Receipt confirmed: the seller is paid. Thank you!"),
        template="buyer/receipt.html", context=context,
    )  # fmt: skip


# ------------------------------------------------------------------ cancellation


def _cancel_context(request: Request, user: Any, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, _, locale = basics(request)
    view = order_view(garant, order_id, actor_of(user))
    reasons = [(code, getattr(r, locale)) for code, r in BUYER_REASONS.items()]
    return {
        "order": view,
        "reasons": reasons,
        "reason_labels": dict(reasons),
        "mode": "cancel" if "cancel" in view["allowed_actions"] else "request",
        "possible": bool({"cancel", "request_cancellation"} & set(view["allowed_actions"])),
        "step": "form",
        "reason": "",
        "note": "",
        **extra,
    }


@router.get("/commandes/{order_id}/annulation")
def cancellation_form(request: Request, order_id: int, user: BuyerDep) -> Response:
    return render(request, "buyer/cancel.html", _cancel_context(request, user, order_id))


@router.post("/commandes/{order_id}/annulation")
def cancellation(
    request: Request,
    order_id: int,
    user: BuyerDep,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """First the form, then a confirmation step showing what will be sent; only the second
    POST (``confirm=yes``) acts."""
    _, locale = translator(request), page_locale(request)
    ctx = _cancel_context(request, user, order_id, reason=reason, note=note.strip())
    mode = ctx["mode"]
    if mode == "request" and ctx["possible"] and confirm != "yes":
        if reason not in BUYER_REASONS:
            ctx["field_errors"] = {"reason": _("Choose a reason from the list.")}
            return render(request, "buyer/cancel.html", ctx, status_code=422)
        ctx["step"] = "confirm" if confirm != "edit" else "form"
        return render(request, "buyer/cancel.html", ctx)
    if mode == "cancel" and confirm != "yes":
        ctx["step"] = "confirm"
        return render(request, "buyer/cancel.html", ctx)

    def done(view: dict[str, Any]) -> str:
        if mode == "cancel":
            return _("Order cancelled.")
        request_view = view.get("cancellation_request") or {}
        return _(
            "Cancellation request sent. The seller has until %(date)s to answer; without an "
            "answer, the order is cancelled and refunded automatically.",
            date=when(request_view.get("answer_by"), locale),
        )

    if mode == "cancel":
        return _perform(
            request, user, order_id, "cancel", {"confirm": True}, done=done,
            template="buyer/cancel.html", context=lambda: ctx,
        )  # fmt: skip
    return _perform(
        request, user, order_id, "request_cancellation", {"reason": reason, "note": note.strip()},
        done=done, template="buyer/cancel.html", context=lambda: ctx,
    )  # fmt: skip


# ------------------------------------------------------------------ sending the item back


@router.get("/commandes/{order_id}/retour")
def return_form(request: Request, order_id: int, user: BuyerDep) -> Response:
    view = order_view(garant_of(request), order_id, actor_of(user))
    return render(request, "buyer/return.html", {"order": view, "return_status": RETURN_STATUSES})


@router.post("/commandes/{order_id}/retour")
def ship_return(
    request: Request,
    order_id: int,
    user: BuyerDep,
    tracking_number: Annotated[str, Form(max_length=60)] = "",
    carrier: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    garant, _, locale = basics(request)

    def context() -> dict[str, Any]:
        view = order_view(garant, order_id, actor_of(user))
        return {
            "order": view,
            "return_status": RETURN_STATUSES,
            "form": {"tracking_number": tracking_number, "carrier": carrier},
        }

    def done(view: dict[str, Any]) -> str:
        confirm_by = (view.get("return") or {}).get("confirm_by")
        return _(
            "Return recorded. The seller has until %(date)s to confirm receiving it.",
            date=when(confirm_by, locale),
        )

    params = {"tracking_number": tracking_number.strip(), "carrier": carrier.strip() or None}
    return _perform(
        request, user, order_id, "ship_return", params, done=done,
        template="buyer/return.html", context=context,
    )  # fmt: skip
