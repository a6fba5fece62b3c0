"""One order in the seller centre: its page (deadlines, the seller's actions as forms,
tracking, timeline, messages), its evidence files, and the order action helper the forms
post through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from garant.domain.cancellation import BUYER_REASONS, UNFULFILLABLE_REASONS, Fault
from garant.domain.errors import DomainError
from garant.services import messages as message_service
from garant.services import orders as order_service
from garant.services.users import User
from garant.services.views import order_view
from garant.web import formatting as fmt
from garant.web.forms import act_then_redirect, describe_files, evidence_download
from garant.web.i18n import Translator
from garant.web.labels import action_label, role_label
from garant.web.pages_seller.common import carrier_name, field_errors, version_number
from garant.web.pages_seller.words import (
    DEADLINE_LABELS,
    RETURN_STATUSES,
    SHIPPING_NAMES,
    TIMELINE_TITLES,
    TIMELINE_TONES,
    UNFULFILLABLE_LABELS,
)
from garant.web.refusals import Problem
from garant.web.rendering import page_locale, render, render_with_problem, translator
from garant.web.session import SellerDep, actor_of, garant_of

router = APIRouter()


def _timeline(entries: Sequence[Mapping[str, Any]], locale: str) -> list[dict[str, Any]]:
    """The order's timeline, newest first, in words."""
    _ = Translator(locale)
    items = []
    for e in reversed(entries):
        action, data = e["action"], e.get("data") or {}
        msgid = TIMELINE_TITLES.get(action)
        if msgid:
            title = _(msgid)
        elif e.get("status"):
            title = fmt.pick(e["status"], locale)
        else:
            title = action_label(action, locale)
        parts: list[str] = []
        if data.get("tracking_number"):
            parts.append(_("Tracking number %(number)s", number=data["tracking_number"]))
        if action == "request_cancellation" and e.get("reason") in BUYER_REASONS:
            reason = BUYER_REASONS[e["reason"]]
            parts.append(reason.fr if locale == "fr" else reason.en)
        elif action == "mark_unfulfillable" and e.get("reason") in UNFULFILLABLE_LABELS:
            label = UNFULFILLABLE_LABELS[e["reason"]]
            parts.append(_(label))
        if isinstance(data.get("days"), int):
            parts.append(_.ngettext("%(num)d day", "%(num)d days", data["days"]))
        for key in ("new_amount", "amount"):
            if data.get(key):
                parts.append(fmt.format_money(data[key], "EUR", locale))
                break
        role = (e.get("actor") or {}).get("role")
        if role and role != "system":
            parts.append(_("by: %(who)s", who=role_label(role, locale)))
        items.append(
            {
                "at": e["at"],
                "title": title,
                "detail": " · ".join(parts),
                "tone": TIMELINE_TONES.get(action),
            }
        )
    return items


def _unfulfillable_options(_: Translator) -> list[tuple[str, str, str]]:
    return [
        (
            code,
            _(UNFULFILLABLE_LABELS[code]) if code in UNFULFILLABLE_LABELS else code,
            _("Counts as a cancellation by the seller.") if fault is Fault.SELLER else "",
        )
        for code, fault in UNFULFILLABLE_REASONS.items()
    ]


def _order_context(request: Request, user: User, order_id: int, **extra: Any) -> dict[str, Any]:
    garant, actor = garant_of(request), actor_of(user)
    locale = page_locale(request)
    _ = Translator(locale)
    view = order_view(garant, order_id, actor)
    thread = message_service.order_thread(garant, actor=actor, order_id=order_id)
    attached = [i for message in thread["messages"] for i in message["attachments"]]
    shipment = (view["tracking"] or {}).get("shipment") or {}
    detection = shipment.get("detection") or {}
    return {
        "order": view,
        "thread": thread,
        "files": describe_files(garant, attached),
        "timeline": _timeline(view["timeline"], locale),
        "deadline_labels": DEADLINE_LABELS,
        "unfulfillable": _unfulfillable_options(_),
        "return_statuses": RETURN_STATUSES,
        "candidates": detection.get("candidates") or [],
        "number_warnings": detection.get("warnings") or [],
        "carrier_name": carrier_name,
        "shipping_name": _("EU warehouse")
        if view["shipping_method"] == "eu_warehouse"
        else SHIPPING_NAMES.get(view["shipping_method"], view["shipping_method"]),
        "values": {},
        "recognised": None,
        **extra,
    }


def order_page(
    request: Request,
    user: User,
    order_id: int,
    error: DomainError | Problem | None = None,
    **extra: Any,
) -> Response:
    ctx = _order_context(request, user, order_id, **extra)
    if error is None:
        return render(request, "seller/order.html", ctx)
    return render_with_problem(request, "seller/order.html", ctx, error)


def act_on_order(
    request: Request,
    user: User,
    order_id: int,
    action: str,
    params: dict[str, Any],
    version: str,
    done: str,
    *,
    fields: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Response:
    """One order action through ``orders.perform``: a flash on success, the order page
    again with the refusal otherwise (nothing changed)."""
    _ = translator(request)

    def act() -> None:
        order_service.perform(
            garant_of(request),
            order_id=order_id,
            actor=actor_of(user),
            action=action,
            params=params,
            expected_version=version_number(version),
        )

    def refused(e: DomainError) -> Response:
        return order_page(
            request,
            user,
            order_id,
            e,
            field_errors=field_errors(e, fields or {}, _),
            values=dict(values or {}),
        )

    return act_then_redirect(
        request, act, url=f"/vendeur/commandes/{order_id}", message=done, refused=refused
    )


@router.get("/vendeur/commandes/{order_id}")
def seller_order(request: Request, order_id: int, user: SellerDep) -> Response:
    return order_page(request, user, order_id)


@router.get("/vendeur/commandes/{order_id}/preuves/{evidence_id}")
def order_evidence(request: Request, order_id: int, evidence_id: int, user: SellerDep) -> Response:
    return evidence_download(garant_of(request), actor_of(user), evidence_id, inline_images=True)
